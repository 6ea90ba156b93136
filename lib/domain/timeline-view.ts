// What of a ReloadTimeline is on screen: the visible rows (groups collapsed or open, span
// rows under their lane), the one time → 0..1 mapping that knows the zoom, and the window of
// rows a scrolled list draws. Pure, so the waterfall component only renders what these say.
import { CONTROL_LANE, type LaneGroup, type ReloadTimeline, type TimelineLane, type TimelineSpan } from "./timeline";

/** The visible slice of time, in ms after the timeline's origin. */
export interface TimeView {
  startMs: number;
  endMs: number;
}

export function fullView(timeline: Pick<ReloadTimeline, "durationMs">): TimeView {
  return { startMs: 0, endMs: Math.max(1, timeline.durationMs) };
}

/** Where a time falls in the view: 0 at its start, 1 at its end (outside the view: below 0 or above 1). */
export function timeToFraction(ms: number, view: TimeView): number {
  return (ms - view.startMs) / Math.max(1e-9, view.endMs - view.startMs);
}

/** A bar's left and width in percent of the view, clipped to it; null when it lies wholly outside. */
export function barPercent(startMs: number, endMs: number, view: TimeView): { left: number; width: number } | null {
  const from = timeToFraction(startMs, view);
  const to = timeToFraction(Math.max(startMs, endMs), view);
  if (to < 0 || from > 1) return null;
  const left = Math.max(0, from);
  const right = Math.min(1, to);
  return { left: left * 100, width: Math.max(0, right - left) * 100 };
}

/**
 * Zooms by `factor` (< 1 zooms in) around a point given as a fraction of the view, never past
 * the whole timeline and never narrower than `minSpanMs`.
 */
export function zoomView(view: TimeView, factor: number, anchor: number, whole: TimeView, minSpanMs = 1): TimeView {
  const span = view.endMs - view.startMs;
  const wholeSpan = whole.endMs - whole.startMs;
  const nextSpan = Math.min(wholeSpan, Math.max(minSpanMs, span * factor));
  const at = view.startMs + Math.min(1, Math.max(0, anchor)) * span;
  let startMs = at - anchor * nextSpan;
  startMs = Math.min(whole.endMs - nextSpan, Math.max(whole.startMs, startMs));
  return { startMs, endMs: startMs + nextSpan };
}

/** Moves the view by a fraction of its width, inside the whole timeline. */
export function panView(view: TimeView, byFraction: number, whole: TimeView): TimeView {
  const span = view.endMs - view.startMs;
  const startMs = Math.min(whole.endMs - span, Math.max(whole.startMs, view.startMs + byFraction * span));
  return { startMs, endMs: startMs + span };
}

export type TimelineRow =
  | { type: "lane"; key: string; lane: TimelineLane }
  | { type: "group"; key: string; group: LaneGroup; lanes: TimelineLane[] }
  | { type: "span"; key: string; laneKey: string; span: TimelineSpan };

export interface RowOptions {
  /** Signatures of groups shown lane by lane. */
  expandedGroups: ReadonlySet<string>;
  /** Groups smaller than this are always shown lane by lane. */
  minGroupSize?: number;
  /** Only the spans of this trace (from the page's ?trace=). */
  traceId?: string | null;
  /** Lanes never folded into a group: the critical path's and the slowest instance's. */
  pinned?: ReadonlySet<string>;
}

/**
 * The rows to draw, in order: the control plane (and its spans), then the instance lanes;
 * lanes of a collapsed group become one group row at the place of its first member, pinned
 * lanes stay visible on their own, and each lane shown is followed by its spans.
 */
export function visibleRows(timeline: ReloadTimeline, options: RowOptions): TimelineRow[] {
  const minGroupSize = options.minGroupSize ?? 3;
  const pinned = options.pinned ?? new Set<string>();
  const groupOf = new Map<string, LaneGroup>();
  for (const g of timeline.groups) {
    const foldable = g.instances.filter((key) => !pinned.has(key));
    if (foldable.length >= minGroupSize && !options.expandedGroups.has(g.signature)) for (const key of foldable) groupOf.set(key, g);
  }
  const lanesByKey = new Map(timeline.instances.map((l) => [l.key, l]));
  const rows: TimelineRow[] = [];
  const pushLane = (lane: TimelineLane) => {
    rows.push({ type: "lane", key: `lane:${lane.key}`, lane });
    for (const span of lane.spans) {
      if (options.traceId && span.traceId !== options.traceId) continue;
      rows.push({ type: "span", key: `span:${lane.key}:${span.traceId}/${span.spanId}`, laneKey: lane.key, span });
    }
  };
  pushLane(timeline.control);
  const placed = new Set<string>();
  for (const lane of timeline.instances) {
    const group = groupOf.get(lane.key);
    if (!group) {
      pushLane(lane);
      continue;
    }
    if (placed.has(group.signature)) continue;
    placed.add(group.signature);
    const members = group.instances.filter((key) => groupOf.get(key) === group).map((key) => lanesByKey.get(key)!);
    rows.push({ type: "group", key: `group:${group.signature}`, group, lanes: members });
  }
  return rows;
}

/** The rows a scrolled list of fixed-height rows draws: [first, end) with `overscan` rows either side. */
export function rowWindow(rowCount: number, scrollTop: number, viewportPx: number, rowPx: number, overscan = 8): { first: number; end: number } {
  if (rowCount === 0) return { first: 0, end: 0 };
  const first = Math.max(0, Math.floor(Math.max(0, scrollTop) / rowPx) - overscan);
  const end = Math.min(rowCount, Math.ceil((Math.max(0, scrollTop) + viewportPx) / rowPx) + overscan);
  return { first: Math.min(first, end), end };
}

export function isControlLane(key: string): boolean {
  return key === CONTROL_LANE;
}
