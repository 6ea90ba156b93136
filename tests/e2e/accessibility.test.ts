// Every page through axe-core (WCAG 2 A and AA), in light and dark, at 1440 and 390 px wide,
// with no console error. A violation is printed as the rule, its help
// text and the elements it found, so a failure says what to fix without opening a browser.
import { createRequire } from "node:module";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { signInWithPassword } from "../support/auth-client";
import { addSessionCookies, launchBrowser, watchedPage } from "../support/browser";
import { firstAlert, firstLink as firstLinkOn, makePendingRequest } from "../support/demo-pages";

const AXE_SOURCE = (createRequire(import.meta.url)("axe-core") as { source: string }).source;
const baseUrl = inject("baseUrl");
const token = inject("ingestToken");
const RUN = Date.now().toString(36);

let browser: Browser;
const cookies: Record<"admin" | "operator", string> = { admin: "", operator: "" };
/** path → the page's name in a failure */
const pages: [string, string][] = [];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: Document, options: unknown) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
}

function readable(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n${v.nodes
          .slice(0, 5)
          .map((n) => `    ${JSON.stringify(n.target)}\n      ${(n.failureSummary ?? "").replaceAll("\n", "\n      ")}`)
          .join("\n")}${v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : ""}`,
    )
    .join("\n");
}

async function ingest(events: Record<string, unknown>[]) {
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** The first link on `path` whose href matches, read as the admin: a real id to visit. */
const firstLink = (path: string, pattern: RegExp) => firstLinkOn(baseUrl, cookies.admin, path, pattern);

beforeAll(async () => {
  browser = await launchBrowser();
  cookies.admin = await signInWithPassword(baseUrl, "admin", inject("demoPassword"));
  cookies.operator = await signInWithPassword(baseUrl, "operator", inject("demoPassword"));

  // A pending request of our own, so the approval page has one to show.
  const name = `a11y-${RUN}`;
  const pods = [`${name}-1`, `${name}-2`];
  const base = {
    environment: "e2e",
    namespace: "a11y",
    service: name,
    kind: "config",
    resource: "routes.yaml",
    reloadId: `rl-${name}`,
    fromVersion: "v0",
    toVersion: "v1",
    initiator: "pipeline:e2e",
  };
  const at = (s: number) => new Date(Date.now() - s * 1000).toISOString();
  await ingest([
    { ...base, id: `${name}-r`, phase: "requested", occurredAt: at(120) },
    { ...base, id: `${name}-d`, phase: "dispatched", targets: pods, occurredAt: at(115) },
    ...pods.map((instance, i) => ({ ...base, id: `${name}-a${i}`, instance, phase: "acked", occurredAt: at(110 - i) })),
  ]);
  const reload = await firstLink(`/reloads?reloadId=rl-${name}`, /^\/reloads\/\d+$/);
  const service = await firstLink(reload, /^\/services\/\d+$/);
  const requestId = await makePendingRequest({
    baseUrl,
    admin: cookies.admin,
    operator: cookies.operator,
    servicePage: service,
    kind: "config",
    resource: "routes.yaml",
    toVersion: "v2",
    reason: "e2e: accessibility",
  });

  // The demo's alerts are opened by the worker: wait for one.
  const alert = await firstAlert(baseUrl, cookies.admin);
  expect(alert, "no alert opened within a minute").not.toBe("");

  pages.push(
    ["/fleet", "fleet"],
    [service, "service"],
    [`${service}?behind=1`, "service, behind only"],
    [`${service}/resources/config/routes.yaml`, "resource"],
    [reload, "reload"],
    ["/reloads", "reloads"],
    ["/alerts", "alerts"],
    [alert, "alert"],
    ["/approvals", "approvals"],
    [`/approvals/${requestId}`, "approval"],
    ["/audit", "audit"],
    ["/replay", "replay"],
    [`/replay?reload=${reload.split("/")[2]}`, "replay of a reload"],
    ["/admin", "admin"],
    ["/admin/users", "admin users"],
    ["/admin/tokens", "admin tokens"],
    ["/admin/targets", "admin targets"],
    ["/admin/policies", "admin policies"],
    ["/admin/sources", "admin sources"],
  );
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

const VIEWS = [
  { width: 1440, height: 900, colorScheme: "light" as const },
  { width: 1440, height: 900, colorScheme: "dark" as const },
  { width: 390, height: 844, colorScheme: "light" as const },
  { width: 390, height: 844, colorScheme: "dark" as const },
];

describe("axe-core finds no WCAG 2 A/AA violation, and the browser no console error", () => {
  test.each(VIEWS)(
    "every page at $width px, $colorScheme",
    async ({ width, height, colorScheme }) => {
      const context: BrowserContext = await browser.newContext({ viewport: { width, height }, colorScheme });
      await addSessionCookies(context, baseUrl, cookies.admin);
      const failures: string[] = [];
      for (const [path, label] of pages) {
        const { page, problems } = await watchedPage(context);
        await page.goto(`${baseUrl}${path}`, { waitUntil: "networkidle" });
        const violations = await axeViolations(page);
        if (violations.length) failures.push(`${label} (${path}):\n  ${readable(violations).replaceAll("\n", "\n  ")}`);
        if (problems.length) failures.push(`${label} (${path}) console:\n  ${problems.join("\n  ")}`);
        await page.close();
      }
      await context.close();

      // Signed out: the sign-in page.
      const signedOut = await browser.newContext({ viewport: { width, height }, colorScheme });
      const { page, problems } = await watchedPage(signedOut);
      await page.goto(`${baseUrl}/sign-in`, { waitUntil: "networkidle" });
      const violations = await axeViolations(page);
      if (violations.length) failures.push(`sign-in:\n  ${readable(violations).replaceAll("\n", "\n  ")}`);
      if (problems.length) failures.push(`sign-in console:\n  ${problems.join("\n  ")}`);
      await signedOut.close();

      expect(failures.join("\n\n"), `${failures.length} page(s) with problems at ${width} px, ${colorScheme}`).toBe("");
    },
    300_000,
  );
});

describe("theme and phone layout", () => {
  test("the dark-mode toggle overrides the system and is remembered; the nav folds on a phone", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "light" });
    await addSessionCookies(context, baseUrl, cookies.admin);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${baseUrl}/fleet`);
    const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--bg").trim());
    expect(await bg()).toBe("#f6f7f9");
    // Folded: the links take no room until the menu opens.
    const links = page.locator("#site-nav-links");
    expect(await links.isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    expect(await links.isVisible()).toBe(true);
    await page.getByRole("button", { name: "Menu" }).click();

    await page.locator("[data-theme-toggle]").click();
    expect(await bg()).toBe("#0f141b");
    await page.reload();
    expect(await bg()).toBe("#0f141b");
    expect(await page.locator("[data-theme-toggle]").getAttribute("aria-pressed")).toBe("true");
    expect(problems).toEqual([]);
    await context.close();
  });
});
