// A reload's timeline, normalised once (CONVENTIONS, "Timelines are a pipeline, not a
// chart"): one lane per target plus the control plane's, every time relative to one origin,
// spans nested under their instance, the critical path and the slowest instance marked, and
// lanes that behaved alike grouped. Pure: the query layer hands in rows, the page draws this.
// Spans nest into trees in ./timeline-spans.ts; which rows are visible and where a time falls
// on screen are ./timeline-view.ts.
import { FINAL_PHASES, SUCCESS_PHASES } from "./phases";
import { instancePhaseBucket } from "./reload-status";
import { nestSpans, type TimelineSpan, type TimelineSpanInput } from "./timeline-spans";
import type { Phase } from "./types";

/** The lane key of the control plane (events without an instance). Instance keys cannot be empty, so this never collides. */
export const CONTROL_LANE = "";

/** What a reload event says, alike as it is read and as the timeline shows it. */
interface TimelineEventFields {
  id: string;
  phase: Phase;
  durationMs: number | null;
  error: string | null;
  traceId: string | null;
  spanId: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  initiator: string | null;
  attributes: Record<string, unknown>;
  /** the ingest token that sent it ("token “name” (rs_…)"), or "Reloadscope" (lib/domain/event-sender.ts) */
  sentBy?: string;
}

export interface TimelineEventInput extends TimelineEventFields {
  instance: string | null;
  occurredAt: Date;
  receivedAt: Date;
}

/** A reload_instance row: a target (or an instance that reported) and its latest phase, as ingest keeps it. */
export interface TimelineTargetInput {
  instance: string;
  targeted: boolean;
  phase: Phase | null;
  error: string | null;
}

export interface TimelineEvent extends TimelineEventFields {
  /** ms after the timeline's origin; a bar when the event has a duration, else a mark. */
  startMs: number;
  endMs: number;
  occurredAt: string;
  receivedAt: string;
}

/** How a lane ended: the stored phase's bucket; `pending` for a target that never reported. */
export type LaneOutcome = "succeeded" | "nacked" | "failed" | "rolled_back" | "in_progress" | "pending";

export interface TimelineLane {
  /** The instance key, or CONTROL_LANE. */
  key: string;
  targeted: boolean;
  events: TimelineEvent[];
  /** Depth-first, parents before children, siblings by start. */
  spans: TimelineSpan[];
  outcome: LaneOutcome;
  error: string | null;
  /** First and last moment of the lane's events (null: nothing reported). */
  startMs: number | null;
  endMs: number | null;
  /** When the lane reached its final phase (the latest final event). */
  finishedMs: number | null;
  /** From the reload's start to the instance's ack (or applied, when it never acked). */
  timeToAckMs: number | null;
  /** Phase sequence and outcome: lanes with equal signatures behaved alike. */
  signature: string;
}

export interface LaneGroup {
  signature: string;
  outcome: LaneOutcome;
  phases: Phase[];
  /** Member lane keys, in lane order. */
  instances: string[];
  startMs: number | null;
  endMs: number | null;
}

export interface ReloadTimeline {
  /** The instant every *Ms is relative to (ISO) and as epoch ms. */
  origin: string;
  originEpochMs: number;
  /** The reload's start (dispatch, else request, else first event), as convergence counts it. */
  reloadStartMs: number;
  /** The latest moment anything on the timeline reaches. */
  durationMs: number;
  control: TimelineLane;
  /** Instance lanes, by first report (never-reporting targets last), then key. */
  instances: TimelineLane[];
  groups: LaneGroup[];
  /** Control plane → the instance whose finish set convergence (the last success, else the last finish). */
  criticalPath: { instance: string | null; eventIds: string[] };
  /** The instance that took longest from its first report to its finish (or last report). */
  slowest: { instance: string; durationMs: number } | null;
  traceIds: string[];
}

export interface TimelineInput {
  /** dispatched_at ?? requested_at ?? first_event_at of the reload row. */
  reloadStart: Date;
  targets: TimelineTargetInput[];
  events: TimelineEventInput[];
  spans: TimelineSpanInput[];
}

export function assembleTimeline(input: TimelineInput): ReloadTimeline {
  const originEpochMs = Math.min(
    input.reloadStart.getTime(),
    ...minOf(input.events, (e) => e.occurredAt.getTime()),
    ...minOf(input.spans, (s) => s.start.getTime()),
  );
  const rel = (d: Date) => d.getTime() - originEpochMs;
  const reloadStartMs = rel(input.reloadStart);

  const eventsByLane = new Map<string, TimelineEvent[]>();
  // Time order; ties by arrival, then id, so equal timestamps read the same on every render.
  const sorted = [...input.events].sort(
    (a, b) =>
      a.occurredAt.getTime() - b.occurredAt.getTime() ||
      a.receivedAt.getTime() - b.receivedAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  for (const e of sorted) {
    const startMs = rel(e.occurredAt);
    const view: TimelineEvent = {
      id: e.id,
      phase: e.phase,
      startMs,
      endMs: startMs + Math.max(0, e.durationMs ?? 0),
      occurredAt: e.occurredAt.toISOString(),
      receivedAt: e.receivedAt.toISOString(),
      durationMs: e.durationMs,
      error: e.error,
      traceId: e.traceId,
      spanId: e.spanId,
      fromVersion: e.fromVersion,
      toVersion: e.toVersion,
      initiator: e.initiator,
      attributes: e.attributes,
      sentBy: e.sentBy,
    };
    const laneKey = e.instance ?? CONTROL_LANE;
    const laneEvents = eventsByLane.get(laneKey);
    if (laneEvents) laneEvents.push(view);
    else eventsByLane.set(laneKey, [view]);
  }
  const spansByLane = nestSpans(input.spans, rel, (span) => span.instance ?? CONTROL_LANE);

  const targets = new Map(input.targets.map((t) => [t.instance, t]));
  // An instance that reported without a reload_instance row (should not happen) still gets a lane.
  for (const key of eventsByLane.keys()) {
    if (key !== CONTROL_LANE && !targets.has(key))
      targets.set(key, { instance: key, targeted: false, phase: null, error: null });
  }

  const lane = (key: string, target: TimelineTargetInput | null): TimelineLane => {
    const events = eventsByLane.get(key) ?? [];
    const spans = spansByLane.get(key) ?? [];
    const finals = events.filter((e) => FINAL_PHASES.has(e.phase));
    const ack = events.find((e) => e.phase === "acked") ?? events.find((e) => e.phase === "applied");
    const storedPhase = target?.phase ?? null;
    const outcome = target ? laneOutcome(storedPhase ?? lastPhase(events)) : "in_progress";
    const phases = collapseRepeats(events.map((e) => e.phase));
    return {
      key,
      targeted: target?.targeted ?? false,
      events,
      spans,
      outcome,
      error: target?.error ?? [...events].reverse().find((e) => e.error)?.error ?? null,
      startMs: events.length ? events[0]!.startMs : null,
      endMs: events.length ? Math.max(...events.map((e) => e.endMs)) : null,
      finishedMs: finals.length ? finals[finals.length - 1]!.startMs : null,
      timeToAckMs: ack && SUCCESS_PHASES.has(ack.phase) ? Math.max(0, ack.startMs - reloadStartMs) : null,
      signature: `${phases.join(">")}|${outcome}`,
    };
  };

  const control = lane(CONTROL_LANE, null);
  control.outcome = "in_progress";
  control.signature = "control";
  const instances = [...targets.values()]
    .map((t) => lane(t.instance, t))
    .sort((a, b) => (a.startMs ?? Infinity) - (b.startMs ?? Infinity) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const critical = criticalInstance(instances);
  const criticalPath = {
    instance: critical?.key ?? null,
    eventIds: critical
      ? [
          ...control.events.filter((e) => e.startMs <= (critical.startMs ?? Infinity)).map((e) => e.id),
          ...critical.events.map((e) => e.id),
        ]
      : [],
  };

  const ends = [
    reloadStartMs,
    ...[control, ...instances].flatMap((l) => [l.endMs ?? 0, ...l.spans.map((s) => s.endMs)]),
  ];
  return {
    origin: new Date(originEpochMs).toISOString(),
    originEpochMs,
    reloadStartMs,
    durationMs: Math.max(...ends),
    control,
    instances,
    groups: groupLanes(instances),
    criticalPath,
    slowest: slowestInstance(instances),
    traceIds: [
      ...new Set(
        [...input.events.map((e) => e.traceId), ...input.spans.map((s) => s.traceId)].filter((t): t is string => !!t),
      ),
    ].sort(),
  };
}

function laneOutcome(phase: Phase | null): LaneOutcome {
  const bucket = instancePhaseBucket(phase);
  if (bucket === null) return "pending";
  if (bucket === "succeeded") return "succeeded";
  if (bucket === "rolledBack") return "rolled_back";
  if (bucket === "inProgress") return "in_progress";
  return bucket;
}

function lastPhase(events: TimelineEvent[]): Phase | null {
  return events.length ? events[events.length - 1]!.phase : null;
}

/** The lane whose finish determined convergence: the last success; with none, the last finish. */
function criticalInstance(lanes: TimelineLane[]): TimelineLane | null {
  const succeeded = lanes.filter((l) => l.outcome === "succeeded" && l.timeToAckMs !== null);
  const pool = succeeded.length ? succeeded : lanes.filter((l) => l.finishedMs !== null);
  const time = (l: TimelineLane) => (succeeded.length ? l.timeToAckMs! : l.finishedMs!);
  let best: TimelineLane | null = null;
  for (const l of pool) if (!best || time(l) > time(best)) best = l;
  return best;
}

function slowestInstance(lanes: TimelineLane[]): ReloadTimeline["slowest"] {
  let best: ReloadTimeline["slowest"] = null;
  for (const l of lanes) {
    if (l.startMs === null) continue;
    const durationMs = (l.finishedMs ?? l.endMs ?? l.startMs) - l.startMs;
    if (!best || durationMs > best.durationMs) best = { instance: l.key, durationMs };
  }
  return best;
}

/** Lanes with the same phase sequence and outcome, in the order of their first member. */
export function groupLanes(lanes: TimelineLane[]): LaneGroup[] {
  const groups = new Map<string, LaneGroup>();
  for (const l of lanes) {
    const g = groups.get(l.signature);
    if (g) {
      g.instances.push(l.key);
      g.startMs = minNullable(g.startMs, l.startMs);
      g.endMs = maxNullable(g.endMs, l.endMs);
    } else {
      groups.set(l.signature, {
        signature: l.signature,
        outcome: l.outcome,
        phases: collapseRepeats(l.events.map((e) => e.phase)),
        instances: [l.key],
        startMs: l.startMs,
        endMs: l.endMs,
      });
    }
  }
  return [...groups.values()];
}

function collapseRepeats(phases: Phase[]): Phase[] {
  return phases.filter((p, i) => i === 0 || phases[i - 1] !== p);
}

/** [min] of the values, or [] for none (spread into Math.min without a 10k-argument call). */
function minOf<T>(items: T[], pick: (item: T) => number): number[] {
  let min = Infinity;
  for (const item of items) min = Math.min(min, pick(item));
  return Number.isFinite(min) ? [min] : [];
}

function minNullable(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}
function maxNullable(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
