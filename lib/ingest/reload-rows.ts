import "server-only";
import {
  completedAt,
  convergenceMs,
  deriveReloadStatus,
  reloadDeadline,
  reloadScope,
  type ReloadInstanceCounts,
} from "@/lib/domain/reload-status";
import type { ReloadRecord } from "@/lib/domain/reload-row";
import type { ReloadStatus } from "@/lib/domain/types";
import { iso, type Tx } from "./sql";

// A reload row as the ingest transaction and the expiry sweep write it: its scope, status and
// derived fields, and the one statement that writes them back. Rows are read with
// reloadColumns and reloadFromRow (lib/domain/reload-row.ts), as every other read of a reload.

/** M of "N of M": an explicit target count, or every target and reporting instance. */
export function targetsOf(record: ReloadRecord): number {
  // participants = targeted rows + rows of instances that reported without being targeted
  return reloadScope({ targetCount: record.targetCount, targetedInstances: record.participants, reportingOutsideTargets: 0 });
}

export function countsOf(record: ReloadRecord): ReloadInstanceCounts {
  return { ...record.counts, targets: targetsOf(record) };
}

export interface Derived {
  record: ReloadRecord;
  status: ReloadStatus;
  deadline: Date;
  completed: Date | null;
  convergence: number | null;
}

/** Status, deadline, completion and convergence of a record as of `now`; expiry is stamped into its facts. */
export function derive(record: ReloadRecord, now: Date, timeoutMs: number): Derived {
  const counts = countsOf(record);
  const status = deriveReloadStatus(record.facts, counts, now, timeoutMs);
  const deadline = reloadDeadline(record.facts, timeoutMs);
  record.facts = { ...record.facts, expiredAt: status === "expired" ? deadline : null };
  return {
    record,
    status,
    deadline,
    completed: completedAt(record.facts, counts, status),
    convergence: convergenceMs(record.facts, counts, status),
  };
}

/** Writes facts, counters and derived fields of the given (locked) reloads. */
export async function writeReloads(tx: Tx, rows: Derived[]): Promise<void> {
  if (rows.length === 0) return;
  const f = (pick: (d: Derived) => unknown) => rows.map(pick);
  await tx.execute(
    `UPDATE reload r SET from_version = u.from_version, to_version = u.to_version, initiator = u.initiator,
            status = u.status, requested_at = u.requested_at, approved_at = u.approved_at, rejected_at = u.rejected_at,
            dispatched_at = u.dispatched_at, rolled_back_at = u.rolled_back_at, failed_at = u.failed_at,
            cancelled_at = u.cancelled_at, expired_at = u.expired_at, started_at = u.started_at, deadline_at = u.deadline_at,
            first_event_at = u.first_event_at, last_event_at = u.last_event_at, completed_at = u.completed_at,
            convergence_ms = u.convergence_ms, scope = u.scope, target_count = u.target_count, participants = u.participants,
            instances_targeted = u.targeted, instances_reporting = u.reporting, instances_succeeded = u.succeeded,
            instances_nacked = u.nacked, instances_failed = u.failed, instances_rolled_back = u.rolled_back,
            instances_in_progress = u.in_progress, last_succeeded_at = u.last_succeeded_at,
            last_finished_at = u.last_finished_at, last_error = u.last_error, last_error_at = u.last_error_at,
            last_dispatched_at = u.last_dispatched_at
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[],
                 $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[],
                 $13::timestamptz[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::timestamptz[],
                 $18::timestamptz[], $19::bigint[], $20::text[], $21::int[], $22::int[], $23::int[], $24::int[], $25::int[],
                 $26::int[], $27::int[], $28::int[], $29::int[], $30::timestamptz[], $31::timestamptz[], $32::text[],
                 $33::timestamptz[], $34::timestamptz[])
       AS u(id, from_version, to_version, initiator, status, requested_at, approved_at, rejected_at, dispatched_at,
            rolled_back_at, failed_at, cancelled_at, expired_at, started_at, deadline_at, first_event_at, last_event_at,
            completed_at, convergence_ms, scope, target_count, participants, targeted, reporting, succeeded, nacked,
            failed, rolled_back, in_progress, last_succeeded_at, last_finished_at, last_error, last_error_at,
            last_dispatched_at)
     WHERE r.id = u.id`,
    f((d) => d.record.key),
    f((d) => d.record.facts.fromVersion),
    f((d) => d.record.facts.toVersion),
    f((d) => d.record.facts.initiator),
    f((d) => d.status),
    f((d) => iso(d.record.facts.requestedAt)),
    f((d) => iso(d.record.facts.approvedAt)),
    f((d) => iso(d.record.facts.rejectedAt)),
    f((d) => iso(d.record.facts.dispatchedAt)),
    f((d) => iso(d.record.facts.rolledBackAt)),
    f((d) => iso(d.record.facts.failedAt)),
    f((d) => iso(d.record.facts.cancelledAt)),
    f((d) => iso(d.record.facts.expiredAt)),
    f((d) => iso(d.record.facts.startedAt)),
    f((d) => iso(d.deadline)),
    f((d) => iso(d.record.facts.firstEventAt)),
    f((d) => iso(d.record.facts.lastEventAt)),
    f((d) => iso(d.completed)),
    f((d) => (d.convergence === null ? null : String(d.convergence))),
    f((d) => d.record.scope),
    f((d) => d.record.targetCount),
    f((d) => d.record.participants),
    f((d) => targetsOf(d.record)),
    f((d) => d.record.counts.reporting),
    f((d) => d.record.counts.succeeded),
    f((d) => d.record.counts.nacked),
    f((d) => d.record.counts.failed),
    f((d) => d.record.counts.rolledBack),
    f((d) => d.record.counts.inProgress),
    f((d) => iso(d.record.counts.lastSucceededAt)),
    f((d) => iso(d.record.counts.lastFinishedAt)),
    f((d) => d.record.facts.lastError),
    f((d) => iso(d.record.facts.lastErrorAt)),
    f((d) => iso(d.record.facts.lastDispatchedAt)),
  );
}
