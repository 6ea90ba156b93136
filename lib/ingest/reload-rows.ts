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
import { column, sqlParams } from "@/lib/db/sql-params";
import type { Tx } from "./sql";

// A reload row as the ingest transaction and the expiry sweep write it: its scope, status and
// derived fields, and the one statement that writes them back. Rows are read with
// reloadColumns and reloadFromRow (lib/domain/reload-row.ts), as every other read of a reload.

/** M of "N of M": an explicit target count, or every target and reporting instance. */
export function targetsOf(record: ReloadRecord): number {
  // participants = targeted rows + rows of instances that reported without being targeted
  return reloadScope({
    targetCount: record.targetCount,
    targetedInstances: record.participants,
    reportingOutsideTargets: 0,
  });
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
  const f = <T>(pick: (d: Derived) => T) => rows.map(pick);
  const q = sqlParams();
  // Named as reload's columns: each but the id is set from its namesake.
  const u = q.unnest({
    id: column.bigint(f((d) => d.record.key)),
    from_version: column.text(f((d) => d.record.facts.fromVersion)),
    to_version: column.text(f((d) => d.record.facts.toVersion)),
    initiator: column.text(f((d) => d.record.facts.initiator)),
    status: column.text(f((d) => d.status)),
    requested_at: column.timestamptz(f((d) => d.record.facts.requestedAt)),
    approved_at: column.timestamptz(f((d) => d.record.facts.approvedAt)),
    rejected_at: column.timestamptz(f((d) => d.record.facts.rejectedAt)),
    dispatched_at: column.timestamptz(f((d) => d.record.facts.dispatchedAt)),
    rolled_back_at: column.timestamptz(f((d) => d.record.facts.rolledBackAt)),
    failed_at: column.timestamptz(f((d) => d.record.facts.failedAt)),
    cancelled_at: column.timestamptz(f((d) => d.record.facts.cancelledAt)),
    expired_at: column.timestamptz(f((d) => d.record.facts.expiredAt)),
    started_at: column.timestamptz(f((d) => d.record.facts.startedAt)),
    deadline_at: column.timestamptz(f((d) => d.deadline)),
    first_event_at: column.timestamptz(f((d) => d.record.facts.firstEventAt)),
    last_event_at: column.timestamptz(f((d) => d.record.facts.lastEventAt)),
    completed_at: column.timestamptz(f((d) => d.completed)),
    convergence_ms: column.bigint(f((d) => d.convergence)),
    scope: column.text(f((d) => d.record.scope)),
    target_count: column.int(f((d) => d.record.targetCount)),
    participants: column.int(f((d) => d.record.participants)),
    instances_targeted: column.int(f((d) => targetsOf(d.record))),
    instances_reporting: column.int(f((d) => d.record.counts.reporting)),
    instances_succeeded: column.int(f((d) => d.record.counts.succeeded)),
    instances_nacked: column.int(f((d) => d.record.counts.nacked)),
    instances_failed: column.int(f((d) => d.record.counts.failed)),
    instances_rolled_back: column.int(f((d) => d.record.counts.rolledBack)),
    instances_in_progress: column.int(f((d) => d.record.counts.inProgress)),
    last_succeeded_at: column.timestamptz(f((d) => d.record.counts.lastSucceededAt)),
    last_finished_at: column.timestamptz(f((d) => d.record.counts.lastFinishedAt)),
    last_error: column.text(f((d) => d.record.facts.lastError)),
    last_error_at: column.timestamptz(f((d) => d.record.facts.lastErrorAt)),
    last_dispatched_at: column.timestamptz(f((d) => d.record.facts.lastDispatchedAt)),
  });
  const set = u.columns.filter((c) => c !== "id").map((c) => `${c} = u.${c}`);
  await tx.execute(`UPDATE reload r SET ${set.join(", ")} FROM ${u.as("u")} WHERE r.id = u.id`, ...q.values);
}
