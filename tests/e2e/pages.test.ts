// Pages as a browser sees them: no console error or page error (a hydration mismatch is one) on the
// fleet and a service page, even in a browser whose locale and time zone differ from the server's;
// real status codes for unknown services and malformed paths; "the fleet changed" decided on server
// times; an icon.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { signInWithPassword } from "../support/auth-client";
import { addSessionCookies, launchBrowser, watchedPage } from "../support/browser";

let browser: Browser;
let context: BrowserContext;
/** a viewer's session, for the page requests made with fetch */
let cookie: string;
const baseUrl = inject("baseUrl");

beforeAll(async () => {
  browser = await launchBrowser();
  cookie = await signInWithPassword(baseUrl, "viewer", inject("demoPassword"));
  // Far from the server's locale and zone (the server renders in en / UTC): anything the
  // browser formats for itself while hydrating would differ from the server's HTML.
  context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: "de-DE",
    timezoneId: "Pacific/Kiritimati",
  });
  await addSessionCookies(context, baseUrl, cookie);
});

afterAll(async () => {
  await browser?.close();
});

/** The live-refresh poll runs only after hydration, so its first answer means the page hydrated. */
function firstStatusPoll(page: Page) {
  return page.waitForResponse((r) => r.url().endsWith("/api/fleet/status"), { timeout: 30_000 });
}

async function post(events: Record<string, unknown>[]) {
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${inject("ingestToken")}`, "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  expect(response.status).toBe(200);
  expect((await response.json()).rejected ?? []).toEqual([]);
}

describe("no console errors, no hydration mismatch", () => {
  test("on /fleet", async () => {
    const { page, problems } = await watchedPage(context);
    const polled = firstStatusPoll(page);
    const response = await page.goto(`${baseUrl}/fleet`);
    expect(response?.status()).toBe(200);
    await page.locator("table.matrix").waitFor();
    expect((await polled).status()).toBe(200);
    await page.waitForLoadState("networkidle");
    // the server formatted the time shown, in UTC
    expect(await page.locator("text=/as of \\d\\d:\\d\\d:\\d\\d UTC/").count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  test("on a service page reached from the matrix, and loaded directly", async () => {
    const { page, problems } = await watchedPage(context);
    await page.goto(`${baseUrl}/fleet?env=prod&ns=identity`);
    await page.click('tr[data-service="auth-gateway"] a');
    await page.waitForURL(/\/services\/\d+$/);
    await expect.poll(() => page.locator("h1").textContent()).toBe("auth-gateway");
    await page.locator("[data-instance]").first().waitFor();

    const direct = await page.goto(page.url());
    expect(direct?.status()).toBe(200);
    await page.locator("[data-instance]").first().waitFor();
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });

  test("on /fleet?q=%00: an ordinary empty result, not an error view", async () => {
    const { page, problems } = await watchedPage(context);
    const response = await page.goto(`${baseUrl}/fleet?q=%00`);
    expect(response?.status()).toBe(200);
    await page.locator("table.matrix").waitFor();
    expect(await page.locator("text=This view could not be loaded").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe("status codes", () => {
  test.each([
    ["/services/999999", 404],
    ["/services/0", 404],
    ["/services/not-a-number", 404],
    ["/services/%", 400],
    ["/services/%E0%A4%A", 400],
    ["/no-such-page", 404],
  ])("GET %s answers %i", async (path, status) => {
    const response = await fetch(`${baseUrl}${path}`, { redirect: "manual", headers: { cookie } });
    expect(response.status).toBe(status);
  });

  test("an unknown service shows its not-found page in the browser, with a 404", async () => {
    const { page } = await watchedPage(context);
    const response = await page.goto(`${baseUrl}/services/999999`);
    expect(response?.status()).toBe(404);
    // The heading and its link as rendered: body text would also match the streamed RSC
    // payload's <script> before React has put the page into the DOM.
    await expect.poll(() => page.locator("h2", { hasText: /No such service|Page not found/ }).count()).toBe(1);
    await expect.poll(() => page.locator('a[href="/fleet"]').count()).toBeGreaterThan(0);
    await page.close();
  });

  test("a known service is 200", async () => {
    const fleet = await (await fetch(`${baseUrl}/fleet`, { headers: { cookie } })).text();
    const href = /href="(\/services\/\d+)"/.exec(fleet)?.[1];
    expect(href).toBeDefined();
    expect((await fetch(`${baseUrl}${href}`, { headers: { cookie } })).status).toBe(200);
  });

  test("the icon is served", async () => {
    const ico = await fetch(`${baseUrl}/favicon.ico`);
    expect(ico.status).toBe(200);
    const bytes = new Uint8Array(await ico.arrayBuffer());
    // ICONDIR: reserved 0, type 1 (icon)
    expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]);
    const svg = await fetch(`${baseUrl}/icon.svg`);
    expect(svg.status).toBe(200);
    expect(await svg.text()).toContain("<svg");
    const html = await (await fetch(`${baseUrl}/fleet`, { headers: { cookie } })).text();
    expect(html).toMatch(/<link[^>]*rel="icon"[^>]*href="\/icon\.svg"/);
  });
});

describe("the fleet refreshes itself on a change, comparing server times", () => {
  test("a change reported with a time ahead of the server's clock is not news on a fresh load, and the next change re-renders the page", async () => {
    // An instance of staging search-api reports a version two minutes ahead of the server's
    // clock (a skewed reporter, within the five minutes ingest allows).
    const { page, problems } = await watchedPage(context);
    await page.goto(`${baseUrl}/fleet?env=staging&ns=search`);
    await page.click('tr[data-service="search-api"] a');
    await page.waitForURL(/\/services\/\d+$/);
    const instance = await page.locator("[data-instance]").first().getAttribute("data-instance");
    expect(instance).toBeTruthy();
    const report = (version: string, aheadMs: number) => ({
      id: `e2e-clock-${version}`,
      environment: "staging",
      namespace: "search",
      service: "search-api",
      instance,
      kind: "flags",
      resource: "e2e-clock.json",
      phase: "heartbeat",
      toVersion: version,
      occurredAt: new Date(Date.now() + aheadMs).toISOString(),
    });
    await post([report("clock-1", 2 * 60_000)]);

    // Rendered after that change: the page knows it, so the poll has nothing newer. (The
    // server's clock is two minutes behind that change: a comparison with "now" said changed.)
    await page.goto(`${baseUrl}/fleet`);
    const badge = page.locator("[data-live-refresh]");
    const rendered = await badge.getAttribute("data-rendered-change");
    expect(Date.parse(rendered!)).toBeGreaterThan(Date.now());
    // wait until the first poll's answer is rendered, then look
    await expect.poll(() => badge.getAttribute("data-polled-change"), { timeout: 30_000 }).toBe(rendered);
    expect(await page.locator("text=updating…").count()).toBe(0);

    // A later change: the next poll (every 10 s) reports it, and the page re-renders itself
    // (/fleet once never refreshed without a click) with the new version in its cell.
    await post([report("clock-2", 3 * 60_000)]);
    await expect.poll(() => badge.getAttribute("data-rendered-change"), { timeout: 40_000 }).not.toBe(rendered);
    await expect
      .poll(() => page.locator('tr[data-service="search-api"] [data-version="clock-2"]').count(), { timeout: 10_000 })
      .toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});
