import "server-only";
import type { Sql } from "@/lib/db/client";
import type { AttemptOutcome, DispatchAttempt, DispatchStage } from "@/lib/domain/dispatch-step";
import type { RequestFacts } from "./control-events";

// A request as dispatch works on it, read under its row lock: every step of a request's
// dispatch (plan-step.ts, record-answer.ts) and the crash recovery (recover.ts) hold this
// lock, so they see one another's writes and never act on the same attempt twice. A row
// serves as the request nextDispatchStep judges (lib/domain/dispatch-step.ts); attemptOf
// gives it an attempt.

export interface RequestRow {
  id: string;
  reload_id: string;
  service_id: number;
  environment: string;
  namespace: string;
  service: string;
  kind: string;
  resource: string;
  from_version: string | null;
  to_version: string;
  scope: { mode: "all" | "canary" };
  targets: string[];
  canary: string[];
  status: string;
  trace_id: string | null;
  requested_by: string;
  approved_by: string[];
}

export interface AttemptRow {
  id: string;
  stage: DispatchStage;
  attempt: number;
  outcome: AttemptOutcome;
  started_at: Date;
  finished_at: Date | null;
  next_attempt_at: Date | null;
  traceparent: string;
  worker: string;
  /** for a `sending` row: its lease lapsed by the database's clock, so its sender is gone */
  lease_lapsed: boolean;
  lease_until: Date | null;
}

/**
 * Before leases, a `sending` row was given up this long after its start (the POST's timeout
 * plus a margin); rows written then (lease_until NULL) are judged so, so that a process of the
 * previous version still mid-POST during an upgrade keeps its delivery.
 */
export const LEGACY_SENDING_MARGIN_MS = 30_000;

export async function lockRequest(tx: Sql, requestId: string): Promise<RequestRow | null> {
  const [row] = await tx.query<RequestRow[]>(
    `SELECT rr.id::text, rr.reload_id, rr.service_id, s.environment, s.namespace, s.name AS service, rr.kind, rr.resource,
            rr.from_version, rr.to_version, rr.scope, rr.targets, rr.canary, rr.status, rr.trace_id,
            u.username AS requested_by,
            ARRAY(SELECT au.username FROM approval a JOIN app_user au ON au.id = a.approver_id
                  WHERE a.request_id = rr.id AND a.decision = 'approved' ORDER BY a.decided_at, au.username) AS approved_by
     FROM reload_request rr
     JOIN service s ON s.id = rr.service_id
     JOIN app_user u ON u.id = rr.requested_by
     WHERE rr.id = $1
     FOR UPDATE OF rr`,
    requestId,
  );
  return row ?? null;
}

/** The request's attempts in order; read under its lock. `legacyLeaseMs`: see LEGACY_SENDING_MARGIN_MS. */
export async function attemptsOf(tx: Sql, requestId: string, legacyLeaseMs: number): Promise<AttemptRow[]> {
  return tx.query<AttemptRow[]>(
    `SELECT id::text, stage, attempt, outcome, started_at, finished_at, next_attempt_at, traceparent, worker, lease_until,
            COALESCE(lease_until, started_at + make_interval(secs => $2::double precision / 1000)) < now() AS lease_lapsed
     FROM dispatch_attempt WHERE request_id = $1 ORDER BY id`,
    requestId,
    legacyLeaseMs,
  );
}

export async function setStatus(tx: Sql, requestId: string, status: string, reason: string | null): Promise<void> {
  await tx.execute(
    `UPDATE reload_request SET status = $2, status_reason = $3, updated_at = CURRENT_TIMESTAMP WHERE id = $1`,
    requestId,
    status,
    reason,
  );
}

/** An attempt row as nextDispatchStep reads it. */
export function attemptOf(row: AttemptRow): DispatchAttempt {
  return {
    id: row.id,
    stage: row.stage,
    attempt: row.attempt,
    outcome: row.outcome,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    leaseLapsed: row.lease_lapsed,
  };
}

export function factsOf(request: RequestRow, traceId: string): RequestFacts {
  return {
    requestId: request.id,
    reloadId: request.reload_id,
    environment: request.environment,
    namespace: request.namespace,
    service: request.service,
    kind: request.kind,
    resource: request.resource,
    fromVersion: request.from_version,
    toVersion: request.to_version,
    traceId,
  };
}
