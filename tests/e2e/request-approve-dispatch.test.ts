// The request → approve → dispatch path (DESIGN.md "Roles", "Dispatch") in Chromium against the
// built app: an operator signs in and requests a canary reload from a demo service's page (from the
// header, in 7 steps; the form starts over and the resource is marked pending); an approver signs
// in (a browser context of their own), finds it in /approvals with from → to, who asked and why,
// the pre-flight and the never-reported warning, approves it with a comment and a confirmation (3
// steps), sees the comment under "Recently decided" and finds the decision in the audit; the worker
// sends the canary to the demo's simulated endpoint, which acks through the ingest path; only then
// is the rest sent, and the reload's timeline reaches `succeeded`. A viewer sees no request button
// on the same page. (A viewer's forged server-action call is refused and audited in
// tests/e2e/requests.test.ts, through the real action.)
//
// The server runs with DEMO_NACK_RATE=0 and CANARY_CHECK_MS=500 (tests/support/e2e-setup.ts).
// Waits are for conditions on the page or the API, never fixed times. The service is staging
// edge/ingress: no other browser test counts or clicks its reloads, and its events change no
// count they assert (the matrix's services, prod's drift, the failed reloads' order).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { launchBrowser, signedInContext, signIn, watchedPage } from "../support/browser";
import { LIVE_SETTLE_MS } from "@/lib/domain/reload-status";

let browser: Browser;
let operator: BrowserContext;
let approver: BrowserContext;
let viewer: BrowserContext;
const baseUrl = inject("baseUrl");
const password = inject("demoPassword");
const token = inject("ingestToken");

// A version nobody reported before, so this run's reload is the only one that moves to it.
const TO_VERSION = `rt-e2e-${Date.now().toString(36)}`;
const REASON = `e2e: routes for the canary test (${TO_VERSION})`;
const COMMENT = "looks right, canary first";

beforeAll(async () => {
  browser = await launchBrowser();
  const options = { viewport: { width: 1400, height: 1000 }, timezoneId: "Pacific/Kiritimati" };
  operator = await browser.newContext(options);
  approver = await browser.newContext(options);
  viewer = await signedInContext(browser, baseUrl, "viewer", password, options);
});

afterAll(async () => {
  await browser?.close();
});

/** Opens staging edge/ingress from the matrix, as a person finds it; returns its page path. */
async function openIngressService(page: Page): Promise<string> {
  expect((await page.goto(`${baseUrl}/fleet?env=staging&ns=edge`))?.status()).toBe(200);
  const row = page.locator('tr[data-service="ingress"]');
  await expect.poll(() => row.count()).toBe(1);
  await Promise.all([page.waitForURL(/\/services\/\d+$/), row.locator("a").first().click()]);
  await expect.poll(() => page.locator("h1").textContent()).toBe("ingress");
  return new URL(page.url()).pathname;
}

/** The text of one row ("occurredAt", …) of the open event's details. */
async function detail(page: Page, name: string): Promise<string> {
  const details = page.locator('[data-details="event"]');
  await details.waitFor();
  return (
    await details
      .locator("tr", { has: page.locator(`th:text-is("${name}")`) })
      .locator("td")
      .innerText()
  ).trim();
}

/**
 * Opens an event mark's details and returns its occurredAt. The marks are a few pixels wide
 * and sit on top of each other when events are milliseconds apart, so the click is
 * dispatched to the mark itself rather than to whatever is drawn at its centre.
 */
async function occurredAt(page: Page, eventId: string): Promise<number> {
  const mark = page.locator(`button[data-event="${eventId}"]`);
  expect(await mark.count(), eventId).toBe(1);
  await mark.dispatchEvent("click");
  await expect.poll(() => detail(page, "event id")).toBe(eventId);
  const text = await detail(page, "occurredAt");
  const ms = Date.parse(text);
  expect(Number.isNaN(ms), `occurredAt of ${eventId}: ${text}`).toBe(false);
  return ms;
}

let servicePath = "";
let requestId = "";
let fromVersion = "";

describe("request → approve → canary dispatch → succeeded, in the browser", () => {
  test("an operator signs in and requests a canary reload of one instance from the service page", async () => {
    const { page, problems } = await watchedPage(operator);
    await signIn(page, baseUrl, "operator", password);
    servicePath = await openIngressService(page);

    // Every click and every field the operator fills is a step; the job is counted from the service page.
    let steps = 0;
    const step = <T>(action: Promise<T>) => {
      steps++;
      return action;
    };
    // The action sits in the page's header, above the charts.
    await Promise.all([
      page.waitForURL(/\?request=reload/),
      step(page.locator('[data-request-actions] a[data-open-request="reload"]').click()),
    ]);
    const form = page.locator('form[data-request-form="reload"]');
    await form.waitFor();
    expect(await page.locator("details#request-reload").getAttribute("open")).not.toBeNull();
    await step(form.getByLabel("Kind and resource").selectOption({ label: "routes · routes.yaml" }));
    const now = form.locator("[data-resource-now]");
    await expect.poll(() => now.innerText()).toMatch(/on 3 live instances/);
    fromVersion = (await now.locator("b.mono").first().innerText()).trim();
    expect(fromVersion).toMatch(/^rt-\d+$/);

    await step(form.locator('input[name="toVersion"]').fill(TO_VERSION));
    await step(form.locator('input[name="scope"][value="count"]').check());
    await step(form.getByLabel("Canary instances").fill("1"));
    await expect
      .poll(() => form.locator("[data-scope-preview]").innerText())
      .toBe("1 instance first (the first by instance id); the other 2 once they have acked.");
    await step(form.locator('textarea[name="reason"]').fill(REASON));
    await step(form.getByRole("button", { name: "Request reload", exact: true }).click());

    const made = form.locator("[data-request-made]");
    await made.waitFor({ timeout: 30_000 });
    requestId = (await made.getAttribute("data-request-made"))!;
    expect(requestId).toMatch(/^\d+$/);
    expect(await made.innerText()).toContain(`Request #${requestId} waits for 1 approval.`);
    expect(await form.locator("[data-field-error]").count()).toBe(0);
    expect(steps).toBe(7);
    // The form starts over, and the page marks the resource as waiting for approval.
    expect(await form.locator('input[name="toVersion"]').inputValue()).toBe("");
    expect(await form.locator('textarea[name="reason"]').inputValue()).toBe("");
    expect(await form.locator('input[name="scope"][value="all"]').isChecked()).toBe(true);
    const pendingMark = page.locator('[data-request-actions] [data-pending-request="routes/routes.yaml"]');
    await pendingMark.waitFor();
    expect(await pendingMark.innerText()).toContain(`request #${requestId} pending approval`);

    // Its own page: waiting for an approval, and the requester cannot decide it.
    await Promise.all([
      page.waitForURL(`${baseUrl}/approvals/${requestId}`),
      made.getByRole("link", { name: `Request #${requestId}` }).click(),
    ]);
    const detailPanel = page.locator(`[data-request-detail="${requestId}"]`);
    await detailPanel.waitFor();
    expect(await detailPanel.locator("[data-request-status]").getAttribute("data-request-status")).toBe(
      "pending_approval",
    );
    expect(await detailPanel.locator("[data-change]").innerText()).toBe(`${fromVersion} → ${TO_VERSION}`);
    expect(await page.locator("[data-cannot-decide]").innerText()).toContain("You asked for this");
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });

  test("an approver signs in, sees the request in the queue with from → to, who and why, and approves it with a comment", async () => {
    expect(requestId, "the operator's request").not.toBe("");
    const { page, problems } = await watchedPage(approver);
    await signIn(page, baseUrl, "approver", password);
    expect((await page.goto(`${baseUrl}/approvals`))?.status()).toBe(200);
    const item = page.locator(`article[data-request="${requestId}"]`);
    await item.waitFor();
    expect(await item.innerText()).toContain("Reload of routes/routes.yaml on staging / edge / ingress");
    expect(await item.locator("[data-change]").innerText()).toBe(`${fromVersion} → ${TO_VERSION}`);
    expect(await item.innerText()).toMatch(
      /3 — canary of 1, then the rest \(canary: ingress-[0-9a-f]{4}-[0-9a-f]{4}\)/,
    );
    expect(await item.innerText()).toContain(`operator: ${REASON}`);
    expect(await item.locator("[data-approvals]").innerText()).toBe("0 of 1");
    // What the operator saw in pre-flight: every instance in scope with its version now, and
    // a warning in words, since this run's version was never reported anywhere.
    expect(await item.locator("[data-change-warning]").getAttribute("data-change-warning")).toBe("never-reported");
    expect(await item.locator("[data-change-warning]").innerText()).toContain(
      `${TO_VERSION} was never reported by any instance of any service`,
    );
    expect(await item.locator("[data-preflight-row]").count()).toBe(3);
    // (folded under its summary line in the queue: read as text)
    expect(
      await item.locator("[data-preflight-row] td:nth-child(2)").evaluateAll((tds) => tds.map((td) => td.textContent)),
    ).toEqual([fromVersion, fromVersion, fromVersion]);
    expect(await item.locator("[data-preflight-fold] summary").innerText()).toBe(
      `Pre-flight: 3 of 3 instances in scope would move to ${TO_VERSION} · 3 of the movers never ran it`,
    );
    expect(await item.locator("[data-policy]").innerText()).toBe(
      "1 approval from approvers or admins, never the requester; one rejection ends it",
    );

    // The request's page shows at least as much, with the change's binding in words.
    const detailPage = await approver.newPage();
    await detailPage.goto(`${baseUrl}/approvals/${requestId}`);
    const detailPanel = detailPage.locator(`[data-request-detail="${requestId}"]`);
    expect(await detailPanel.locator("[data-change-warning]").count()).toBe(1);
    expect(await detailPanel.locator("[data-preflight-row]").count()).toBe(3);
    expect(await detailPanel.locator("[data-drift]").count()).toBe(1);
    expect(await detailPanel.locator("[data-bound-to]").innerText()).toContain(
      "If the fleet moves to another version or those instances change before it is sent, the request is invalidated",
    );
    await detailPage.close();

    // The decision from the queue, counted: the comment, Approve…, then the confirmation.
    let steps = 0;
    await item.getByLabel("Comment").fill(COMMENT);
    steps++;
    await item.locator(`button[data-approve="${requestId}"]`).click();
    steps++;
    const confirm = item.locator('[data-confirm="approve"]');
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain(
      `Approve request #${requestId}: reload routes/routes.yaml on staging / edge / ingress: ${fromVersion} → ${TO_VERSION}, 3 instances would move (3 never ran it)`,
    );
    expect(await confirm.innerText()).toContain(`with the comment “${COMMENT}”`);
    await confirm.locator('button[data-confirm-decision="approve"]').click();
    steps++;
    expect(steps).toBe(3);
    // The queue refreshes after the decision: the request leaves it for the decided ones.
    const decided = page.locator(`tr[data-request-row="${requestId}"]`);
    await decided.waitFor({ timeout: 30_000 });
    await item.waitFor({ state: "detached" });
    expect(await decided.locator("[data-request-status]").getAttribute("data-request-status")).not.toMatch(
      /^(pending_approval|rejected|invalidated|failed)$/,
    );
    expect(await page.locator("[data-action-error]").count()).toBe(0);
    // The comment under "Recently decided".
    expect(await decided.locator("[data-recent-decisions]").innerText()).toBe(`approver approved: “${COMMENT}”`);

    // Its page records the decision, with the comment, bound to the change.
    await page.goto(`${baseUrl}/approvals/${requestId}`);
    const approvals = page.locator(`[data-request-detail="${requestId}"] [data-approvals]`);
    expect(await approvals.getAttribute("data-approvals")).toBe("1");
    expect(await approvals.innerText()).toBe("1 of 1");
    expect(await page.locator(`[data-request-detail="${requestId}"] [data-decisions] li`).innerText()).toMatch(
      new RegExp(`^approver approved .+: “${COMMENT}”$`),
    );

    // Found again in the audit: the action picked from the list, the comment as text. Two steps from /audit.
    await page.goto(`${baseUrl}/audit`);
    const auditForm = page.locator('form[aria-label="Filter audit entries"]');
    await auditForm.locator('select[name="action"]').selectOption("request.approve");
    await Promise.all([page.waitForURL(/action=request\.approve/), auditForm.locator('button[type="submit"]').click()]);
    const entry = page
      .locator("tr[data-entry]", { hasText: `reload_request:${requestId}` })
      .filter({ hasText: "approver" });
    await entry.first().waitFor();
    expect(await entry.first().locator('[data-note="comment"]').innerText()).toBe(`Comment: ${COMMENT}`);
    expect(await entry.first().getAttribute("data-outcome")).toBe("allowed");
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });

  test(
    "the reload's timeline shows the canary dispatched, its ack, then the rest dispatched, and every instance acked: succeeded",
    { timeout: 180_000 },
    async () => {
      expect(requestId, "the approved request").not.toBe("");
      const { page, problems } = await watchedPage(approver);
      // The request's page links the timeline once the reload's first event is stored (the
      // worker ingests the control plane's events): load it again until it does.
      const link = page.locator("a[data-reload-link]");
      await expect
        .poll(
          async () => {
            await page.goto(`${baseUrl}/approvals/${requestId}`);
            return link.count();
          },
          { timeout: 60_000, interval: 1_000 },
        )
        .toBe(1);
      await Promise.all([page.waitForURL(/\/reloads\/\d+$/), link.click()]);
      const key = new URL(page.url()).pathname.split("/").pop()!;
      await page.locator("[data-waterfall]").waitFor();

      // The page refreshes itself while the reload is open (LiveTimeline); no reload by the test.
      const status = page.locator("h1 .badge");
      await expect.poll(() => status.innerText(), { timeout: 120_000, interval: 500 }).toBe("succeeded");
      // The last instance's `applied` ends the reload; its `acked` arrives after. The page keeps
      // refreshing until LIVE_SETTLE_MS after the last event arrived, then stops by itself.
      await expect
        .poll(() => page.locator("[data-live-timeline]").count(), { timeout: LIVE_SETTLE_MS + 30_000, interval: 500 })
        .toBe(0);
      expect(await page.locator('[data-stat="done"] b').innerText()).toBe("3 of 3 finished");
      expect(await page.locator('[data-stat="acked"] b').innerText()).toBe("3");
      expect(await page.locator("[data-request-link]").innerText()).toBe(`request #${requestId}`);

      // Every lane drawn (alike instances unfolded), so every event has its mark.
      const folded = page.locator("[data-group] button");
      while ((await folded.count()) > 0) await folded.first().click();
      const control = `rsreq-${requestId}`;
      const canaryDispatched = await occurredAt(page, `${control}-dispatch-canary-1`);
      expect(await detail(page, "lane")).toBe("control plane");
      expect(await detail(page, "phase")).toBe("dispatched");
      const restDispatched = await occurredAt(page, `${control}-dispatch-rest-1`);
      expect(await page.locator(`button[data-event^="${control}-dispatch-"]`).count()).toBe(2);
      expect(await page.locator('button[data-phase="failed"], button[data-phase="nacked"]').count()).toBe(0);

      // The simulated endpoint's events are named demo-<reloadId>-<stage>-<instance>-<phase>.
      const acks = await page
        .locator('button[data-phase="acked"]')
        .evaluateAll((marks) => marks.map((m) => m.getAttribute("data-event")!));
      expect(acks).toHaveLength(3);
      const canaryAcks = acks.filter((id) => id.includes("-canary-"));
      const restAcks = acks.filter((id) => id.includes("-rest-"));
      expect(canaryAcks).toHaveLength(1);
      expect(restAcks).toHaveLength(2);
      const canaryAcked = await occurredAt(page, canaryAcks[0]!);
      const canaryInstance = await detail(page, "lane");
      expect(canaryAcks[0]).toContain(`-canary-${canaryInstance}-acked`);
      const restAckTimes: number[] = [];
      for (const id of restAcks) {
        restAckTimes.push(await occurredAt(page, id));
        expect(await detail(page, "lane")).not.toBe(canaryInstance);
      }

      // The order a canary asks for (DESIGN.md "Vocabulary"): canary sent first, its ack, only then
      // the rest, then theirs.
      const firstInstanceEvent = Math.min(canaryAcked, ...restAckTimes);
      expect(canaryDispatched).toBeLessThan(firstInstanceEvent);
      expect(canaryAcked).toBeLessThan(restDispatched);
      for (const at of restAckTimes) expect(restDispatched).toBeLessThan(at);

      // The read API agrees: succeeded, every target acked at the new version.
      const api = await fetch(`${baseUrl}/api/v1/reloads/${key}`, { headers: { authorization: `Bearer ${token}` } });
      expect(api.status).toBe(200);
      const reload = (await api.json()) as {
        status: string;
        toVersion: string;
        targets: number;
        acked: number;
        pending: number;
        instances: { instance: string; phase: string; version: string | null; at: string }[];
      };
      expect(reload).toMatchObject({ status: "succeeded", toVersion: TO_VERSION, targets: 3, acked: 3, pending: 0 });
      expect(reload.instances.map((i) => [i.phase, i.version])).toEqual([
        ["acked", TO_VERSION],
        ["acked", TO_VERSION],
        ["acked", TO_VERSION],
      ]);
      expect(reload.instances.map((i) => i.instance)).toContain(canaryInstance);

      // And the evidence bundle (the page's download): one delivered attempt per stage, the
      // rest's started after the canary's ack was in, the approval bound to the request's change.
      const evidence = (await (await page.request.get(`${baseUrl}/api/reloads/${key}/evidence`)).json()) as {
        approvals: { approver: string; decision: string; comment: string; matchesRequest: boolean }[];
        dispatchAttempts: { stage: string; outcome: string; startedAt: string }[];
        instances: { instance: string; phase: string; phaseAt: string }[];
      };
      expect(evidence.approvals).toEqual([
        expect.objectContaining({ approver: "approver", decision: "approved", comment: COMMENT, matchesRequest: true }),
      ]);
      expect(evidence.dispatchAttempts.map((a) => [a.stage, a.outcome])).toEqual([
        ["canary", "delivered"],
        ["rest", "delivered"],
      ]);
      const canaryAckStored = Date.parse(evidence.instances.find((i) => i.instance === canaryInstance)!.phaseAt);
      expect(canaryAckStored).toBe(canaryAcked);
      expect(Date.parse(evidence.dispatchAttempts[1]!.startedAt)).toBeGreaterThan(canaryAckStored);

      // The request ended with its reload.
      await page.goto(`${baseUrl}/approvals/${requestId}`);
      expect(
        await page
          .locator(`[data-request-detail="${requestId}"] [data-request-status]`)
          .getAttribute("data-request-status"),
      ).toBe("succeeded");
      await page.waitForLoadState("networkidle");
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  test("a viewer sees the same service page with no request button", async () => {
    const { page, problems } = await watchedPage(viewer);
    const path = servicePath || (await openIngressService(page));
    expect((await page.goto(`${baseUrl}${path}`))?.status()).toBe(200);
    await expect.poll(() => page.locator("h1").textContent()).toBe("ingress");
    await page.locator("[data-instance]").first().waitFor();
    expect(await page.locator("[data-request-panel]").count()).toBe(0);
    expect(await page.getByText("Request reload").count()).toBe(0);
    expect(await page.getByText("Request rollback").count()).toBe(0);
    expect(await page.locator("form[data-request-form], button[data-approve]").count()).toBe(0);
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });
});
