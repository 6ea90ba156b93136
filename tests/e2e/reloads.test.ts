// The incident responder's path through the demo fleet: the reloads list, filtered through
// its form (the filter lands in the URL), a failed reload's timeline with its diagnosis, an
// event (and a span, when the demo sent traces) clicked open, alike lanes unfolded; the
// matrix and the service page link to reloads. No console or page error anywhere, in a
// browser whose locale and zone differ from the server's.
import { describe, expect, inject, test } from "vitest";
import { sendDemoTraces } from "@/lib/demo/demo-traces";
import { watchedPage } from "../support/browser";
import { FOREIGN_CLOCK, useViewer } from "../support/viewer";

const baseUrl = inject("baseUrl");
const viewer = useViewer({ viewport: { width: 1400, height: 1000 }, ...FOREIGN_CLOCK });

describe("reloads", () => {
  test("list → filter → a failed reload's timeline → an event's details", async () => {
    const { page, problems } = await watchedPage(viewer.context);
    // prod only: other browser tests end reloads in failure elsewhere (requests.test.ts's
    // services in "e2e" have no reload target), and the newest failed one must be the demo's.
    const response = await page.goto(`${baseUrl}/reloads?environment=prod`);
    expect(response?.status()).toBe(200);
    const rows = page.locator("tr[data-reload]");
    await rows.first().waitFor();
    const all = await rows.count();
    expect(all).toBeGreaterThan(5);

    // Filter through the form: the status lands in the URL and only failed reloads remain.
    await page.selectOption('select[name="status"]', "failed");
    await Promise.all([
      page.waitForURL(/status=failed/),
      page.click('form[aria-label="Filter reloads"] button[type="submit"]'),
    ]);
    await rows.first().waitFor();
    const statuses = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")));
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.length).toBeLessThan(all);
    expect(new Set(statuses)).toEqual(new Set(["failed"]));

    // The auth-gateway policy that compiles nowhere.
    await Promise.all([
      page.waitForURL(/\/reloads\/\d+/),
      rows.filter({ hasText: "auth-gateway" }).first().locator("a").first().click(),
    ]);
    await page.locator("[data-waterfall]").waitFor();
    await expect.poll(() => page.locator("[data-diagnosis]").count()).toBe(1);
    expect(await page.locator("[data-diagnosis]").textContent()).toContain("policy compile error");
    // the control plane's lane is on top
    expect(await page.locator('[data-row="lane"] [data-lane]').first().getAttribute("data-lane")).toBe("control plane");

    const failed = page.locator('button[data-phase="failed"]').first();
    await failed.click();
    const details = page.locator('[data-details="event"]');
    await details.waitFor();
    expect(await details.textContent()).toContain("rego_type_error");
    expect(await details.textContent()).toContain("occurredAt");

    // Alike lanes unfold.
    const before = await page.locator('[data-row="lane"]').count();
    const group = page.locator("[data-group] button").first();
    if ((await group.count()) > 0) {
      await group.click();
      await expect.poll(() => page.locator('[data-row="lane"]').count()).toBeGreaterThan(before);
    }

    // Zoom in and back out without losing the rows.
    await page.click('button[aria-label="Zoom in"]');
    await page.click("text=Whole reload");
    expect(await page.locator("[data-row]").count()).toBeGreaterThan(1);

    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });

  test("a reload told through OTLP spans (the SDK exporter): its timeline shows them, and a span opens its details", async () => {
    // The embedded demo's trace sender, pointed at the app under test with its token.
    await sendDemoTraces(baseUrl, inject("ingestToken"));
    const { page, problems } = await watchedPage(viewer.context);
    // The demo traces' reload is prod's (alerts.test.ts ends a staging chat-service reload partially failed too).
    await page.goto(`${baseUrl}/reloads?service=chat-service&environment=prod`);
    const row = page.locator('tr[data-reload][data-status="partially_failed"]').first();
    await row.waitFor();
    await Promise.all([page.waitForURL(/\/reloads\/\d+/), row.locator("a").first().click()]);
    await page.locator("[data-waterfall]").waitFor();
    const spans = page.locator("button[data-span]");
    await spans.first().waitFor();
    expect(await spans.count()).toBeGreaterThan(1);
    await spans.first().click();
    const details = page.locator('[data-details="span"]');
    await details.waitFor();
    expect(await details.textContent()).toContain("reload.");
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });

  test("a bad filter is explained, an unknown reload is a 404", async () => {
    const { page } = await watchedPage(viewer.context);
    const bad = await page.goto(`${baseUrl}/reloads?status=nope`);
    expect(bad?.status()).toBe(200);
    expect(await page.locator('[data-filter-error="status"]').textContent()).toContain("is not a status");
    const missing = await page.goto(`${baseUrl}/reloads/987654321`);
    expect(missing?.status()).toBe(404);
    const malformed = await page.goto(`${baseUrl}/reloads/not-a-key`);
    expect(malformed?.status()).toBe(404);
    await page.close();
  });

  test("matrix cells and the service page link to reloads", async () => {
    const { page, problems } = await watchedPage(viewer.context);
    await page.goto(`${baseUrl}/fleet?env=prod&ns=edge`);
    const cellLink = page.locator("a[data-cell-reload]").first();
    await cellLink.waitFor();
    await Promise.all([page.waitForURL(/\/reloads\/\d+$/), cellLink.click()]);
    await page.locator("[data-waterfall]").waitFor();
    // the ingress routes reload with one NACK
    await page.locator('.crumbs a[href^="/services/"]').first().click();
    await page.waitForURL(/\/services\/\d+$/);
    const strip = page.locator("[data-recent-reloads] a[data-reload-key]");
    await strip.first().waitFor();
    await Promise.all([page.waitForURL(/\/reloads\/\d+$/), strip.first().click()]);
    await page.locator("[data-waterfall]").waitFor();
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });
});
