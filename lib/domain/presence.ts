// Presence and liveness (DESIGN.md "History rules: change is history, liveness is not",
// docs/adr/0021). A heartbeat that reports the version its instance × resource already runs,
// with no reload of it in progress, is not an event: it extends the pair's presence interval.
// Whether a pair is live at an instant — heard from within INSTANCE_STALE_SECONDS — is one
// rule, judged from presence intervals and stored events; every page, alert, metric, the
// reload scope and the replay use it, and SQL uses its one twin below.
import { compositeKey } from "./keys";
import { CONTROL_PHASES } from "./phases";
import type { ReloadEventInput } from "./types";

/**
 * How exactly an interval's last heard time (and the read model's last report time) is kept:
 * an extension is written only once it moves them by this much, so most heartbeats write
 * nothing. Liveness may therefore lag a pair's real last heartbeat by less than this.
 */
export const PRESENCE_PRECISION_MS = 60_000;

/** When a pair was heard running one version, as stored: never across a UTC midnight. */
export interface PresenceSpan {
  firstHeardAt: Date;
  lastHeardAt: Date;
}

export interface PresenceInterval extends PresenceSpan {
  version: string;
}

/** The oldest heard time that still counts as live at `at`; heard at exactly this time is live. */
export function liveSince(at: Date, staleMs: number): Date {
  return new Date(at.getTime() - staleMs);
}

/** Whether a pair last heard at `lastHeardAt` is live at `at` (heard from within `staleMs`). */
export function isLive(lastHeardAt: Date, at: Date, staleMs: number): boolean {
  return lastHeardAt.getTime() >= at.getTime() - staleMs;
}

/**
 * The latest instant at or before `at` a pair was heard: its stored events, and its presence
 * intervals. Inside an interval the pair is heard at `at` itself: it reported all through
 * it, no two reports further apart than PRESENCE_GAP_SECONDS (which is kept within
 * INSTANCE_STALE_SECONDS, so this never calls a silent pair live).
 */
export function lastHeardAt(intervals: readonly PresenceSpan[], eventTimes: readonly Date[], at: Date): Date | null {
  const t = at.getTime();
  let latest = -Infinity;
  for (const i of intervals) {
    if (i.firstHeardAt.getTime() <= t) latest = Math.max(latest, Math.min(i.lastHeardAt.getTime(), t));
  }
  for (const e of eventTimes) if (e.getTime() <= t) latest = Math.max(latest, e.getTime());
  return latest === -Infinity ? null : new Date(latest);
}

/** The liveness rule: heard from within `staleMs` at `at`, judged from intervals and stored events. */
export function heardWithin(
  intervals: readonly PresenceSpan[],
  eventTimes: readonly Date[],
  at: Date,
  staleMs: number,
): boolean {
  const heard = lastHeardAt(intervals, eventTimes, at);
  return heard !== null && isLive(heard, at, staleMs);
}

// ── The SQL twin ─────────────────────────────────────────────────────────────────────
// The one place SQL states the rule; tests/integration/liveness-agreement.test.ts runs it
// against the functions above over the same rows. Arguments are SQL expressions (a column,
// a parameter such as `$2::timestamptz`), never values.

/** `at` minus `staleMs` milliseconds, in SQL: the cutoff liveSince gives. */
export function liveCutoffSql(atSql: string, staleMsSql: string): string {
  return `(${atSql} - make_interval(secs => (${staleMsSql})::double precision / 1000))`;
}

/** True when a last heard time is at or after the cutoff: isLive. */
export function heardSinceSql(lastHeardSql: string, cutoffSql: string): string {
  return `(${lastHeardSql} >= ${cutoffSql})`;
}

/**
 * lastHeardAt in SQL for the pair `(instance_id, kind, resource)` named by the given
 * expressions, from presence_interval and reload_event, at `atSql`. The read model keeps the
 * same value for now in instance_state.last_phase_at (written with the interval, to the same
 * precision), which is what the live pages compare with heardSinceSql.
 */
export function lastHeardAtSql(pair: { instanceId: string; kind: string; resource: string }, atSql: string): string {
  return `greatest(
    (SELECT max(least(p.last_heard_at, ${atSql})) FROM presence_interval p
     WHERE p.instance_id = ${pair.instanceId} AND p.kind = ${pair.kind} AND p.resource = ${pair.resource} AND p.first_heard_at <= ${atSql}),
    (SELECT max(e.occurred_at) FROM reload_event e
     WHERE e.instance_id = ${pair.instanceId} AND e.kind = ${pair.kind} AND e.resource = ${pair.resource} AND e.occurred_at <= ${atSql}
       AND e.phase NOT IN (${[...CONTROL_PHASES].map((p) => `'${p}'`).join(", ")})))`;
}

// ── Which heartbeats may extend an interval ──────────────────────────────────────────

export interface PresencePolicy {
  /** A pair silent for longer than this starts a new interval (PRESENCE_GAP_SECONDS). */
  gapMs: number;
  precisionMs: number;
}

/** A batch's heartbeats of one pair that may only confirm what it runs: one run of one version. */
export interface PresenceRun {
  environment: string;
  namespace: string;
  service: string;
  instance: string;
  kind: string;
  resource: string;
  version: string;
  from: Date;
  to: Date;
  /** positions of the heartbeats in the batch */
  positions: number[];
}

const DAY_MS = 86_400_000;
const dayOf = (d: Date) => Math.floor(d.getTime() / DAY_MS);

/**
 * The heartbeats of a batch that may be presence rather than history: of pairs whose events
 * in the batch are all plain heartbeats (no reload id) of one version, no two of them further
 * apart than the gap and all on one UTC day. Whether they are (the pair runs that version, no
 * reload of it in progress, none of them older than its last report) is decided in the
 * database, under the pair's lock (lib/ingest/store-presence.ts); the rest is history.
 */
export function presenceRuns(events: readonly ReloadEventInput[], gapMs: number): PresenceRun[] {
  const byPair = new Map<string, { run: PresenceRun | null; times: number[] }>();
  events.forEach((e, position) => {
    if (e.instance === null) return;
    const key = compositeKey(e.environment, e.namespace, e.service, e.instance, e.kind, e.resource);
    const plain = e.phase === "heartbeat" && e.reloadId === null && e.toVersion !== null && !e.targets?.length;
    let entry = byPair.get(key);
    if (!entry) {
      entry = {
        run: plain
          ? {
              environment: e.environment,
              namespace: e.namespace,
              service: e.service,
              instance: e.instance,
              kind: e.kind,
              resource: e.resource,
              version: e.toVersion!,
              from: e.occurredAt,
              to: e.occurredAt,
              positions: [],
            }
          : null,
        times: [],
      };
      byPair.set(key, entry);
    }
    const run = entry.run;
    if (!run) return;
    if (!plain || e.toVersion !== run.version) {
      entry.run = null;
      return;
    }
    run.positions.push(position);
    entry.times.push(e.occurredAt.getTime());
    if (e.occurredAt < run.from) run.from = e.occurredAt;
    if (e.occurredAt > run.to) run.to = e.occurredAt;
  });
  const runs: PresenceRun[] = [];
  for (const { run, times } of byPair.values()) {
    if (!run || dayOf(run.from) !== dayOf(run.to)) continue;
    times.sort((a, b) => a - b);
    if (times.every((t, i) => i === 0 || t - times[i - 1]! <= gapMs)) runs.push(run);
  }
  return runs;
}

/**
 * The pair's history as the fold reads it: each interval is the heartbeats that bound it —
 * one at its first heard time and one at its last, clamped to `upTo` (inside an interval the
 * pair reported through `upTo`) — and only those after `after`. Folding a heartbeat of the
 * version a pair runs moves nothing but the time of its last report, so these two stand for
 * every heartbeat the interval absorbed.
 */
export function intervalHeartbeats<T extends PresenceInterval>(
  intervals: readonly T[],
  after: Date | null,
  upTo: Date,
): { interval: T; at: Date }[] {
  const out: { interval: T; at: Date }[] = [];
  const lower = after?.getTime() ?? -Infinity;
  for (const i of intervals) {
    const first = i.firstHeardAt.getTime();
    if (first > upTo.getTime()) continue;
    const last = Math.min(i.lastHeardAt.getTime(), upTo.getTime());
    if (first > lower) out.push({ interval: i, at: i.firstHeardAt });
    if (last > first && last > lower) out.push({ interval: i, at: new Date(last) });
  }
  return out;
}
