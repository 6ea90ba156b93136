// The incident responder's job (DESIGN.md): what failed, where, why, and the
// fleet just before — from the reloads list to the failing instance's error and the replay
// just before the reload, counting the clicks it takes and asserting where each one lands.
// Also: the replay's reload picker lands on that reload's window, the instant box follows the
// slider, and a waterfall link with ?event= reopens the same details.
import type { Page } from "playwright-core";
import { describe, expect, inject, test } from "vitest";
import { watchedPage } from "../support/browser";
import { FOREIGN_CLOCK, useViewer } from "../support/viewer";

const baseUrl = inject("baseUrl");
const viewer = useViewer({ viewport: { width: 1440, height: 900 }, ...FOREIGN_CLOCK });

/** Clicks, counted: the job's length is part of what is asserted. */
function clicker(page: Page) {
  let clicks = 0;
  return {
    get count() {
      return clicks;
    },
    async click(selector: string, waitForUrl?: RegExp) {
      clicks++;
      if (waitForUrl) await Promise.all([page.waitForURL(waitForUrl), page.locator(selector).first().click()]);
      else await page.locator(selector).first().click();
    },
  };
}

describe("the responder: what failed, where, why, and the fleet just before", () => {
  test("reloads list → the failed reload (what, where, why) → the failing event beside its row → the replay just before: 3 clicks", async () => {
    const { page, problems } = await watchedPage(viewer.context);
    // The auth-gateway's failed policy reload (the demo's recorded Prometheus source has failed reloads of its own).
    await page.goto(`${baseUrl}/reloads?environment=prod&status=failed&q=auth-gateway`);
    const row = page.locator("tr[data-reload]").first();
    await row.waitFor();
    const user = clicker(page);

    // 1. The newest failed reload of that service.
    await user.click("tr[data-reload] a", /\/reloads\/\d+$/);
    const reloadUrl = new URL(page.url());
    const reloadKey = reloadUrl.pathname.split("/").pop()!;
    await page.locator("[data-waterfall]").waitFor();
    // What failed: the status and the error, in the domain's words (never "done N of N").
    expect(await page.locator('[data-stat="done"]').textContent()).toMatch(/\d+ of \d+ finished/);
    const diagnosis = page.locator("[data-diagnosis]");
    await diagnosis.waitFor();
    // Where: the stage it stopped at, and the instance. Why: the error as reported, and checks for its class.
    const stopped = diagnosis.locator("[data-stop-reason]").first();
    expect(await stopped.textContent()).toMatch(/stopped (at|after|on)|never received|went silent/);
    expect(await diagnosis.locator("[data-cause]").first().textContent()).toContain("policy compile error");
    expect(await diagnosis.locator("td ul li").count()).toBeGreaterThan(0);

    // 2. The failing instance's failure on the waterfall: its details open beside the row.
    const failed = page.locator('button[data-phase="failed"], button[data-phase="nacked"]').first();
    await failed.scrollIntoViewIfNeeded();
    await user.click('button[data-phase="failed"], button[data-phase="nacked"]');
    const details = page.locator('[data-details="event"]');
    await details.waitFor();
    expect(await details.textContent()).toContain("rego_type_error");
    const mark = (await failed.boundingBox())!;
    const box = (await details.boundingBox())!;
    expect(box.x).toBeGreaterThan(mark.x);
    expect(Math.abs(box.y - mark.y)).toBeLessThan(120);
    // Attributes are a key/value table, not raw JSON.
    expect(await details.locator("pre").count()).toBe(0);
    expect(page.url()).toMatch(/[?&]event=/);
    // The link with the selection reopens the same details; Esc closes them.
    const linked = await viewer.context.newPage();
    await linked.goto(page.url());
    await linked.locator('[data-details="event"]').waitFor();
    expect(await linked.locator('[data-details="event"]').textContent()).toContain("rego_type_error");
    // (once the page is interactive: the server-rendered details are there before hydration)
    await linked.waitForLoadState("networkidle");
    await linked.keyboard.press("Escape");
    await expect.poll(() => linked.locator("[data-details]").count()).toBe(0);
    expect(linked.url()).not.toMatch(/[?&]event=/);
    await linked.close();

    // 3. The fleet just before the reload.
    await user.click("a[data-replay-link]", /\/replay\?reload=\d+$/);
    expect(new URL(page.url()).searchParams.get("reload")).toBe(reloadKey);
    const instant = page.locator("[data-replay-instant]");
    await instant.waitFor();
    const events = page.locator("[data-event-index]");
    await events.first().waitFor();
    // It opens before the reload's first listed event, and the events are the reload's.
    const at = Date.parse((await instant.getAttribute("data-replay-instant"))!);
    const header = (await page.locator(".page-head .muted").textContent()) ?? "";
    expect(header).toMatch(/reload .+ on /);
    // Nothing of the fleet has moved yet at that instant: at most the control plane's request or dispatch is behind it.
    const current = page.locator('[aria-current="step"]');
    if ((await current.count()) > 0) {
      const shownIndex = Number(await current.getAttribute("data-event-index"));
      const behind = await events.evaluateAll(
        (els, last) => els.slice(0, last + 1).map((el) => el.querySelector("b")?.textContent ?? ""),
        shownIndex,
      );
      for (const phase of behind) expect(["requested", "approved", "dispatched"]).toContain(phase);
    }
    expect(Number.isFinite(at)).toBe(true);

    expect(user.count).toBe(3);
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });

  test("the replay's reload picker lands on that reload's window; the instant box follows the slider and the URL", async () => {
    const { page, problems } = await watchedPage(viewer.context);
    // An instant half an hour ago first: the picker must not keep it.
    await page.goto(`${baseUrl}/replay`);
    const select = page.locator('form[aria-label="Replay a reload"] select[name="reload"]');
    await select.waitFor();
    const key = await select.locator("option:not([disabled])").first().getAttribute("value");
    await select.selectOption(key!);
    await Promise.all([
      page.waitForURL(new RegExp(`/replay\\?reload=${key}$`)),
      page.click('form[aria-label="Replay a reload"] button[type="submit"]'),
    ]);
    expect(await page.locator(".page-head .muted").textContent()).toMatch(/reload .+ on /);
    expect(await page.locator("[data-event-index]").count()).toBeGreaterThan(0);
    // The select fits the page.
    const width = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(width).toBeLessThanOrEqual(0);

    // The slider moves the instant: the box and the URL follow.
    await page.getByRole("slider", { name: "Instant" }).focus();
    await page.keyboard.press("End");
    await page.waitForURL(/[?&]at=/);
    const shown = await page.locator("[data-replay-instant]").getAttribute("data-replay-instant");
    expect(await page.locator("[data-instant-box]").inputValue()).toBe(shown);
    expect(new URL(page.url()).searchParams.get("at")).toBe(shown);
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });

  test("a matrix cell links to the replay of its reload", async () => {
    const { page, problems } = await watchedPage(viewer.context);
    await page.goto(`${baseUrl}/fleet?env=prod`);
    const link = page.locator("a[data-cell-replay]").first();
    await link.waitFor();
    const key = await link.getAttribute("data-cell-replay");
    await Promise.all([page.waitForURL(new RegExp(`/replay\\?reload=${key}$`)), link.click()]);
    await page.locator("[data-replay-instant]").waitFor();
    expect(await page.locator(".page-head .muted").textContent()).toMatch(/reload .+ on /);
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });
});
