import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { signInWithPassword } from "../support/auth-client";
import { addSessionCookies, launchBrowser } from "../support/browser";

let browser: Browser;
let context: BrowserContext;
/** a viewer's session: the replay's API serves signed-in people (or read tokens) */
let cookie: string;
const baseUrl = inject("baseUrl");
const token = inject("ingestToken");
const problems: string[] = [];

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400 && r.url().startsWith(baseUrl)) problems.push(`${r.status()} ${r.url()}`);
  });
  return page;
}

beforeAll(async () => {
  browser = await launchBrowser();
  cookie = await signInWithPassword(baseUrl, "viewer", inject("demoPassword"));
  context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    locale: "de-DE",
    timezoneId: "Pacific/Kiritimati",
  });
  await addSessionCookies(context, baseUrl, cookie);
});

afterAll(async () => {
  await browser?.close();
});

interface ReloadItem {
  key: string;
  reloadId: string;
  environment: string;
  service: string;
  kind: string;
  resource: string;
  toVersion: string | null;
}

const cell = (page: Page, r: ReloadItem) =>
  page.locator(`tr[data-service="${r.service}"] [data-resource="${r.resource}"] .versions`);
/** The cell's full versions (a long one is shown cut in the middle; data-version keeps it whole). */
const cellVersions = async (page: Page, r: ReloadItem) =>
  (await cell(page, r)
    .locator("[data-version]")
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-version")).join(" "))) ?? "";

/** Waits until the matrix on screen is the frame of the instant the player shows. */
async function settled(page: Page): Promise<string> {
  await expect
    .poll(async () => {
      const instant = await page.locator("[data-replay-instant]").getAttribute("data-replay-instant");
      const showing = await page.locator("[data-replay-showing]").getAttribute("data-replay-showing");
      return instant !== null && instant === showing;
    })
    .toBe(true);
  return (await page.locator("[data-replay-instant]").getAttribute("data-replay-instant"))!;
}

describe("time-travel replay", () => {
  test("scrubbing a reload's window changes its cell, and the pasted link shows the same", async () => {
    const response = await fetch(`${baseUrl}/api/v1/reloads?status=succeeded&environment=prod&limit=20`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: ReloadItem[] };
    expect(items.length).toBeGreaterThan(0);

    const page = await newPage();
    let replayed: { reload: ReloadItem; before: string; after: string; url: string } | null = null;
    for (const reload of items) {
      await page.goto(`${baseUrl}/replay?reload=${reload.key}`);
      await settled(page);
      // A service name that appears once on the page, so the cell is unambiguous.
      if ((await page.locator(`tr[data-service="${reload.service}"]`).count()) !== 1) continue;
      const before = await cellVersions(page, reload);
      // Scrub to the end of the window (the keyboard moves the slider as a person's drag does).
      await page.getByRole("slider", { name: "Instant" }).focus();
      await page.keyboard.press("End");
      await page.waitForURL(/[?&]at=/);
      await settled(page);
      const after = await cellVersions(page, reload);
      if (reload.toVersion && after.includes(reload.toVersion) && !before.includes(reload.toVersion)) {
        replayed = { reload, before, after, url: page.url() };
        break;
      }
    }
    expect(replayed, "a demo reload whose cell changes across its window").not.toBeNull();
    const { reload, after, url } = replayed!;
    expect(url).toContain(`reload=${reload.key}`);

    // Stepping back one event, then forward again, moves through the listed events.
    await page.getByRole("button", { name: "Step back one event" }).click();
    await settled(page);
    expect(await page.locator('[aria-current="step"]').count()).toBe(1);

    // The link, pasted into a fresh page, reproduces the view.
    const pasted = await newPage();
    await pasted.goto(url);
    expect(await settled(pasted)).toBe(new URL(url).searchParams.get("at"));
    expect(await cellVersions(pasted, reload)).toBe(after);
    await pasted.close();
    await page.close();
    expect(problems).toEqual([]);
  });

  test("an invalid instant is refused with a reason, by the page and the API", async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/replay?at=not-a-time`);
    expect(await page.locator(".panel[role=alert]").textContent()).toContain("at: must be an RFC 3339 instant");
    await page.close();
    const api = await fetch(`${baseUrl}/api/replay?at=2999-01-01T00:00:00Z`, { headers: { cookie } });
    expect(api.status).toBe(400);
    expect(((await api.json()) as { message: string }).message).toBe("at: is in the future");
    expect(problems).toEqual([]);
  });
});
