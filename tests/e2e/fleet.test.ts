import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { DEMO_SERVICES } from "@/lib/demo/demo-fleet";
import { launchBrowser, signedInContext } from "../support/browser";

let browser: Browser;
let context: BrowserContext;
let page: Page;
const baseUrl = inject("baseUrl");

beforeAll(async () => {
  browser = await launchBrowser();
  context = await signedInContext(browser, baseUrl, "viewer", inject("demoPassword"), {
    viewport: { width: 1280, height: 900 },
  });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
});

const serviceRows = (p: Page) => p.locator("table.matrix tbody tr[data-service]");

describe("fleet version matrix", () => {
  test("shows the demo fleet grouped by environment and namespace", async () => {
    await page.goto(`${baseUrl}/fleet`);
    await page.locator("table.matrix").waitFor();
    // The demo fleet's services, each once, in its own groups: other browser tests add
    // services of their own (environment or namespace "e2e"), and the demo's recorded
    // Prometheus source reports services of its own (alertmanager, coredns…).
    const rows = await page.locator("table.matrix tbody tr").evaluateAll((trs) => {
      let group = "";
      const seen: { group: string; service: string }[] = [];
      for (const row of trs) {
        if (row.classList.contains("group")) group = row.textContent ?? "";
        else if (row.hasAttribute("data-service")) seen.push({ group, service: row.getAttribute("data-service")! });
      }
      return seen;
    });
    for (const demo of DEMO_SERVICES) {
      const found = rows.filter(
        (r) => r.service === demo.name && r.group.startsWith(`${demo.environment} / ${demo.namespace}`),
      );
      expect(found, `${demo.environment}/${demo.namespace}/${demo.name}`).toHaveLength(1);
    }
    expect(DEMO_SERVICES).toHaveLength(12);
    const groups = await page.locator("table.matrix tr.group").allTextContents();
    expect(groups).toContain("prod / payments");
    expect(groups).toContain("staging / edge");
    // The NACKed routes reload on prod ingress is marked in its cell.
    const ingress = page.locator('tr[data-service="ingress"]').first();
    await expect.poll(() => ingress.locator(".badge.bad").first().textContent()).toContain("NACK");
  });

  test("a filter narrows the matrix and lives in the URL", async () => {
    await page.goto(`${baseUrl}/fleet`);
    await page.selectOption('select[name="env"]', "staging");
    await page.waitForURL(/env=staging/);
    await expect.poll(() => serviceRows(page).count()).toBe(4);
    const groups = await page.locator("table.matrix tr.group").allTextContents();
    expect(groups.every((g) => g.startsWith("staging"))).toBe(true);

    // The same URL reproduces the view in a fresh page.
    const again = await context.newPage();
    await again.goto(page.url());
    expect(await serviceRows(again).count()).toBe(4);
    await again.close();
  });

  test("drifting only shows the drifting services", async () => {
    await page.goto(`${baseUrl}/fleet?env=prod`);
    await page.check('input[name="drifting"]');
    await page.waitForURL(/drifting=1/);
    await expect.poll(async () => (await serviceRows(page).allTextContents()).length).toBeGreaterThan(0);
    const names = await serviceRows(page).evaluateAll((rows) => rows.map((r) => r.getAttribute("data-service")));
    expect(names).toContain("indexer");
    expect(names).not.toContain("ledger");
    expect(await page.locator("tr.drifting").count()).toBe(names.length);
  });

  test("a service page shows every instance × resource and the reload history", async () => {
    await page.goto(`${baseUrl}/fleet?env=prod&ns=identity`);
    await page.click('tr[data-service="auth-gateway"] a');
    await page.waitForURL(/\/services\/\d+/);
    await expect.poll(() => page.locator("h1").textContent()).toBe("auth-gateway");
    expect(await page.locator("[data-instance]").count()).toBe(6);
    const failed = page.locator("tr[data-reload]", { hasText: "failed" });
    expect(await failed.count()).toBeGreaterThan(0);
    expect(await failed.first().textContent()).toContain("policy compile error");
    expect(await page.locator("section[aria-label='Reloads per day'] svg").count()).toBeGreaterThan(0);
  });

  test("an event sent to the ingest endpoint shows up in the matrix on reload", async () => {
    const response = await fetch(`${baseUrl}/api/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${inject("ingestToken")}`, "content-type": "application/json" },
      body: JSON.stringify({
        id: "e2e-heartbeat-1",
        environment: "prod",
        namespace: "e2e",
        service: "browser-test-svc",
        instance: "bts-1",
        kind: "config",
        resource: "e2e.yaml",
        phase: "heartbeat",
        toVersion: "e2e-v1",
        occurredAt: new Date().toISOString(),
      }),
    });
    expect(response.status).toBe(200);
    await page.goto(`${baseUrl}/fleet?ns=e2e`);
    const row = page.locator('tr[data-service="browser-test-svc"]');
    await row.waitFor();
    expect(await row.textContent()).toContain("e2e-v1");
  });

  test("an unknown service id answers 404 with a not-found page", async () => {
    for (const id of ["999999", "not-a-number"]) {
      const response = await page.goto(`${baseUrl}/services/${id}`);
      expect(response?.status()).toBe(404);
      await expect.poll(() => page.textContent("body")).toMatch(/No such service|Page not found/);
    }
  });
});
