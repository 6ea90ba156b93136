// The on-call path: a reload NACKs (sent to the running server's ingest endpoint), the
// server's own evaluation schedule opens an alert, the operator sees it appear on /alerts
// (the page refreshes itself), acknowledges it, and finds it under Acknowledged. A viewer
// sees the same alert with no buttons. Waits are for conditions, never fixed times.
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { launchBrowser, signedInContext, watchedPage } from "../support/browser";

let browser: Browser;
let operator: BrowserContext;
let viewer: BrowserContext;
const baseUrl = inject("baseUrl");
const password = inject("demoPassword");
const token = inject("ingestToken");

const reloadId = `rl-e2e-alerts-${process.pid}`;

/** A reload of one service in which two of three instances NACK, through POST /api/v1/events. */
async function sendNackingReload(): Promise<void> {
  const start = Date.now() - 60_000;
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  const base = {
    // A demo service (a new one would change the fleet the other browser tests count), and a
    // resource of its own, so no other test's cell changes.
    environment: "staging",
    namespace: "assistant",
    service: "chat-service",
    reloadId,
    kind: "config",
    resource: "limits.yaml",
    fromVersion: "l-1",
    toVersion: "l-2",
    initiator: "pipeline:e2e",
  };
  const instances = ["chat-service-stg-e2e-0", "chat-service-stg-e2e-1", "chat-service-stg-e2e-2"];
  const events = [
    { ...base, id: `${reloadId}-req`, phase: "requested", instance: null, occurredAt: at(0) },
    { ...base, id: `${reloadId}-disp`, phase: "dispatched", instance: null, targets: instances, occurredAt: at(1) },
    ...instances.map((instance, i) =>
      i === 0
        ? { ...base, id: `${reloadId}-${i}`, instance, phase: "acked", occurredAt: at(5) }
        : {
            ...base,
            id: `${reloadId}-${i}`,
            instance,
            phase: "nacked",
            error: `limit ${100 + i} exceeds max 64`,
            occurredAt: at(5 + i),
          },
    ),
  ];
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(((await response.json()) as { accepted: number }).accepted).toBe(events.length);
}

beforeAll(async () => {
  browser = await launchBrowser();
  operator = await signedInContext(browser, baseUrl, "operator", password, {
    viewport: { width: 1400, height: 1000 },
    timezoneId: "Pacific/Kiritimati",
  });
  viewer = await signedInContext(browser, baseUrl, "viewer", password, { viewport: { width: 1400, height: 1000 } });
  await sendNackingReload();
});

afterAll(async () => {
  await browser?.close();
});

describe("alerts", () => {
  test("an operator sees the NACK alert appear, acknowledges it, and finds it under Acknowledged", async () => {
    const { page, problems } = await watchedPage(operator);
    expect((await page.goto(`${baseUrl}/alerts`))?.status()).toBe(200);
    // The server's schedule evaluates after ingest; the page polls and re-renders by itself.
    const row = page.locator("li[data-alert-rule='reload_failures']", { hasText: reloadId });
    await row.waitFor({ timeout: 60_000 });
    const alertId = await row.getAttribute("data-alert-row");
    expect(alertId).toMatch(/^\d+$/);
    // The grouped error: the first instance's real message with the count, not the <n> pattern.
    expect(await row.locator("ul li").first().textContent()).toContain(
      "2 instances: limit 101 exceeds max 64 (and similar)",
    );
    expect(await row.textContent()).not.toContain("<n>");
    expect(await row.locator("a[data-explain-link]").getAttribute("href")).toMatch(/^\/reloads\/\d+$/);
    // The header counts it among the firing ones.
    expect(Number(await page.locator("[data-firing-count]").getAttribute("data-firing-count"))).toBeGreaterThan(0);

    await row.locator(`button[data-acknowledge='${alertId}']`).click();
    // It leaves the firing tab…
    await page.locator(`li[data-alert-row='${alertId}']`).waitFor({ state: "detached", timeout: 30_000 });

    // …and is under Acknowledged, saying by whom.
    await page.locator("a[data-alert-tab='acknowledged']").click();
    await page.waitForURL((url) => url.searchParams.get("tab") === "acknowledged");
    const acknowledged = page.locator(`li[data-alert-row='${alertId}']`);
    await acknowledged.waitFor({ timeout: 30_000 });
    expect(await acknowledged.textContent()).toMatch(/acknowledged (just now|\d+m ago) by operator/);
    expect(await acknowledged.locator(`button[data-acknowledge='${alertId}']`).count()).toBe(0);

    // Its own page says so too.
    await acknowledged.locator(`a[data-alert-link='${alertId}']`).click();
    await page.waitForURL(`${baseUrl}/alerts/${alertId}`);
    expect(await page.locator("[data-alert-state]").first().textContent()).toBe("acknowledged");
    expect(problems).toEqual([]);
  });

  test("a viewer sees the alerts with no Acknowledge or Silence button; an unknown alert is a 404", async () => {
    const { page, problems } = await watchedPage(viewer);
    expect((await page.goto(`${baseUrl}/alerts?tab=acknowledged`))?.status()).toBe(200);
    await page.locator("li[data-alert-row]", { hasText: reloadId }).waitFor({ timeout: 30_000 });
    expect(await page.locator("button[data-acknowledge], button[data-silence]").count()).toBe(0);
    expect((await page.goto(`${baseUrl}/alerts/999999999`))?.status()).toBe(404);
    expect(problems.filter((p) => !p.includes("404"))).toEqual([]);
  });
});
