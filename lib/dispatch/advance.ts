import "server-only";
import { currentChange } from "@/lib/approvals/change";
import { openSecret } from "@/lib/crypto/secret-box";
import { transaction, type Sql } from "@/lib/db/client";
import type { Phase } from "@/lib/domain/types";
import { env } from "@/lib/env";
import { isDatabaseUnavailable } from "@/lib/ingest/errors";
import { enqueueJob, wakeWorker } from "@/lib/jobs/queue";
import {
  controlFailedEvent,
  dispatchedEvent,
  dispatchedEventId,
  failedAttemptEvent,
  invalidatedEvent,
  type RequestFacts,
} from "./control-events";
import { canaryVerdict, requestOutcome, retryDelayMs } from "./policy";
import { declareUnknown, holdLease, legacyLeaseMs, NEW_LEASE_SQL, WORKER_ID } from "./recover";
import { attemptsOf, factsOf, lockRequest, setStatus, type AttemptRow, type RequestRow } from "./request-row";
import { deliverWebhook, deliveryIdOf, newSpanId, newTraceId, traceparent, type DeliveryOutcome, type DispatchStage, type WebhookBody } from "./webhook";

// Moves one approved reload request along (issue 7 §5): send the first stage (canary or
// all), wait for the canary's acks, send the rest, then follow the reload to its end. Each
// run of the `dispatch` job does one step and enqueues the next, so a retry or a canary check
// is a job with a later run_at, never a sleep.
//
// Never twice: every step starts under the request's row lock (FOR UPDATE); a delivery is
// recorded as `sending` before its POST, so another worker that gets the lock meanwhile sees
// it and sends nothing; a stage with a delivered attempt is never sent again. The POST itself
// runs outside any transaction: the embedded database has one connection, and a webhook may
// take seconds. While it is out the sender renews a lease on the attempt; a sender that dies
// (or loses the database) lets it lapse, and the attempt becomes unknown (recover.ts).

/** How long the sender keeps trying to record an answer while the database is unreachable. */
const RECORD_RETRY_MS = 60_000;

export interface AdvanceOptions {
  now?: () => Date;
  random?: () => number;
}

export type AdvanceResult =
  | { step: "nothing"; status: string }
  | { step: "sent"; stage: DispatchStage; attempt: number; delivered: boolean }
  /** the answer came after the attempt had been declared unknown (its lease lapsed): dropped, the stage goes again */
  | { step: "late"; stage: DispatchStage; attempt: number }
  | { step: "waiting"; until: Date }
  | { step: "finished"; status: string };

/** One step of a request's dispatch; the `dispatch` job's handler. */
export async function advanceDispatch(requestId: string, options: AdvanceOptions = {}): Promise<AdvanceResult> {
  const now = options.now ?? (() => new Date());
  const settings = env();
  const plan = await transaction((tx) => planStep(tx, requestId, now()));
  if (plan.kind === "done") {
    if (plan.wake) wakeWorker();
    return plan.result;
  }
  // Outside the transaction: the POST, under a lease renewed until its answer is recorded.
  const lease = holdLease(plan.attemptId);
  try {
    const outcome = await deliverWebhook({
      url: plan.url,
      body: plan.body,
      secret: plan.secret,
      deliveryId: plan.deliveryId,
      traceparent: plan.traceparent,
      timeoutMs: settings.DISPATCH_TIMEOUT_MS,
    });
    const result = await recordWhileReachable(() => transaction((tx) => recordOutcome(tx, plan, outcome, now(), options.random ?? Math.random)));
    wakeWorker();
    return result;
  } finally {
    lease.stop();
  }
}

/**
 * The answer is known only to this process: if the database went away during the POST, keep
 * trying to record it (a database back within the lease keeps the delivery one delivery).
 * Past the lease a sweep may declare the attempt unknown first; recordOutcome then drops it.
 */
async function recordWhileReachable<T>(record: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RECORD_RETRY_MS;
  for (let wait = 250; ; wait = Math.min(wait * 2, 4_000)) {
    try {
      return await record();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

interface SendPlan {
  kind: "send";
  facts: RequestFacts;
  request: RequestRow;
  stage: DispatchStage;
  attempt: number;
  attemptId: string;
  /** the same on every retry of the stage (the attempt's row id is not) */
  deliveryId: string;
  startedAt: Date;
  spanId: string;
  traceparent: string;
  url: string;
  body: string;
  secret: string;
  sentTo: string[];
}

type Plan = SendPlan | { kind: "done"; result: AdvanceResult; wake: boolean };

async function planStep(tx: Sql, requestId: string, now: Date): Promise<Plan> {
  const request = await lockRequest(tx, requestId);
  if (!request) return { kind: "done", result: { step: "nothing", status: "missing" }, wake: false };
  const attempts = await attemptsOf(tx, requestId, legacyLeaseMs());
  const settings = env();

  switch (request.status) {
    case "approved":
    case "dispatching":
      break;
    case "canary":
      return afterCanary(tx, request, attempts, now);
    case "dispatched":
      return followReload(tx, request, attempts, now);
    default:
      // Pending, decided, or over: nothing for dispatch to do.
      return { kind: "done", result: { step: "nothing", status: request.status }, wake: false };
  }

  const stage = nextStage(request, attempts);
  if (stage === null) {
    // Every stage delivered (a run that stopped before its status change): settle it.
    await setStatus(tx, request.id, "dispatched", null);
    await enqueueJob(tx, "dispatch", { requestId }, { runAt: new Date(now.getTime() + settings.CANARY_CHECK_MS) });
    return { kind: "done", result: { step: "nothing", status: "dispatched" }, wake: false };
  }
  const facts = factsOf(request, request.trace_id ?? newTraceId());

  // A delivery under way (its sender holds the lease; its answer moves the request on), or
  // one whose sender died: unknown, on the timeline, and the stage goes again right here.
  const sending = attempts.find((a) => a.outcome === "sending");
  if (sending) {
    if (!sending.lease_lapsed) {
      const until = sending.lease_until ?? new Date(sending.started_at.getTime() + legacyLeaseMs());
      return { kind: "done", result: { step: "waiting", until }, wake: false };
    }
    const { gaveUp } = await declareUnknown(tx, request, sending);
    if (gaveUp) return { kind: "done", result: { step: "finished", status: "failed" }, wake: true };
  }

  // Too early for the next retry (a job that ran ahead of its schedule, or a second one).
  const last = [...attempts].reverse().find((a) => a.stage === stage);
  if (last?.next_attempt_at && last.next_attempt_at > now) {
    await enqueueJob(tx, "dispatch", { requestId }, { runAt: last.next_attempt_at });
    return { kind: "done", result: { step: "waiting", until: last.next_attempt_at }, wake: false };
  }

  const target = await tx.query<{ url: string; secret_ciphertext: string }[]>(
    `SELECT url, secret_ciphertext FROM reload_target WHERE service_id = $1`,
    request.service_id,
  );
  if (target.length === 0) {
    const reason = "no reload target configured for this service";
    await setStatus(tx, request.id, "failed", reason);
    await enqueueJob(tx, "control-events", { events: [controlFailedEvent(facts, "no-target", now, reason)] });
    return { kind: "done", result: { step: "finished", status: "failed" }, wake: true };
  }

  const change = await currentChange(tx, request.id);
  if (!change.valid) {
    await setStatus(tx, request.id, "invalidated", change.reason);
    // Before anything was sent the reload never started: it is refused. After its canary it
    // has started, and the control plane ends it with what has finished.
    const event = stage === "rest"
      ? controlFailedEvent(facts, "invalidated", now, `the rest was not sent: ${change.reason}`)
      : invalidatedEvent(facts, now, change.reason);
    await enqueueJob(tx, "control-events", { events: [event] });
    return { kind: "done", result: { step: "finished", status: "invalidated" }, wake: true };
  }

  let secret: string;
  try {
    secret = openSecret(target[0]!.secret_ciphertext);
  } catch {
    const reason = "the reload target's secret cannot be decrypted with this SECRETS_KEY; save the target again";
    await setStatus(tx, request.id, "failed", reason);
    await enqueueJob(tx, "control-events", { events: [controlFailedEvent(facts, "secret", now, reason)] });
    return { kind: "done", result: { step: "finished", status: "failed" }, wake: true };
  }

  if (!request.trace_id) await tx.execute(`UPDATE reload_request SET trace_id = $2 WHERE id = $1`, request.id, facts.traceId);
  if (request.status !== "dispatching") await setStatus(tx, request.id, "dispatching", null);

  const attempt = attempts.filter((a) => a.stage === stage).length + 1;
  const spanId = newSpanId();
  const parent = traceparent(facts.traceId, spanId);
  const [row] = await tx.query<{ id: string }[]>(
    `INSERT INTO dispatch_attempt (request_id, stage, attempt, url, traceparent, started_at, outcome, worker, lease_until)
     VALUES ($1, $2, $3, $4, $5, $6, 'sending', $7, ${NEW_LEASE_SQL}) RETURNING id::text`,
    request.id,
    stage,
    attempt,
    target[0]!.url,
    parent,
    now,
    WORKER_ID,
  );
  const sentTo = stageInstances(request, stage);
  const deliveryId = deliveryIdOf(request.reload_id, stage);
  const body: WebhookBody = {
    deliveryId,
    reloadId: request.reload_id,
    service: { environment: request.environment, namespace: request.namespace, name: request.service },
    kind: request.kind,
    resource: request.resource,
    fromVersion: request.from_version,
    toVersion: request.to_version,
    scope: { mode: request.scope.mode === "canary" ? "canary" : "all", stage, instances: sentTo },
    requestedBy: request.requested_by,
    approvedBy: request.approved_by,
  };
  return {
    kind: "send",
    facts,
    request,
    stage,
    attempt,
    attemptId: row!.id,
    deliveryId,
    startedAt: now,
    spanId,
    traceparent: parent,
    url: target[0]!.url,
    body: JSON.stringify(body),
    secret,
    sentTo,
  };
}

async function recordOutcome(tx: Sql, plan: SendPlan, outcome: DeliveryOutcome, now: Date, random: () => number): Promise<AdvanceResult> {
  const settings = env();
  const request = await lockRequest(tx, plan.request.id);
  const { facts, stage, attempt } = plan;
  const [row] = await tx.query<{ outcome: string }[]>(`SELECT outcome FROM dispatch_attempt WHERE id = $1`, plan.attemptId);
  if (row?.outcome !== "sending") {
    // Declared unknown while this process could not renew its lease (the database was away),
    // and perhaps already sent again: that attempt decides now; this answer is only logged.
    console.error(
      `[dispatch] the answer to attempt ${attempt} (${stage}) of request ${plan.request.id} came after it was declared unknown ` +
        `(${outcome.delivered ? `delivered, HTTP ${outcome.httpStatus}` : outcome.error}); the stage is sent again with the same delivery id`,
    );
    return { step: "late", stage, attempt };
  }
  if (outcome.delivered) {
    await tx.execute(
      `UPDATE dispatch_attempt SET outcome = 'delivered', finished_at = $2, http_status = $3 WHERE id = $1`,
      plan.attemptId,
      now,
      outcome.httpStatus,
    );
    // The first stage names every target as the reload's scope, so a reload is not over when
    // its canary alone has acked; the rest adds nobody new. (attributes say who got this POST.)
    const targets = stage === "rest" ? plan.sentTo : plan.request.targets;
    const event = dispatchedEvent(facts, { stage, attempt, spanId: plan.spanId, startedAt: plan.startedAt, finishedAt: now, httpStatus: outcome.httpStatus, targets, sentTo: plan.sentTo });
    await enqueueJob(tx, "control-events", { events: [event] });
    // A request cancelled or invalidated while the POST was out keeps that status.
    if (request && (request.status === "dispatching" || request.status === "approved")) {
      const next = stage === "canary" ? "canary" : "dispatched";
      await setStatus(tx, plan.request.id, next, null);
    }
    await enqueueJob(tx, "dispatch", { requestId: plan.request.id }, { runAt: new Date(now.getTime() + settings.CANARY_CHECK_MS) });
    return { step: "sent", stage, attempt, delivered: true };
  }

  const max = settings.DISPATCH_MAX_ATTEMPTS;
  const last = attempt >= max;
  const nextAt = last ? null : new Date(now.getTime() + retryDelayMs(attempt, settings.DISPATCH_RETRY_BASE_MS, random));
  await tx.execute(
    `UPDATE dispatch_attempt SET outcome = $2, finished_at = $3, http_status = $4, error = $5, next_attempt_at = $6 WHERE id = $1`,
    plan.attemptId,
    last ? "gave_up" : "failed",
    now,
    outcome.httpStatus,
    outcome.error,
    nextAt,
  );
  const event = failedAttemptEvent(facts, {
    stage,
    attempt,
    maxAttempts: max,
    spanId: plan.spanId,
    startedAt: plan.startedAt,
    finishedAt: now,
    httpStatus: outcome.httpStatus,
    error: outcome.error,
    sentTo: plan.sentTo,
  });
  await enqueueJob(tx, "control-events", { events: [event] });
  if (last) {
    if (request && request.status === "dispatching") {
      await setStatus(tx, plan.request.id, "failed", `delivery failed after ${max} attempts: ${outcome.error}`);
    }
  } else {
    await enqueueJob(tx, "dispatch", { requestId: plan.request.id }, { runAt: nextAt! });
  }
  return { step: "sent", stage, attempt, delivered: false };
}

/** Canary delivered: all acked → the rest; any refused → failed, the rest never sent; else check again. */
async function afterCanary(tx: Sql, request: RequestRow, attempts: AttemptRow[], now: Date): Promise<Plan> {
  const settings = env();
  const reported = await tx.query<{ instance: string; phase: Phase | null; error: string | null }[]>(
    `SELECT i.instance_key AS instance, ri.phase, ri.error
     FROM reload r
     JOIN reload_instance ri ON ri.reload_key = r.id
     JOIN instance i ON i.id = ri.instance_id
     WHERE r.service_id = $1 AND r.reload_id = $2 AND i.instance_key = ANY($3::text[])`,
    request.service_id,
    request.reload_id,
    request.canary,
  );
  const verdict = canaryVerdict(request.canary, reported);
  const facts = factsOf(request, request.trace_id ?? newTraceId());
  if (verdict.kind === "failed") {
    await setStatus(tx, request.id, "failed", verdict.reason);
    await enqueueJob(tx, "control-events", { events: [controlFailedEvent(facts, "canary-failed", now, verdict.reason)] });
    return { kind: "done", result: { step: "finished", status: "failed" }, wake: true };
  }
  if (verdict.kind === "acked") {
    await setStatus(tx, request.id, "dispatching", null);
    await enqueueJob(tx, "dispatch", { requestId: request.id });
    return { kind: "done", result: { step: "nothing", status: "dispatching" }, wake: true };
  }
  const delivered = attempts.find((a) => a.stage === "canary" && a.outcome === "delivered");
  const deadline = (delivered?.finished_at ?? now).getTime() + settings.RELOAD_TIMEOUT_SECONDS * 1000;
  if (now.getTime() > deadline) {
    const reason = `canary failed: ${verdict.pending.join(", ")} did not ack within ${settings.RELOAD_TIMEOUT_SECONDS} s`;
    await setStatus(tx, request.id, "failed", reason);
    await enqueueJob(tx, "control-events", { events: [controlFailedEvent(facts, "canary-failed", now, reason)] });
    return { kind: "done", result: { step: "finished", status: "failed" }, wake: true };
  }
  const until = new Date(now.getTime() + settings.CANARY_CHECK_MS);
  await enqueueJob(tx, "dispatch", { requestId: request.id }, { runAt: until });
  return { kind: "done", result: { step: "waiting", until }, wake: false };
}

/** All sent: the request ends as its reload does (the read model's status). */
async function followReload(tx: Sql, request: RequestRow, attempts: AttemptRow[], now: Date): Promise<Plan> {
  const settings = env();
  const [reload] = await tx.query<{ status: string; last_dispatch_stored: boolean }[]>(
    `SELECT status, EXISTS (SELECT 1 FROM reload_event e WHERE e.reload_id = r.reload_id AND e.id = $3) AS last_dispatch_stored
     FROM reload r WHERE service_id = $1 AND reload_id = $2`,
    request.service_id,
    request.reload_id,
    lastDispatchedEventId(request, attempts),
  );
  // The control events go through their own job: until the last delivery's `dispatched` is
  // stored, a failed or unknown attempt stored before it makes the reload read failed.
  const outcome = reload?.last_dispatch_stored ? requestOutcome(reload.status) : null;
  if (outcome) {
    await setStatus(tx, request.id, outcome.status, outcome.reason);
    return { kind: "done", result: { step: "finished", status: outcome.status }, wake: false };
  }
  // The reload expires on its own (RELOAD_TIMEOUT_SECONDS, the sweep); this bound only stops
  // the checks if no event of it ever arrived.
  const lastDelivery = attempts.filter((a) => a.outcome === "delivered").at(-1)?.finished_at ?? now;
  if (now.getTime() > lastDelivery.getTime() + 2 * settings.RELOAD_TIMEOUT_SECONDS * 1000) {
    await setStatus(tx, request.id, "failed", "no instance reported on the reload after its dispatch");
    return { kind: "done", result: { step: "finished", status: "failed" }, wake: false };
  }
  const until = new Date(now.getTime() + settings.CANARY_CHECK_MS);
  await enqueueJob(tx, "dispatch", { requestId: request.id }, { runAt: until });
  return { kind: "done", result: { step: "waiting", until }, wake: false };
}

function lastDispatchedEventId(request: RequestRow, attempts: AttemptRow[]): string {
  const last = attempts.filter((a) => a.outcome === "delivered").at(-1);
  return last ? dispatchedEventId(request.id, last.stage, last.attempt) : "";
}

/** The first stage not yet delivered: canary then rest, or all; null when every stage is. */
function nextStage(request: RequestRow, attempts: AttemptRow[]): DispatchStage | null {
  const stages: DispatchStage[] = request.canary.length > 0 ? ["canary", "rest"] : ["all"];
  const delivered = new Set(attempts.filter((a) => a.outcome === "delivered").map((a) => a.stage));
  return stages.find((s) => !delivered.has(s) && !(s === "rest" && stageInstances(request, "rest").length === 0)) ?? null;
}

function stageInstances(request: RequestRow, stage: DispatchStage): string[] {
  if (stage === "all") return request.targets;
  if (stage === "canary") return request.canary;
  const canary = new Set(request.canary);
  return request.targets.filter((t) => !canary.has(t));
}
