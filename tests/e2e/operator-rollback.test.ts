// The operator's rollback in Chromium against the built app (DESIGN.md "Roles"): from the service
// page's history, "Roll back to this" on an earlier reload opens the rollback form at that
// version with its pre-flight; a reason and the submit button make the request (3 steps).
// Afterwards the form starts over, its confirmation links the request, and the header marks
// the resource as pending approval; the link lands on the request with the change v1 → v0.
// The service is made for this run through ingest, so no other test counts its reloads.
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { launchBrowser, signedInContext, watchedPage } from "../support/browser";
import { ackedReload as ackedReloadOf, ingestInto } from "../support/e2e-events";

let browser: Browser;
let operator: BrowserContext;
const baseUrl = inject("baseUrl");
const token = inject("ingestToken");
const RUN = Date.now().toString(36);
const NAME = `rollback-${RUN}`;
const PODS = [1, 2, 3].map((i) => `${NAME}-pod-${i}`);
let counter = 0;

beforeAll(async () => {
  browser = await launchBrowser();
  operator = await signedInContext(browser, baseUrl, "operator", inject("demoPassword"), {
    viewport: { width: 1440, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
});

/** A reload of every pod to `to`, acked by all, `minutesAgo` minutes ago. */
const ackedReload = (reloadId: string, from: string, to: string, minutesAgo: number) =>
  ackedReloadOf({
    service: { environment: "e2e", namespace: "operator", service: NAME },
    pods: PODS,
    reloadId,
    from,
    to,
    minutesAgo,
    id: () => `e2e-rb-${RUN}-${++counter}`,
  });

async function makeService(): Promise<number> {
  await ingestInto(baseUrl, token, [
    ...ackedReload(`rl-${NAME}-v0`, "vnone", "v0", 20),
    ...ackedReload(`rl-${NAME}-v1`, "v0", "v1", 10),
  ]);
  const list = await fetch(`${baseUrl}/api/v1/reloads?reloadId=rl-${NAME}-v1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { items } = (await list.json()) as { items: { key: string }[] };
  const page = await operator.newPage();
  await page.goto(`${baseUrl}/reloads/${items[0]!.key}`);
  const id = Number(
    /\/services\/(\d+)/.exec((await page.locator('a[href^="/services/"]').first().getAttribute("href")) ?? "")?.[1],
  );
  await page.close();
  expect(id).toBeGreaterThan(0);
  return id;
}

describe("the operator's rollback", () => {
  test("from a history row: roll back to this, a reason, submit; then the request's link, the form cleared, the resource pending", async () => {
    const serviceId = await makeService();
    const { page, problems } = await watchedPage(operator);
    expect((await page.goto(`${baseUrl}/services/${serviceId}`))?.status()).toBe(200);
    // Both actions are in the header, above the charts.
    expect(await page.locator('[data-request-actions] a[data-open-request="reload"]').count()).toBe(1);
    expect(await page.locator('[data-request-actions] a[data-open-request="rollback"]').count()).toBe(1);
    // The desired version's own row offers nothing to roll back to; the earlier one does.
    expect(await page.locator(`tr[data-reload="rl-${NAME}-v1"] [data-rollback-to]`).count()).toBe(0);

    let steps = 0;
    await Promise.all([
      page.waitForURL(/request=rollback/),
      page.locator(`tr[data-reload="rl-${NAME}-v0"] a[data-rollback-to="v0"]`).click(),
    ]);
    steps++;
    const url = new URL(page.url());
    expect(url.searchParams.get("to")).toBe("v0");
    expect(url.searchParams.get("rollback")).toBe("config/routes.yaml");
    const form = page.locator('form[data-request-form="rollback"]');
    await form.waitFor();
    expect(await page.locator("details#request-rollback").getAttribute("open")).not.toBeNull();
    expect(await form.locator('input[name="toVersion"]').inputValue()).toBe("v0");
    expect(await form.locator('[data-preflight="v0"]').count()).toBe(1);

    await form.locator('textarea[name="reason"]').fill("e2e: back to v0");
    steps++;
    await form.getByRole("button", { name: "Request rollback", exact: true }).click();
    steps++;
    const made = form.locator("[data-request-made]");
    await made.waitFor({ timeout: 30_000 });
    expect(steps).toBe(3);
    const requestId = (await made.getAttribute("data-request-made"))!;
    expect(await made.innerText()).toBe(`Request #${requestId} waits for 1 approval.`);
    // The confirmation is at the top of the form, and the form starts over.
    expect(
      await form.evaluate(
        (f) =>
          f.querySelector("[data-request-made]")!.compareDocumentPosition(f.querySelector('textarea[name="reason"]')!) &
          Node.DOCUMENT_POSITION_FOLLOWING,
      ),
    ).toBeTruthy();
    expect(await form.locator('textarea[name="reason"]').inputValue()).toBe("");
    const pendingMark = page.locator('[data-request-actions] [data-pending-request="config/routes.yaml"]');
    await pendingMark.waitFor();
    expect(await pendingMark.innerText()).toContain(`request #${requestId} pending approval`);

    await Promise.all([
      page.waitForURL(`${baseUrl}/approvals/${requestId}`),
      made.getByRole("link", { name: `Request #${requestId}` }).click(),
    ]);
    const detail = page.locator(`[data-request-detail="${requestId}"]`);
    await detail.waitFor();
    expect(await detail.locator("[data-change]").innerText()).toBe("v1 → v0");
    expect(await detail.innerText()).toContain(`Rollback of config/routes.yaml`);
    // v0 ran on every pod before: no warning for the approver.
    expect(await detail.locator("[data-change-warning]").count()).toBe(0);
    expect(await detail.locator('[data-preflight-row][data-ever-acked="true"]').count()).toBe(3);
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });
});
