// A reload as the `reload` table keeps it, read one way: every read of whole reloads selects
// reloadColumns(alias) and turns each row into the domain's reload with reloadFromRow (ingest,
// the expiry sweep, desired versions, requests, replay, the reloads list and timeline, alerts).
// Pure: the column list is text, the mapping a function over a row.
import type { ReloadFacts, ReloadInstanceCounts } from "./reload-status";
import type { ReloadStatus } from "./types";

/** A reload's facts, scope and instance counters: what ingest folds events into and writes back. */
export interface ReloadRecord {
  /** reload.id, the opaque key (bigint, kept as text) */
  key: string;
  serviceId: number;
  reloadId: string;
  facts: ReloadFacts;
  scope: "explicit" | "implicit" | null;
  targetCount: number | null;
  participants: number;
  counts: Omit<ReloadInstanceCounts, "targets">;
  status: ReloadStatus;
}

/** A reload as stored: its record, and what ingest derived from it when it last wrote the row. */
export interface StoredReload extends ReloadRecord {
  stored: {
    /** instances_targeted: M of "N of M" */
    targets: number;
    deadlineAt: Date | null;
    completedAt: Date | null;
    convergenceMs: number | null;
  };
}

/** The row reloadColumns selects, as pg hands it over. */
export interface ReloadRow {
  key: string;
  service_id: number;
  reload_id: string;
  kind: string;
  resource: string;
  from_version: string | null;
  to_version: string | null;
  initiator: string | null;
  status: ReloadStatus;
  requested_at: Date | null;
  approved_at: Date | null;
  rejected_at: Date | null;
  dispatched_at: Date | null;
  last_dispatched_at: Date | null;
  rolled_back_at: Date | null;
  failed_at: Date | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
  started_at: Date | null;
  first_event_at: Date;
  last_event_at: Date;
  last_error: string | null;
  last_error_at: Date | null;
  scope: string | null;
  target_count: number | null;
  participants: number;
  instances_targeted: number;
  instances_reporting: number;
  instances_succeeded: number;
  instances_nacked: number;
  instances_failed: number;
  instances_rolled_back: number;
  instances_in_progress: number;
  last_succeeded_at: Date | null;
  last_finished_at: Date | null;
  deadline_at: Date | null;
  completed_at: Date | null;
  /** bigint, which pg hands over as text */
  convergence_ms: string | null;
}

const PLAIN_COLUMNS = [
  "service_id",
  "reload_id",
  "kind",
  "resource",
  "from_version",
  "to_version",
  "initiator",
  "status",
  "requested_at",
  "approved_at",
  "rejected_at",
  "dispatched_at",
  "last_dispatched_at",
  "rolled_back_at",
  "failed_at",
  "cancelled_at",
  "expired_at",
  "started_at",
  "first_event_at",
  "last_event_at",
  "last_error",
  "last_error_at",
  "scope",
  "target_count",
  "participants",
  "instances_targeted",
  "instances_reporting",
  "instances_succeeded",
  "instances_nacked",
  "instances_failed",
  "instances_rolled_back",
  "instances_in_progress",
  "last_succeeded_at",
  "last_finished_at",
  "deadline_at",
  "completed_at",
] as const satisfies readonly (keyof ReloadRow)[];

/** The select list of a ReloadRow, from the `reload` table under `alias` (FROM reload r → "r"). */
export function reloadColumns(alias: string): string {
  return [
    `${alias}.id::text AS key`,
    ...PLAIN_COLUMNS.map((c) => `${alias}.${c}`),
    `${alias}.convergence_ms::text AS convergence_ms`,
  ].join(", ");
}

const dateOrNull = (d: Date | string | null): Date | null => (d === null ? null : d instanceof Date ? d : new Date(d));

/** The domain's reload of a row reloadColumns selected. */
export function reloadFromRow(r: ReloadRow): StoredReload {
  return {
    key: r.key,
    serviceId: r.service_id,
    reloadId: r.reload_id,
    facts: {
      kind: r.kind,
      resource: r.resource,
      fromVersion: r.from_version,
      toVersion: r.to_version,
      initiator: r.initiator,
      requestedAt: dateOrNull(r.requested_at),
      approvedAt: dateOrNull(r.approved_at),
      rejectedAt: dateOrNull(r.rejected_at),
      dispatchedAt: dateOrNull(r.dispatched_at),
      lastDispatchedAt: dateOrNull(r.last_dispatched_at),
      rolledBackAt: dateOrNull(r.rolled_back_at),
      failedAt: dateOrNull(r.failed_at),
      cancelledAt: dateOrNull(r.cancelled_at),
      expiredAt: dateOrNull(r.expired_at),
      startedAt: dateOrNull(r.started_at),
      firstEventAt: dateOrNull(r.first_event_at)!,
      lastEventAt: dateOrNull(r.last_event_at)!,
      lastError: r.last_error,
      lastErrorAt: dateOrNull(r.last_error_at),
    },
    scope: r.scope === "explicit" || r.scope === "implicit" ? r.scope : null,
    targetCount: r.target_count,
    participants: r.participants,
    counts: {
      reporting: r.instances_reporting,
      succeeded: r.instances_succeeded,
      nacked: r.instances_nacked,
      failed: r.instances_failed,
      rolledBack: r.instances_rolled_back,
      inProgress: r.instances_in_progress,
      lastSucceededAt: dateOrNull(r.last_succeeded_at),
      lastFinishedAt: dateOrNull(r.last_finished_at),
    },
    status: r.status,
    stored: {
      targets: r.instances_targeted,
      deadlineAt: dateOrNull(r.deadline_at),
      completedAt: dateOrNull(r.completed_at),
      // Milliseconds fit a double exactly far beyond any real duration (2^53 ms ≈ 285,000 years).
      convergenceMs: r.convergence_ms === null ? null : Number(r.convergence_ms),
    },
  };
}
