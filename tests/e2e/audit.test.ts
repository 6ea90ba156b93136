// The auditor's path: /audit needs a session; a viewer sees the log without sign-ins, picks
// an outcome from the list and includes sign-ins to find a refused one (marked denied), the
// filters in the URL, verifies the chain with the button and
// then finds that verification recorded; the CSV export and a reload's evidence bundle answer
// 401 without a session and download with one.
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { postCredentials, signInWithPassword } from "../support/auth-client";
import { launchBrowser, watchedPage } from "../support/browser";

let browser: Browser;
let context: BrowserContext;
const baseUrl = inject("baseUrl");
const password = inject("demoPassword");

beforeAll(async () => {
  browser = await launchBrowser();
  // A browser zone far from UTC: the page's times must still read UTC.
  context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    locale: "de-DE",
    timezoneId: "Pacific/Kiritimati",
  });
});

afterAll(async () => {
  await browser?.close();
});

describe("audit log", () => {
  test("signed out: the page sends to sign-in, the export and the evidence answer 401", async () => {
    const fresh = await browser.newContext();
    const page = await fresh.newPage();
    await page.goto(`${baseUrl}/audit?outcome=denied`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await fresh.close();
    const exported = await fetch(`${baseUrl}/api/audit/export`);
    expect(exported.status).toBe(401);
    expect(((await exported.json()) as { error: string }).error).toBe("unauthorized");
    expect((await fetch(`${baseUrl}/api/reloads/1/evidence`)).status).toBe(401);
  });

  test("a viewer filters, verifies the chain with the button, and finds the verification recorded", async () => {
    // A refused sign-in first: it is an unauthorized attempt the log must show.
    const refused = await postCredentials(baseUrl, "operator", "not-the-password");
    expect(refused.error).not.toBeNull();

    // The session of a sign-in over HTTP, handed to the browser (the sign-in form has its own tests).
    const cookie = await signInWithPassword(baseUrl, "viewer", password);
    await context.addCookies(
      cookie.split("; ").map((pair) => {
        const at = pair.indexOf("=");
        return { name: pair.slice(0, at), value: pair.slice(at + 1), url: baseUrl };
      }),
    );
    const { page, problems } = await watchedPage(context);
    expect((await page.goto(`${baseUrl}/audit`))?.status()).toBe(200);
    const rows = page.locator("tr[data-entry]");
    // Sign-ins are most of the log: left out until asked for (on a fresh server they may be all there is).
    await page.locator('tr[data-entry], section[aria-label="Audit entries"] .empty').first().waitFor();
    expect(
      await rows.evaluateAll((trs) => trs.filter((tr) => tr.textContent?.includes("session.sign_in")).length),
    ).toBe(0);

    // Filter through the form (the action and outcome are lists to pick from): the refused
    // sign-in appears once sign-ins are included, the filters land in the URL, and the export link carries them.
    const form = page.locator('form[aria-label="Filter audit entries"]');
    expect(
      await form
        .locator('select[name="action"] option')
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(expect.arrayContaining(["", "session.sign_in", "request.approve", "request.reject"]));
    await form.locator('select[name="outcome"]').selectOption("denied");
    await form.getByLabel("Include sign-ins").check();
    await Promise.all([page.waitForURL(/outcome=denied/), form.locator('button[type="submit"]').click()]);
    expect(new URL(page.url()).searchParams.get("signins")).toBe("include");
    await rows.first().waitFor();
    expect(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-outcome"))))).toEqual(
      new Set(["denied"]),
    );
    expect(await rows.first().textContent()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC/);
    const refusedSignIn = rows.filter({ hasText: "session.sign_in" }).filter({ hasText: "operator" });
    expect(await refusedSignIn.count()).toBeGreaterThan(0);
    expect(await page.locator("a[data-export]").getAttribute("href")).toBe(
      "/api/audit/export?outcome=denied&signins=include",
    );
    expect(await form.getByLabel("Include sign-ins").isChecked()).toBe(true);

    await page.goto(`${baseUrl}/audit`);
    await page.getByRole("button", { name: "Verify chain" }).click();
    const verdict = page.locator('[data-verdict="intact"]');
    await verdict.waitFor();
    expect(Number(await verdict.getAttribute("data-entries"))).toBeGreaterThan(1);

    await page.goto(`${baseUrl}/audit?action=audit.verify`);
    await rows.first().waitFor();
    expect(await rows.first().getAttribute("data-outcome")).toBe("allowed");
    expect(await rows.first().textContent()).toContain("viewer");
    expect(problems).toEqual([]);
  });

  test("CSV export: filtered, quoted, named by its range; a bad filter is a 400 naming it", async () => {
    const cookie = await signInWithPassword(baseUrl, "viewer", password);
    const response = await fetch(`${baseUrl}/api/audit/export?action=session.sign_in&from=2020-01-01`, {
      headers: { cookie },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="reloadscope-audit_2020-01-01T00-00-00Z_to_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.csv"$/,
    );
    const lines = (await response.text()).split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("id,at_utc,actor,actor_role,action,outcome,service,subject,details,prev_hash,hash");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) expect(line).toContain(",session.sign_in,");

    const bad = await fetch(`${baseUrl}/api/audit/export?outcome=maybe`, { headers: { cookie } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_parameter", parameter: "outcome" });
  });

  test("evidence bundle: one JSON download for a reload, 404 for an unknown key", async () => {
    const cookie = await signInWithPassword(baseUrl, "viewer", password);
    const list = await fetch(`${baseUrl}/api/v1/reloads?limit=1`, {
      headers: { authorization: `Bearer ${inject("ingestToken")}` },
    });
    const { items } = (await list.json()) as { items: { key: string; reloadId: string }[] };
    expect(items.length).toBe(1);
    const response = await fetch(`${baseUrl}/api/reloads/${items[0]!.key}/evidence`, { headers: { cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="reloadscope-evidence_.+\.json"$/,
    );
    const bundle = (await response.json()) as {
      format: string;
      reload: { key: string };
      generatedBy: { username: string };
      audit: { chain: { intact: boolean } };
    };
    expect(bundle).toMatchObject({
      format: "reloadscope.evidence/1",
      reload: { key: items[0]!.key },
      generatedBy: { username: "viewer" },
      audit: { chain: { intact: true } },
    });
    expect((await fetch(`${baseUrl}/api/reloads/999999999/evidence`, { headers: { cookie } })).status).toBe(404);
  });
});
