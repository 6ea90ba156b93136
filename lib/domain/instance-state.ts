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
  /**
   * The version the instance ran before `since` (null: none known, e.g. its first report).
   * Kept with the state so the out-of-band alert reads it from the row, not from history.
   */
  previousVersion: string | null;
  /**
   * Whether the last change of version was reported by a heartbeat rather than by a reload's
   * phase: true from a heartbeat that moves a known version to another, kept while the version
   * stays, false once a reload phase moves it. A first known version is no change (false).
   */
  changedByHeartbeat: boolean;
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
  const next = applyEvent(current, event);
  return { ...next, ...changeSource(current, next.version, event.phase === "heartbeat") };
}

/**
 * Who moved the version: the facts of a state whose version became `version` by this event.
 * An unchanged version keeps what the state said (a heartbeat or an applied confirming it
 * changes nothing about how it got there); a version that replaces a known one records that
 * one and whether a heartbeat reported the move.
 */
function changeSource(
  current: InstanceState | null,
  version: string | null,
  byHeartbeat: boolean,
): Pick<InstanceState, "previousVersion" | "changedByHeartbeat"> {
  const before = current?.version ?? null;
  if (version === before)
    return {
      previousVersion: current?.previousVersion ?? null,
      changedByHeartbeat: current?.changedByHeartbeat ?? false,
    };
  if (before === null) return { previousVersion: null, changedByHeartbeat: false };
  return { previousVersion: before, changedByHeartbeat: byHeartbeat };
}

type StateCore = Omit<InstanceState, "previousVersion" | "changedByHeartbeat">;

function applyEvent(current: InstanceState | null, event: StateEvent): StateCore {
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
    b.lastReloadId === a.lastReloadId &&
    b.previousVersion === a.previousVersion &&
    b.changedByHeartbeat === a.changedByHeartbeat
  );
}

/**
 * The state rebuilt from an instance × resource's stored history, in time order: how ingest
 * applies an event that arrived after a newer one, so the state is the same whatever the
 * arrival order. `history` is the newest part of it (oldest first); when older events were
 * left out (`truncated`) and the instance still runs what `previous` says it ran, `previous`
 * knows better since when (and from which version, and by whom, it changed then).
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
  if (!replayed || !truncated || !previous || previous.version !== replayed.version || versions.size > 1)
    return replayed;
  const windowStart = history[0]?.occurredAt.getTime() ?? Infinity;
  if (
    previous.since &&
    replayed.since &&
    previous.since.getTime() < replayed.since.getTime() &&
    previous.since.getTime() <= windowStart
  ) {
    // The version's run began before the window, where `previous` saw it begin: so did the
    // change that started it (the window, seeing one version, calls it a first report).
    return {
      ...replayed,
      since: previous.since,
      previousVersion: previous.previousVersion,
      changedByHeartbeat: previous.changedByHeartbeat,
    };
  }
  return replayed;
}
