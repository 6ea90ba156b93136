// Dispatch through the real job worker (pg-boss over the app's pool) to a local webhook
// receiver: signatures and trace context, retries with backoff as rows and timeline events,
// canary then rest, a canary NACK that stops the rest, and a service without a target.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { sql, transaction } from "@/lib/db/client";
import { reportSimulatedReload, simulatedEvents } from "@/lib/demo/simulated-target";
import { deliverWebhook, parseTraceparent } from "@/lib/dispatch/webhook";
import { resetEnvCache } from "@/lib/env";
import { enqueueJob, wakeWorker } from "@/lib/jobs/queue";
import { startWorker, type Worker } from "@/lib/worker/worker";
import {
  approvedRequest,
  requestStatus,
  seedUsers,
  setDispatchEnv,
  setTarget,
  startWebhookReceiver,
  waitFor,
  webhookBody,
  type WebhookReceiver,
} from "../support/dispatch-fixtures";
import { acceptEvents, event, minutesAgo } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

setDispatchEnv(3000);

useTestDatabase();

const INSTANCES = ["checkout-api-1", "checkout-api-2", "checkout-api-3", "checkout-api-4"];
/** An approved request of v1 → v2 for every instance, the first its canary. */
const canaryFirst = (users: { operator: number; approver: number }) =>
  approvedRequest(users, { targets: INSTANCES, canary: [INSTANCES[0]!], from: "v1", to: "v2" });
let worker: Worker;
let receiver: WebhookReceiver | undefined;

// One worker per test, started after the database was emptied (useTestDatabase empties the
// job queue too) and stopped before the next test empties it: a handler still running from
// one test (a retry, a canary check) would otherwise write into tables being truncated.
beforeEach(async () => {
  await acceptEvents(
    INSTANCES.map((instance) => event({ instance, phase: "heartbeat", toVersion: "v1", occurredAt: minutesAgo(1) })),
  );
  worker = await startWorker({ pollingIntervalSeconds: 0.5 });
});
afterEach(async () => {
  await worker?.stop();
  delete process.env.TARGET_ALLOWED_HOSTS;
  delete process.env.TARGET_PRIVATE_ADDRESSES;
  resetEnvCache();
});

function setEnv(values: Record<string, string>) {
  Object.assign(process.env, values);
  resetEnvCache();
}

async function dispatch(requestId: string) {
  await transaction((tx) => enqueueJob(tx, "dispatch", { requestId }));
  wakeWorker();
}

async function attempts(requestId: string) {
  return sql().query<
    {
      id: string;
      stage: string;
      attempt: number;
      outcome: string;
      http_status: number | null;
      started_at: Date;
      next_attempt_at: Date | null;
      traceparent: string;
    }[]
  >(
    `SELECT id::text, stage, attempt, outcome, http_status, started_at, next_attempt_at, traceparent FROM dispatch_attempt WHERE request_id = $1 ORDER BY id`,
    requestId,
  );
}

async function timeline(reloadId: string) {
  return sql().query<
    { id: string; phase: string; error: string | null; trace_id: string | null; attributes: Record<string, unknown> }[]
  >(
    `SELECT id, phase, error, trace_id, attributes FROM reload_event WHERE reload_id = $1 AND instance_id IS NULL ORDER BY occurred_at, id`,
    reloadId,
  );
}

/** A service's answer: 202, then its instances report (NACKing the ones `nack` names). */
function reportAs(nack: (stage: string) => number) {
  return (_n: number, body: Parameters<typeof simulatedEvents>[0]) => ({
    status: 202,
    after: () =>
      reportSimulatedReload(simulatedEvents(body, null, new Date(Date.now() - 5_000), nack(body.scope.stage))),
  });
}

describe("dispatch", () => {
  test("a failing target is retried with backoff; every attempt is a row and a timeline event, signed, in one trace", async () => {
    const users = await seedUsers();
    const acks = reportAs(() => 0);
    receiver = await startWebhookReceiver((n, body) => (n <= 2 ? { status: 503 } : acks(n, body)));
    try {
      await setTarget(receiver.url);
      const request = await approvedRequest(users, { targets: INSTANCES, from: "v1", to: "v2" });
      await dispatch(request.id);
      await waitFor("the request to succeed", async () => (await requestStatus(request.id)).status === "succeeded");

      const rows = await attempts(request.id);
      expect(rows.map((r) => [r.stage, r.attempt, r.outcome, r.http_status])).toEqual([
        ["all", 1, "failed", 503],
        ["all", 2, "failed", 503],
        ["all", 3, "delivered", 202],
      ]);
      // Backoff doubles (with ±25 % jitter): the second retry waits longer than the first could.
      const gap1 = rows[0]!.next_attempt_at!.getTime() - rows[0]!.started_at.getTime();
      const gap2 = rows[1]!.next_attempt_at!.getTime() - rows[1]!.started_at.getTime();
      expect(gap1).toBeGreaterThanOrEqual(30);
      expect(gap2).toBeGreaterThanOrEqual(60);
      expect(rows[1]!.started_at.getTime()).toBeGreaterThanOrEqual(rows[0]!.next_attempt_at!.getTime());

      expect(receiver.deliveries).toHaveLength(3);
      expect(receiver.deliveries.every((d) => d.signatureValid)).toBe(true);
      const traces = receiver.deliveries.map((d) => parseTraceparent(d.traceparent));
      expect(traces.every((t) => t !== null)).toBe(true);
      expect(new Set(traces.map((t) => t!.traceId)).size).toBe(1);
      expect(new Set(traces.map((t) => t!.spanId)).size).toBe(3);
      // One delivery id per stage, the same on every retry, so the service can deduplicate.
      expect(receiver.deliveries.map((d) => d.deliveryId)).toEqual([1, 2, 3].map(() => `${request.reloadId}/all`));
      expect(receiver.deliveries.map((d) => d.body.deliveryId)).toEqual([1, 2, 3].map(() => `${request.reloadId}/all`));
      const body = receiver.deliveries[2]!.body;
      expect(body).toMatchObject(webhookBody(request.reloadId, INSTANCES));

      const events = await waitFor("the three attempts on the timeline", async () => {
        const e = await timeline(request.reloadId);
        return e.length >= 3 ? e : null;
      });
      expect(events.map((e) => e.id)).toEqual([
        `rsreq-${request.id}-dispatch-all-1-failed`,
        `rsreq-${request.id}-dispatch-all-2-failed`,
        `rsreq-${request.id}-dispatch-all-3`,
      ]);
      expect(events[0]!.error).toContain("HTTP 503");
      expect(events[2]!.phase).toBe("dispatched");
      expect(events[2]!.attributes).toMatchObject({ "dispatch.attempt": 3, "http.status_code": 202 });
      expect(new Set(events.map((e) => e.trace_id))).toEqual(new Set([traces[0]!.traceId]));
    } finally {
      await receiver.close();
    }
  });

  test("canary: the rest is sent only after the canary acked, and the request follows the reload to succeeded", async () => {
    const users = await seedUsers();
    receiver = await startWebhookReceiver(reportAs(() => 0));
    try {
      await setTarget(receiver.url);
      const request = await canaryFirst(users);
      await dispatch(request.id);
      await waitFor("the request to succeed", async () => (await requestStatus(request.id)).status === "succeeded");

      expect(receiver.deliveries.map((d) => [d.body.scope.stage, d.body.scope.instances])).toEqual([
        ["canary", [INSTANCES[0]]],
        ["rest", INSTANCES.slice(1)],
      ]);
      expect(receiver.deliveries.map((d) => d.deliveryId)).toEqual([
        `${request.reloadId}/canary`,
        `${request.reloadId}/rest`,
      ]);
      expect(receiver.deliveries.every((d) => d.signatureValid)).toBe(true);
      const [canaryAck] = await sql().query<{ received_at: Date }[]>(
        `SELECT e.received_at FROM reload_event e JOIN instance i ON i.id = e.instance_id
         WHERE e.reload_id = $1 AND i.instance_key = $2 AND e.phase = 'acked'`,
        request.reloadId,
        INSTANCES[0],
      );
      const rows = await attempts(request.id);
      expect(rows.map((r) => [r.stage, r.outcome])).toEqual([
        ["canary", "delivered"],
        ["rest", "delivered"],
      ]);
      // The rest went out after the canary's ack was stored, not merely after the canary's POST.
      expect(rows[1]!.started_at.getTime()).toBeGreaterThanOrEqual(canaryAck!.received_at.getTime());
      const [reload] = await sql().query<{ status: string }[]>(
        `SELECT status FROM reload WHERE reload_id = $1`,
        request.reloadId,
      );
      expect(reload!.status).toBe("succeeded");
    } finally {
      await receiver.close();
    }
  });

  test("one instance of four refuses: the reload partially failed, and so does its request (not plain failed)", async () => {
    const users = await seedUsers();
    receiver = await startWebhookReceiver((_n, body) => ({
      status: 202,
      after: async () => {
        const start = new Date(Date.now() - 5_000);
        const [first, ...others] = body.scope.instances;
        // The first instance refuses (rate 1), the others ack (rate 0).
        await reportSimulatedReload([
          ...simulatedEvents({ ...body, scope: { ...body.scope, instances: [first!] } }, null, start, 1),
          ...simulatedEvents({ ...body, scope: { ...body.scope, instances: others } }, null, start, 0),
        ]);
      },
    }));
    try {
      await setTarget(receiver.url);
      const request = await approvedRequest(users, { targets: INSTANCES, from: "v1", to: "v2" });
      await dispatch(request.id);
      const final = await waitFor("the request to end", async () => {
        const s = await requestStatus(request.id);
        return ["succeeded", "partially_failed", "failed", "rolled_back", "expired"].includes(s.status) ? s : null;
      });
      const [reload] = await sql().query<{ status: string }[]>(
        `SELECT status FROM reload WHERE reload_id = $1`,
        request.reloadId,
      );
      expect(reload!.status).toBe("partially_failed");
      expect(final).toMatchObject({ status: "partially_failed", status_reason: "the reload ended partially failed" });
    } finally {
      await receiver.close();
    }
  });

  test("canary NACK: the request fails with the canary's error and the rest is never sent", async () => {
    const users = await seedUsers();
    receiver = await startWebhookReceiver(reportAs((stage) => (stage === "canary" ? 1 : 0)));
    try {
      await setTarget(receiver.url);
      const request = await canaryFirst(users);
      await dispatch(request.id);
      const final = await waitFor("the request to fail", async () => {
        const s = await requestStatus(request.id);
        return s.status === "failed" ? s : null;
      });
      expect(final.status_reason).toMatch(/^canary failed: checkout-api-1 refused: /);
      const events = await waitFor("the canary failure on the timeline", async () => {
        const e = await timeline(request.reloadId);
        return e.some((x) => x.id === `rsreq-${request.id}-canary-failed`) ? e : null;
      });
      expect(events.find((e) => e.id === `rsreq-${request.id}-canary-failed`)!.error).toMatch(
        /^canary failed: checkout-api-1 refused/,
      );
      // Nothing is left to run that could send the rest, and it was not sent.
      const [pending] = await sql().query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'dispatch' AND state < 'completed'`,
      );
      expect(pending!.n).toBe(0);
      expect(receiver.deliveries.map((d) => d.body.scope.stage)).toEqual(["canary"]);
      expect((await attempts(request.id)).map((r) => r.stage)).toEqual(["canary"]);
    } finally {
      await receiver.close();
    }
  });

  test("a service without a reload target: the request fails and says so, nothing is sent", async () => {
    const users = await seedUsers();
    const request = await approvedRequest(users, { targets: INSTANCES, from: "v1", to: "v2" });
    await dispatch(request.id);
    const final = await waitFor("the request to fail", async () => {
      const s = await requestStatus(request.id);
      return s.status === "failed" ? s : null;
    });
    expect(final.status_reason).toBe("no reload target configured for this service");
    expect(await attempts(request.id)).toEqual([]);
    const events = await waitFor("the failure on the timeline", async () => {
      const e = await timeline(request.reloadId);
      return e.length > 0 ? e : null;
    });
    expect(events.map((e) => [e.phase, e.error])).toEqual([["failed", "no reload target configured for this service"]]);
  });
});

describe("target address rules, on the resolved address at each attempt", () => {
  async function failedAttempts(requestId: string) {
    return sql().query<{ attempt: number; outcome: string; http_status: number | null; error: string | null }[]>(
      `SELECT attempt, outcome, http_status, error FROM dispatch_attempt WHERE request_id = $1 ORDER BY id`,
      requestId,
    );
  }

  test("a cloud-metadata target is a failed attempt on the timeline that says no more than why, and nothing is sent", async () => {
    const users = await seedUsers();
    await setTarget("http://169.254.169.254/latest/meta-data/iam/security-credentials/");
    const request = await approvedRequest(users, { targets: INSTANCES, from: "v1", to: "v2" });
    await dispatch(request.id);
    const events = await waitFor("the refused attempt on the timeline", async () => {
      const e = await timeline(request.reloadId);
      return e.length > 0 ? e : null;
    });
    expect(events[0]!.phase).toBe("failed");
    expect(events[0]!.error).toMatch(
      /^delivery attempt 1 of \d+ \(all\) failed: target address not allowed \(cloud-metadata\); retrying$/,
    );
    expect(events[0]!.attributes).not.toHaveProperty("http.status_code");
    const [first] = await failedAttempts(request.id);
    expect(first).toMatchObject({
      attempt: 1,
      outcome: "failed",
      http_status: null,
      error: "target address not allowed (cloud-metadata)",
    });
  });

  test("TARGET_PRIVATE_ADDRESSES=deny refuses loopback; listing the address in TARGET_ALLOWED_HOSTS lets the next attempt through", async () => {
    const users = await seedUsers();
    receiver = await startWebhookReceiver(() => ({ status: 202 }));
    try {
      setEnv({ TARGET_PRIVATE_ADDRESSES: "deny" });
      await setTarget(receiver.url);
      const request = await approvedRequest(users, { targets: INSTANCES, from: "v1", to: "v2" });
      await dispatch(request.id);
      await waitFor("a refused attempt", async () => (await failedAttempts(request.id)).length > 0);
      expect(receiver.deliveries).toHaveLength(0);
      setEnv({ TARGET_ALLOWED_HOSTS: "127.0.0.1" });
      const rows = await waitFor("a delivered attempt", async () => {
        const r = await failedAttempts(request.id);
        return r.some((a) => a.outcome === "delivered") ? r : null;
      });
      const refused = rows.filter((r) => r.outcome !== "delivered");
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((r) => r.error === "target address not allowed (loopback)")).toBe(true);
      expect(rows.at(-1)!.outcome).toBe("delivered");
      expect(receiver.deliveries).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  test("a host name is judged by every address it resolves to, and the connection goes to the address that was checked", async () => {
    receiver = await startWebhookReceiver(() => ({ status: 200 }));
    try {
      const port = new URL(receiver.url).port;
      const delivery = {
        url: `http://reload.checkout.test:${port}/reload`,
        body: JSON.stringify({ deliveryId: "d-1", reloadId: "r-1" }),
        secret: "whsec-test-0123456789abcdef",
        deliveryId: "d-1",
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        timeoutMs: 3000,
      };
      // A name no real DNS knows: only the checked lookup can have given the address connected to.
      const pinned = await deliverWebhook(delivery, { resolve: async () => [{ address: "127.0.0.1", family: 4 }] });
      expect(pinned).toEqual({ delivered: true, httpStatus: 200 });
      expect(receiver.deliveries).toHaveLength(1);

      const mixed = await deliverWebhook(delivery, {
        resolve: async () => [
          { address: "127.0.0.1", family: 4 },
          { address: "169.254.169.254", family: 4 },
        ],
      });
      expect(mixed).toEqual({
        delivered: false,
        httpStatus: null,
        error: "target address not allowed (cloud-metadata)",
      });
      expect(receiver.deliveries).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
