import "server-only";
import type { InstanceState } from "@/lib/domain/instance-state";
import type { Outcome, Phase } from "@/lib/domain/types";

// An instance state and an event as their rows read: the one mapping from columns to the
// domain's shapes, for the ingest transaction, the replay and the service page alike.

/** An instance_state row (instance_state_snapshot_row has the same columns). */
export interface StateRow {
  instance_id: number;
  kind: string;
  resource: string;
  version: string | null;
  since: Date | null;
  last_phase: Phase;
  last_phase_at: Date;
  outcome: Outcome;
  last_error: string | null;
  last_reload_id: string | null;
  previous_version: string | null;
  changed_by_heartbeat: boolean;
}

export function stateFromRow(r: StateRow): InstanceState {
  return {
    version: r.version,
    since: r.since,
    lastPhase: r.last_phase,
    lastPhaseAt: r.last_phase_at,
    outcome: r.outcome,
    lastError: r.last_error,
    lastReloadId: r.last_reload_id,
    previousVersion: r.previous_version,
    changedByHeartbeat: r.changed_by_heartbeat,
  };
}

/** The columns of a stored reload_event that fold into an instance state. */
export interface StateEventRow {
  phase: Phase;
  occurred_at: Date;
  from_version: string | null;
  to_version: string | null;
  error: string | null;
  reload_id: string | null;
}

export function stateEventFromRow(r: StateEventRow) {
  return {
    phase: r.phase,
    occurredAt: r.occurred_at,
    fromVersion: r.from_version,
    toVersion: r.to_version,
    error: r.error,
    reloadId: r.reload_id,
  };
}
