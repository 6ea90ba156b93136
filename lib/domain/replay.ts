// Time-travel replay (docs/adr/0010): the fleet at an instant T is the newest snapshot at or
// before T plus the events after it, folded with foldInstanceState — the function ingest
// folds with — so a replayed cell and a live one follow one rule. Pure: lib/replay reads the
// rows and hands them in.
import { foldInstanceState, type InstanceState } from "./instance-state";
import { compositeKey } from "./keys";
import type { VersionAggregate } from "./matrix";
import { newestDesired } from "./desired-version";
import { isLive } from "./presence";
import { reloadingEnded } from "./reloading";
import { isTerminal, type ReloadFacts } from "./reload-status";
import type { Phase, ReloadStatus } from "./types";

/** One instance × kind × resource and its state (a snapshot row, or a replayed one). */
export interface PairState extends InstanceState {
  serviceId: number;
  instanceId: number;
  kind: string;
  resource: string;
}

/** An event that may change an instance's state, as stored. */
export interface PairEvent {
  serviceId: number;
  instanceId: number;
  kind: string;
  resource: string;
  phase: Phase;
  occurredAt: Date;
  fromVersion: string | null;
  toVersion: string | null;
  error: string | null;
  reloadId: string | null;
}

export const pairKey = (p: Pick<PairState, "instanceId" | "kind" | "resource">) =>
  compositeKey(p.instanceId, p.kind, p.resource);

/**
 * The states after `events` (in stored order: occurred_at, then arrival, then id) are folded
 * onto `base`, pair by pair, with foldInstanceState. `base` is not changed. Pairs the events
 * do not touch keep their base state.
 */
export function replayStates(base: Iterable<PairState>, events: PairEvent[]): Map<string, PairState> {
  const states = new Map<string, PairState>();
  for (const s of base) states.set(pairKey(s), s);
  const byPair = new Map<string, PairEvent[]>();
  for (const e of events) {
    const key = pairKey(e);
    const list = byPair.get(key);
    if (list) list.push(e);
    else byPair.set(key, [e]);
  }
  for (const [key, pairEvents] of byPair) {
    const first = pairEvents[0]!;
    const current = states.get(key) ?? null;
    // Stored events with an instance id are an instance's own (affectsInstanceState needs one named).
    const next = foldInstanceState(
      current,
      pairEvents.map((e) => ({ ...e, instance: String(e.instanceId) })),
    );
    if (next && next !== current) {
      states.set(key, {
        ...next,
        serviceId: first.serviceId,
        instanceId: first.instanceId,
        kind: first.kind,
        resource: first.resource,
      });
    }
  }
  return states;
}

/** What the replay knows of a reload at T: its stored facts and final status (read from `reload`). */
export interface ReloadAtRow {
  key: string;
  serviceId: number;
  reloadId: string;
  status: ReloadStatus;
  completedAt: Date | null;
  facts: ReloadFacts;
}

const atOrBefore = (d: Date | null, at: Date): Date | null => (d && d.getTime() <= at.getTime() ? d : null);

/** A reload's facts as they stood at `at`: every step after it not yet taken. */
export function reloadFactsAt(facts: ReloadFacts, at: Date): ReloadFacts {
  return {
    ...facts,
    requestedAt: atOrBefore(facts.requestedAt, at),
    approvedAt: atOrBefore(facts.approvedAt, at),
    rejectedAt: atOrBefore(facts.rejectedAt, at),
    dispatchedAt: atOrBefore(facts.dispatchedAt, at),
    rolledBackAt: atOrBefore(facts.rolledBackAt, at),
    failedAt: atOrBefore(facts.failedAt, at),
    cancelledAt: atOrBefore(facts.cancelledAt, at),
    expiredAt: atOrBefore(facts.expiredAt, at),
    startedAt: atOrBefore(facts.startedAt, at),
    lastEventAt: facts.lastEventAt.getTime() <= at.getTime() ? facts.lastEventAt : at,
  };
}

/**
 * A reload's status at `at`, as far as desired versions and "reloading" need it: its final
 * status once it completed by then; before that, what its control steps so far make it.
 */
export function reloadStatusAt(reload: ReloadAtRow, at: Date): ReloadStatus {
  const ended = isTerminal(reload.status) && reload.completedAt && reload.completedAt.getTime() <= at.getTime();
  if (ended) return reload.status;
  const f = reloadFactsAt(reload.facts, at);
  if (f.rolledBackAt) return "rolled_back";
  if (f.rejectedAt) return "rejected";
  if (f.cancelledAt) return "cancelled";
  if (f.startedAt) return "in_progress";
  if (f.approvedAt) return "approved";
  if (f.requestedAt) return "pending_approval";
  return "in_progress";
}

/**
 * The desired version of one service × kind × resource at `at`: among its reloads heard of by
 * then, each as it stood at `at`, the one setting it most recently (newestDesired, the rule
 * ingest applies).
 */
export function desiredVersionAt(
  reloads: ReloadAtRow[],
  at: Date,
): { version: string; setAt: Date; reloadKey: string } | null {
  const heard = reloads
    .filter((r) => r.facts.firstEventAt.getTime() <= at.getTime())
    .map((r) => ({ key: r.key, facts: reloadFactsAt(r.facts, at), status: reloadStatusAt(r, at) }));
  const best = newestDesired(heard);
  return best && { version: best.version, setAt: best.setAt, reloadKey: best.reload.key };
}

/**
 * A state at `at` by the rule the sweep applies to the live one (reloadingEnded): still "in
 * progress" at `at` though its reload had ended by then, or been overtaken by a newer reload
 * of the resource, it is `expired`. Each reload counts as it stood at `at` (started by then,
 * its status then). `reloads` are the resource's reloads (any order).
 */
export function outcomeAt(
  state: PairState,
  reloads: ReloadAtRow[],
  at: Date,
): Pick<InstanceState, "outcome" | "lastError"> {
  if (state.outcome !== "in_progress") return { outcome: state.outcome, lastError: state.lastError };
  const asAt = reloads.map((r) => ({
    key: r.key,
    reloadId: r.reloadId,
    startedAt: atOrBefore(r.facts.startedAt, at),
    status: reloadStatusAt(r, at),
  }));
  const reason = reloadingEnded(state, asAt);
  if (reason === null) return { outcome: state.outcome, lastError: state.lastError };
  return { outcome: "expired", lastError: reason };
}

/**
 * The replayed states grouped as the matrix reads the live ones (lib/fleet/pair-groups.ts):
 * per service × kind × resource × version, split by liveness at `at`, with outcome counts.
 */
export function groupPairStates(states: Iterable<PairState>, at: Date, staleMs: number): VersionAggregate[] {
  const groups = new Map<string, VersionAggregate>();
  for (const s of states) {
    // A replayed state's last report is the pair's last heard time at `at` (intervals included).
    const live = isLive(s.lastPhaseAt, at, staleMs);
    const key = compositeKey(s.serviceId, s.kind, s.resource, s.version ?? "\u0001null", live ? 1 : 0);
    let g = groups.get(key);
    if (!g) {
      g = {
        serviceId: s.serviceId,
        kind: s.kind,
        resource: s.resource,
        version: s.version,
        instances: 0,
        newestSince: null,
        lastReportAt: s.lastPhaseAt,
        failed: 0,
        nacked: 0,
        inProgress: 0,
        rolledBack: 0,
      };
      groups.set(key, g);
    }
    g.instances++;
    if (s.since && (!g.newestSince || s.since > g.newestSince)) g.newestSince = s.since;
    if (s.lastPhaseAt > g.lastReportAt) g.lastReportAt = s.lastPhaseAt;
    if (s.outcome === "failed") g.failed++;
    if (s.outcome === "nacked") g.nacked++;
    if (s.outcome === "in_progress") g.inProgress++;
    if (s.outcome === "rolled_back") g.rolledBack++;
  }
  return [...groups.values()];
}

// ── Snapshot schedule ─────────────────────────────────────────────────────────────────

export interface SnapshotPolicy {
  /** Slot length of the recent, dense snapshots (15 min). */
  intervalMs: number;
  /** How far back every slot is kept; older ones are kept only at whole UTC days. */
  denseForMs: number;
  /** A slot is built only once it is this old, so events still in flight are in it. */
  settleMs: number;
  /** Snapshots older than this (RETENTION_DAYS) are dropped, as the events are. */
  retentionMs: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_SNAPSHOT_POLICY: Omit<SnapshotPolicy, "retentionMs"> = {
  intervalMs: 15 * 60_000,
  denseForMs: DAY_MS,
  settleMs: 5 * 60_000,
};

/** Whether a snapshot at `at` belongs to the kept set at `now`. */
export function keepsSnapshot(at: Date, now: Date, policy: SnapshotPolicy): boolean {
  const t = at.getTime();
  const n = now.getTime();
  if (t < n - policy.retentionMs || t > n - policy.settleMs) return false;
  if (t % DAY_MS === 0) return true;
  return t >= n - policy.denseForMs && t % policy.intervalMs === 0;
}

/**
 * The instants snapshots should exist for at `now`, oldest first: every whole UTC day in the
 * retention window, and every slot of the last `denseForMs`, each at least `settleMs` old.
 */
export function snapshotSlots(now: Date, policy: SnapshotPolicy): Date[] {
  const n = now.getTime();
  const newest = n - policy.settleMs;
  const slots = new Set<number>();
  for (let t = Math.ceil((n - policy.retentionMs) / DAY_MS) * DAY_MS; t <= newest; t += DAY_MS) slots.add(t);
  for (
    let t = Math.ceil((n - policy.denseForMs) / policy.intervalMs) * policy.intervalMs;
    t <= newest;
    t += policy.intervalMs
  )
    slots.add(t);
  return [...slots].sort((a, b) => a - b).map((t) => new Date(t));
}

// ── Playback window ───────────────────────────────────────────────────────────────────

export interface ReplayWindow {
  from: Date;
  to: Date;
}

/** Around a plain instant: half an hour either side (never past `now`). */
export const INSTANT_WINDOW_MS = 30 * 60_000;

/** How far "just before" and "just after" a reload reach: enough to see the fleet settled on either side. */
export const REPLAY_MARGIN_MS = 60_000;

/** A reload's times as the reload row keeps them. */
export interface ReloadReplayTimes {
  firstEventAt: Date;
  /** when it touched the fleet (its dispatch); null for one that was never dispatched */
  startedAt?: Date | null;
  lastEventAt: Date;
}

/**
 * The replay of a reload, "just before → just after": from a margin before it touched the
 * fleet (its dispatch, else its first event) to a margin after its last event, never past
 * `now`. A request that waited an hour for approval would otherwise open the replay an hour
 * before anything moved. It opens at `from`: the fleet just before.
 */
export function reloadReplayWindow(reload: ReloadReplayTimes, now: Date): ReplayWindow & { at: Date } {
  const start = Math.max(reload.firstEventAt.getTime(), reload.startedAt?.getTime() ?? -Infinity);
  const from = Math.min(start - REPLAY_MARGIN_MS, now.getTime());
  const to = Math.max(from, Math.min(now.getTime(), reload.lastEventAt.getTime() + REPLAY_MARGIN_MS));
  return { from: new Date(from), to: new Date(to), at: new Date(from) };
}

/** Whether an instant falls inside a window (ends included). */
export function withinWindow(at: Date, window: ReplayWindow): boolean {
  return at.getTime() >= window.from.getTime() && at.getTime() <= window.to.getTime();
}

/** The instant to replay "just before" something that happened at `instant` (an alert firing). */
export function justBefore(instant: Date): Date {
  return new Date(instant.getTime() - REPLAY_MARGIN_MS);
}

/** The window a replay plays through: a reload's (reloadReplayWindow), else half an hour around the instant. */
export function replayWindow(at: Date, reload: ReloadReplayTimes | null, now: Date): ReplayWindow {
  if (reload) {
    const { from, to } = reloadReplayWindow(reload, now);
    return { from, to };
  }
  const to = Math.min(now.getTime(), at.getTime() + INSTANT_WINDOW_MS);
  return { from: new Date(Math.min(at.getTime(), to) - INSTANT_WINDOW_MS), to: new Date(Math.max(to, at.getTime())) };
}

/** Playback: the index of the event to move to from `at`, one step forward or back (events in order). */
export function stepIndex(eventTimes: Date[], at: Date, direction: 1 | -1): number | null {
  const t = at.getTime();
  if (direction === 1) {
    const i = eventTimes.findIndex((d) => d.getTime() > t);
    return i === -1 ? null : i;
  }
  // Back: to the event before the newest one already shown at `at`.
  let shown = -1;
  for (let i = 0; i < eventTimes.length; i++) if (eventTimes[i]!.getTime() <= t) shown = i;
  return shown <= 0 ? null : shown - 1;
}
