import "server-only";
import { currentChange } from "@/lib/approvals/change";
import { openSecret } from "@/lib/crypto/secret-box";
import type { Sql } from "@/lib/db/client";
import {
  dispatchNeeds,
  nextDispatchStep,
  type DispatchFacts,
  type DispatchResult,
  type DispatchStage,
} from "@/lib/domain/dispatch-step";
import type { Phase } from "@/lib/domain/types";
import { settleStep } from "./apply-step";
import { dispatchedEventId, type RequestFacts } from "./control-events";
import { dispatchPolicy } from "./policy";
import { legacyLeaseMs, NEW_LEASE_SQL, recordUnknown, WORKER_ID } from "./recover";
import { attemptOf, attemptsOf, factsOf, lockRequest, type AttemptRow, type RequestRow } from "./request-row";
import { deliveryIdOf, newSpanId, newTraceId, traceparent, type WebhookBody } from "./webhook";

// The first half of a dispatch run (advance.ts), in one transaction under the request's row
// lock: read what the request's status needs, ask nextDispatchStep what to do, and do it. When
// the step sends, the attempt is recorded `sending` here, before its POST, so another worker
// that gets the lock meanwhile sees it and sends nothing.

/** What a run reports: any step's result but `sending`, which the answer turns into `sent` or `late`. */
export type AdvanceResult = Exclude<DispatchResult, { step: "sending" }>;

/** A stage to POST, its attempt recorded `sending` under a lease. */
export interface SendPlan {
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

export type Plan = SendPlan | { kind: "done"; result: AdvanceResult; wake: boolean };

type Target = { state: "ready"; url: string; secret: string } | { state: "missing" } | { state: "unreadable" };

export async function planStep(tx: Sql, requestId: string, now: Date): Promise<Plan> {
  const request = await lockRequest(tx, requestId);
  if (!request) {
    const { result } = nextDispatchStep({ kind: "run", now, request: null, attempts: [], facts: {} }, dispatchPolicy());
    return { kind: "done", result: finalResult(result), wake: false };
  }
  const attempts = await attemptsOf(tx, requestId, legacyLeaseMs());
  const { facts, target } = await readFacts(tx, request, attempts);
  const state = { kind: "run", now, request, attempts: attempts.map(attemptOf), facts } as const;
  const step = nextDispatchStep(state, dispatchPolicy());
  const events = factsOf(request, request.trace_id ?? newTraceId());

  const unknown = step.declareUnknown;
  if (unknown)
    await recordUnknown(
      tx,
      request,
      attempts.find((a) => a.id === unknown.id)!,
    );
  if (step.result.step !== "sending") {
    const queuedNow = await settleStep(tx, events, step, now);
    return { kind: "done", result: step.result, wake: queuedNow || unknown !== undefined };
  }
  if (target?.state !== "ready") throw new Error(`dispatch: request ${request.id} would send with no readable target`);

  const { stage, attempt, instances } = step.result;
  if (!request.trace_id) {
    await tx.execute(`UPDATE reload_request SET trace_id = $2 WHERE id = $1`, request.id, events.traceId);
  }
  await settleStep(tx, events, step, now);
  const spanId = newSpanId();
  const parent = traceparent(events.traceId, spanId);
  const [row] = await tx.query<{ id: string }[]>(
    `INSERT INTO dispatch_attempt
       (request_id, stage, attempt, url, traceparent, started_at, outcome, worker, lease_until)
     VALUES ($1, $2, $3, $4, $5, $6, 'sending', $7, ${NEW_LEASE_SQL}) RETURNING id::text`,
    request.id,
    stage,
    attempt,
    target.url,
    parent,
    now,
    WORKER_ID,
  );
  const deliveryId = deliveryIdOf(request.reload_id, stage);
  const body: WebhookBody = {
    deliveryId,
    reloadId: request.reload_id,
    service: { environment: request.environment, namespace: request.namespace, name: request.service },
    kind: request.kind,
    resource: request.resource,
    fromVersion: request.from_version,
    toVersion: request.to_version,
    scope: { mode: request.scope.mode === "canary" ? "canary" : "all", stage, instances },
    requestedBy: request.requested_by,
    approvedBy: request.approved_by,
  };
  return {
    kind: "send",
    facts: events,
    request,
    stage,
    attempt,
    attemptId: row!.id,
    deliveryId,
    startedAt: now,
    spanId,
    traceparent: parent,
    url: target.url,
    body: JSON.stringify(body),
    secret: target.secret,
    sentTo: instances,
  };
}

/** A step's result once nothing is being sent. */
export function finalResult(result: DispatchResult): AdvanceResult {
  if (result.step === "sending") throw new Error("dispatch: a step that sends has no final result before its answer");
  return result;
}

/** What the request's status needs read beside it (dispatchNeeds), and the target to send to. */
async function readFacts(
  tx: Sql,
  request: RequestRow,
  attempts: AttemptRow[],
): Promise<{ facts: DispatchFacts; target?: Target }> {
  switch (dispatchNeeds(request.status)) {
    case "send": {
      const target = await readTarget(tx, request.service_id);
      return { facts: { target: target.state, change: await currentChange(tx, request.id) }, target };
    }
    case "canary":
      return { facts: { canaryReports: await canaryReports(tx, request) } };
    case "reload":
      return { facts: { reloadStatus: await reloadStatus(tx, request, attempts) } };
    default:
      return { facts: {} };
  }
}

async function readTarget(tx: Sql, serviceId: number): Promise<Target> {
  const [row] = await tx.query<{ url: string; secret_ciphertext: string }[]>(
    `SELECT url, secret_ciphertext FROM reload_target WHERE service_id = $1`,
    serviceId,
  );
  if (!row) return { state: "missing" };
  try {
    return { state: "ready", url: row.url, secret: openSecret(row.secret_ciphertext) };
  } catch {
    return { state: "unreadable" };
  }
}

/** What the canary's instances reported on the request's reload. */
async function canaryReports(tx: Sql, request: RequestRow) {
  return tx.query<{ instance: string; phase: Phase | null; error: string | null }[]>(
    `SELECT i.instance_key AS instance, ri.phase, ri.error
     FROM reload r
     JOIN reload_instance ri ON ri.reload_key = r.id
     JOIN instance i ON i.id = ri.instance_id
     WHERE r.service_id = $1 AND r.reload_id = $2 AND i.instance_key = ANY($3::text[])`,
    request.service_id,
    request.reload_id,
    request.canary,
  );
}

/** The reload's status, once the last delivery's `dispatched` event is stored; null before (or with no reload). */
async function reloadStatus(tx: Sql, request: RequestRow, attempts: AttemptRow[]): Promise<string | null> {
  const last = attempts.filter((a) => a.outcome === "delivered").at(-1);
  const [reload] = await tx.query<{ status: string; last_dispatch_stored: boolean }[]>(
    `SELECT status,
            EXISTS (SELECT 1 FROM reload_event e WHERE e.reload_id = r.reload_id AND e.id = $3) AS last_dispatch_stored
     FROM reload r WHERE service_id = $1 AND reload_id = $2`,
    request.service_id,
    request.reload_id,
    last ? dispatchedEventId(request.id, last.stage, last.attempt) : "",
  );
  return reload?.last_dispatch_stored ? reload.status : null;
}
