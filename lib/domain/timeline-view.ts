// What of a ReloadTimeline is on screen: the visible rows (groups collapsed or open, span
// rows under their lane), the one time → 0..1 mapping that knows the zoom, and the window of
// rows a scrolled list draws. Pure, so the waterfall component only renders what these say.
import { CONTROL_LANE, type LaneGroup, type ReloadTimeline, type TimelineLane } from "./timeline";
import type { TimelineSpan } from "./timeline-spans";

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
    if (foldable.length >= minGroupSize && !options.expandedGroups.has(g.signature))
      for (const key of foldable) groupOf.set(key, g);
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
  // Lanes and groups that failed come first: below alike lanes, expanding a group of five
  // pushed the NACKed lane out of the scroll box.
  const items: ({ lane: TimelineLane } | { group: LaneGroup; lanes: TimelineLane[] })[] = [];
  const placed = new Set<string>();
  for (const lane of timeline.instances) {
    const group = groupOf.get(lane.key);
    if (!group) {
      items.push({ lane });
      continue;
    }
    if (placed.has(group.signature)) continue;
    placed.add(group.signature);
    items.push({
      group,
      lanes: group.instances.filter((key) => groupOf.get(key) === group).map((key) => lanesByKey.get(key)!),
    });
  }
  const failed = (item: (typeof items)[number]) =>
    FAILED_OUTCOMES.has("lane" in item ? item.lane.outcome : item.group.outcome);
  for (const item of [...items.filter(failed), ...items.filter((i) => !failed(i))]) {
    if ("lane" in item) pushLane(item.lane);
    else rows.push({ type: "group", key: `group:${item.group.signature}`, group: item.group, lanes: item.lanes });
  }
  return rows;
}

const FAILED_OUTCOMES: ReadonlySet<string> = new Set(["nacked", "failed", "rolled_back"]);

/** The rows a scrolled list of fixed-height rows draws: [first, end) with `overscan` rows either side. */
export function rowWindow(
  rowCount: number,
  scrollTop: number,
  viewportPx: number,
  rowPx: number,
  overscan = 8,
): { first: number; end: number } {
  if (rowCount === 0) return { first: 0, end: 0 };
  const first = Math.max(0, Math.floor(Math.max(0, scrollTop) / rowPx) - overscan);
  const end = Math.min(rowCount, Math.ceil((Math.max(0, scrollTop) + viewportPx) / rowPx) + overscan);
  return { first: Math.min(first, end), end };
}

export function isControlLane(key: string): boolean {
  return key === CONTROL_LANE;
}

// ── The window fitted to the work ─────────────────────────────────────────────────────────

/** The narrowest view: a reload whose work took a few ms is still drawn across the track. */
export const MIN_VIEW_MS = 20;

/** When the instances' work began: the dispatch (reloadStartMs), or an earlier instance report or span (clock skew, no dispatch). */
function workStartMs(timeline: ReloadTimeline): number {
  let start = timeline.reloadStartMs;
  for (const lane of timeline.instances) {
    if (lane.startMs !== null) start = Math.min(start, lane.startMs);
    for (const s of lane.spans) start = Math.min(start, s.startMs);
  }
  return Math.max(0, start);
}

/**
 * The default view: dispatch → last report. The request and its approval, minutes before,
 * would squeeze the work into the last pixels; they become the collapsed prefix.
 */
export function workView(timeline: ReloadTimeline): TimeView {
  const startMs = workStartMs(timeline);
  const endMs = Math.max(timeline.durationMs, startMs + MIN_VIEW_MS);
  return { startMs, endMs };
}

/** What happened before the work: the request and approval, as one collapsed row; null when nothing did. */
export function prefixOf(timeline: ReloadTimeline): { startMs: number; endMs: number; phases: string[] } | null {
  const endMs = workStartMs(timeline);
  const before = timeline.control.events.filter((e) => e.startMs < endMs);
  if (endMs <= 0 || before.length === 0) return null;
  return { startMs: 0, endMs, phases: [...new Set(before.map((e) => e.phase))] };
}

/** The whole timeline, prefix included: what zooming out reaches. */
export function wholeView(timeline: ReloadTimeline): TimeView {
  return { startMs: 0, endMs: Math.max(MIN_VIEW_MS, timeline.durationMs) };
}

/** The time at a fraction of the view (the inverse of timeToFraction). */
export function fractionToTime(fraction: number, view: TimeView): number {
  return view.startMs + fraction * (view.endMs - view.startMs);
}

/**
 * The view a drag across the track selects, from two fractions of the current view (either
 * order), clipped to the whole timeline; null for a click or a drag narrower than `minFraction`
 * of the track (a click selects a bar, it does not zoom).
 */
export function dragView(
  view: TimeView,
  fromFraction: number,
  toFraction: number,
  whole: TimeView,
  minFraction = 0.01,
): TimeView | null {
  const a = Math.min(1, Math.max(0, Math.min(fromFraction, toFraction)));
  const b = Math.min(1, Math.max(0, Math.max(fromFraction, toFraction)));
  if (b - a < minFraction) return null;
  const startMs = Math.max(whole.startMs, fractionToTime(a, view));
  const endMs = Math.min(whole.endMs, Math.max(startMs + MIN_VIEW_MS, fractionToTime(b, view)));
  return { startMs, endMs };
}

/** The view as URL parameters: epoch ms, so a link means the same instants after late events move the origin. */
export function viewToParams(view: TimeView, originEpochMs: number): { from: number; to: number } {
  return { from: Math.round(originEpochMs + view.startMs), to: Math.round(originEpochMs + view.endMs) };
}

/** The view of `?from=&to=` (epoch ms), clipped to the whole timeline; null when absent, malformed or outside it. */
export function viewFromParams(
  from: string | null | undefined,
  to: string | null | undefined,
  originEpochMs: number,
  whole: TimeView,
): TimeView | null {
  if (!from || !to || !/^\d{1,16}$/.test(from) || !/^\d{1,16}$/.test(to)) return null;
  const startMs = Math.max(whole.startMs, Number(from) - originEpochMs);
  const endMs = Math.min(whole.endMs, Number(to) - originEpochMs);
  if (!(endMs > startMs)) return null;
  return { startMs, endMs: Math.max(endMs, Math.min(whole.endMs, startMs + MIN_VIEW_MS)) };
}

const NICE_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

/** An offset from the reload's start, at the precision its tick step needs: "+250 ms", "+1.25 s", "−5m", "+4 s". */
export function formatOffset(ms: number, stepMs: number): string {
  const sign = ms < 0 ? "−" : "+";
  const abs = Math.abs(ms);
  if (abs < 1000 && stepMs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (stepMs < 1000) {
    const decimals = stepMs >= 100 ? (stepMs % 100 === 0 ? 1 : 2) : stepMs >= 10 ? 2 : 3;
    return `${sign}${(abs / 1000).toFixed(decimals)} s`;
  }
  const seconds = Math.round(abs / 1000);
  if (seconds < 60) return `${sign}${seconds} s`;
  if (seconds < 3600) return `${sign}${Math.floor(seconds / 60)}m${seconds % 60 ? ` ${seconds % 60}s` : ""}`;
  const minutes = Math.round(abs / 60_000);
  return `${sign}${Math.floor(minutes / 60)}h${minutes % 60 ? ` ${minutes % 60}m` : ""}`;
}

/**
 * Axis ticks for a view: round offsets from the reload's start, a nice step apart, each label
 * different from its neighbours ("+0 ms +0 ms +1 ms" read as a broken axis).
 */
export function axisTicks(view: TimeView, reloadStartMs: number, maxTicks = 5): { fraction: number; label: string }[] {
  const span = view.endMs - view.startMs;
  if (!(span > 0)) return [];
  const step = NICE_STEPS.find((s) => span / s <= Math.max(1, maxTicks - 1)) ?? NICE_STEPS[NICE_STEPS.length - 1]!;
  const first = Math.ceil((view.startMs - reloadStartMs) / step) * step + reloadStartMs;
  const ticks: { fraction: number; label: string }[] = [];
  for (let t = first; t <= view.endMs + 1e-9; t += step) {
    const label = formatOffset(t - reloadStartMs, step);
    if (ticks.length && ticks[ticks.length - 1]!.label === label) continue;
    ticks.push({ fraction: timeToFraction(t, view), label });
  }
  return ticks;
}

/**
 * A lane's name cut to `max` characters in the middle, keeping the tail: instance ids share
 * their start ("chat-api-7d9f…") and differ at the end, so an end-cut made every lane read alike.
 */
export function laneLabel(key: string, max = 30): string {
  if (key.length <= max || max < 8) return key;
  const head = Math.min(8, Math.floor(max / 3));
  return `${key.slice(0, head)}…${key.slice(key.length - (max - head - 1))}`;
}

/** An attribute map as key/value rows: nested objects flattened to dotted keys, arrays and scalars as text. */
export function attributeRows(attributes: Record<string, unknown>, prefix = "", depth = 0): [string, string][] {
  const rows: [string, string][] = [];
  for (const key of Object.keys(attributes).sort()) {
    const value = attributes[key];
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value) && depth < 8)
      rows.push(...attributeRows(value as Record<string, unknown>, name, depth + 1));
    else rows.push([name, valueText(value)]);
  }
  return rows;
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object"))
    return value.map((v) => valueText(v)).join(", ");
  return JSON.stringify(value);
}
