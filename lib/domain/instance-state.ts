import { CONTROL_PHASES, FAILURE_PHASES, SUCCESS_PHASES } from "./phases";
import type { Outcome, Phase, ReloadEventInput } from "./types";

/** What one instance runs for one kind/resource, as the matrix reads it. */
export interface InstanceState {
  version: string | null;
  since: Date | null;
  lastPhase: Phase;
  lastPhaseAt: Date;
  outcome: Outcome;
  lastError: string | null;
  lastReloadId: string | null;
}

type StateEvent = Pick<
  ReloadEventInput,
  "phase" | "occurredAt" | "fromVersion" | "toVersion" | "error" | "reloadId" | "instance"
>;

/** True when the event says something about an instance's running version or reload progress. */
export function affectsInstanceState(event: Pick<ReloadEventInput, "phase" | "instance">): boolean {
  return event.instance !== null && !CONTROL_PHASES.has(event.phase);
}

/**
 * The instance state after one event, applied in time order. Returns `current` itself when
 * the event changes nothing; an event older than the state's last one is not applied here
 * (ingest replays the pair's history in time order instead: see `replayInstanceState`).
 */
export function nextInstanceState(current: InstanceState | null, event: StateEvent): InstanceState | null {
  if (!affectsInstanceState(event)) return current;
  if (current && event.occurredAt.getTime() < current.lastPhaseAt.getTime()) return current;

  const runningBefore = current?.version ?? null;
  const moveTo = (version: string | null): Pick<InstanceState, "version" | "since"> => {
    if (version === null) return { version: runningBefore, since: current?.since ?? null };
    if (version === runningBefore) return { version, since: current?.since ?? event.occurredAt };
    return { version, since: event.occurredAt };
  };
  const base = {
    lastPhase: event.phase,
    lastPhaseAt: event.occurredAt,
    lastReloadId: event.reloadId ?? current?.lastReloadId ?? null,
  };

  if (event.phase === "heartbeat") {
    const moved = moveTo(event.toVersion);
    const changed = moved.version !== runningBefore;
    // A heartbeat on the same version keeps the last reload's outcome (a NACK stays visible
    // until a later reload succeeds); a heartbeat on a new version means it now runs cleanly.
    return {
      ...moved,
      ...base,
      lastReloadId: current?.lastReloadId ?? null,
      outcome: changed || !current ? "ok" : current.outcome,
      lastError: changed || !current ? null : current.lastError,
    };
  }
  if (SUCCESS_PHASES.has(event.phase)) {
    return { ...moveTo(event.toVersion), ...base, outcome: "ok", lastError: null };
  }
  if (FAILURE_PHASES.has(event.phase)) {
    // The instance refused or failed to apply: it still runs what it ran before.
    return {
      ...moveTo(runningBefore ?? event.fromVersion),
      ...base,
      outcome: event.phase === "nacked" ? "nacked" : "failed",
      lastError: event.error,
    };
  }
  if (event.phase === "rolled_back") {
    // A rollback returns the instance to the version it ran before the reload.
    return { ...moveTo(event.fromVersion), ...base, outcome: "rolled_back", lastError: event.error };
  }
  // dispatched, received, parsed, validated, staged: on the way, version unchanged.
  return {
    ...moveTo(runningBefore ?? event.fromVersion),
    ...base,
    outcome: "in_progress",
    lastError: null,
  };
}

/** Folds events (in any arrival order) into the state, oldest first, as ingest does. */
export function foldInstanceState(current: InstanceState | null, events: StateEvent[]): InstanceState | null {
  const ordered = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  return ordered.reduce(nextInstanceState, current);
}

/**
 * Whether `next` must be written over `current`. A heartbeat that only confirms what is
 * known moves nothing but the time of the last report; writing that for every heartbeat
 * would rewrite the read model for most events, so it is written at most every `refreshMs`.
 * Ingest checks an event that would change the state against the stored history, and
 * replays it when an unwritten heartbeat is newer (docs/adr/0003). Any other event is
 * always written.
 */
export function needsWrite(current: InstanceState | null, next: InstanceState, refreshMs: number): boolean {
  if (!current) return true;
  if (next.lastPhase !== "heartbeat" || current.lastPhase !== "heartbeat") {
    return next.lastPhaseAt.getTime() !== current.lastPhaseAt.getTime() || !sameState(current, next);
  }
  return !sameState(current, next) || next.lastPhaseAt.getTime() - current.lastPhaseAt.getTime() >= refreshMs;
}

/** Whether two states say the same, apart from when the last report came. */
export function sameState(a: InstanceState, b: InstanceState): boolean {
  return (
    b.version === a.version &&
    b.since?.getTime() === a.since?.getTime() &&
    b.lastPhase === a.lastPhase &&
    b.outcome === a.outcome &&
    b.lastError === a.lastError &&
    b.lastReloadId === a.lastReloadId
  );
}

/**
 * The state rebuilt from an instance × resource's stored history, in time order: how ingest
 * applies an event that arrived after a newer one, so the state is the same whatever the
 * arrival order. `history` is the newest part of it (oldest first); when older events were
 * left out (`truncated`) and the instance still runs what `previous` says it ran, `previous`
 * knows better since when.
 */
export function replayInstanceState(
  history: StateEvent[],
  previous: InstanceState | null,
  truncated: boolean,
): InstanceState | null {
  // In time order (stable: equal times keep the order given), noting whether the window
  // ever shows the instance on another version: then the version's run began inside it.
  const ordered = [...history].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  let replayed: InstanceState | null = null;
  const versions = new Set<string>();
  for (const event of ordered) {
    replayed = nextInstanceState(replayed, event);
    if (replayed?.version != null) versions.add(replayed.version);
  }
  if (!replayed || !truncated || !previous || previous.version !== replayed.version || versions.size > 1) return replayed;
  const windowStart = history[0]?.occurredAt.getTime() ?? Infinity;
  if (previous.since && replayed.since && previous.since.getTime() < replayed.since.getTime() && previous.since.getTime() <= windowStart) {
    return { ...replayed, since: previous.since };
  }
  return replayed;
}
