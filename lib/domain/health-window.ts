// "How latency moved" around a reload (the responder's job, DESIGN.md): the service's spans in a window before
// the reload touched the fleet and in one of the same length after it finished, as the
// regression rule compares them (lib/domain/alerts/regression.ts). Pure: the query reads
// the spans of these windows, the page draws the numbers.
import type { SpanWindow } from "./alerts/regression";

/** Each side's length: long enough for a p95, short enough to stay about this reload. */
export const HEALTH_WINDOW_MS = 15 * 60_000;

/** The chart splits the whole range into at most this many buckets. */
export const HEALTH_MAX_BUCKETS = 40;

export interface HealthWindows {
  before: { from: Date; to: Date };
  /** null while the reload has not finished: there is no "after" yet */
  after: { from: Date; to: Date } | null;
  /** the after-window is still filling (it ends after now) */
  afterPartial: boolean;
  /** the chart's range and bucket length: before.from → the after-window's end (or now) */
  chart: { from: Date; to: Date; bucketMs: number };
}

export interface HealthTimes {
  /** when the reload touched the fleet: its dispatch, else its start, else its first event */
  startedAt: Date;
  /** when its last target finished; null while it runs */
  completedAt: Date | null;
}

export function healthWindows(reload: HealthTimes, now: Date, windowMs = HEALTH_WINDOW_MS): HealthWindows {
  const start = reload.startedAt.getTime();
  const before = { from: new Date(start - windowMs), to: new Date(start) };
  const done = reload.completedAt ? Math.max(start, reload.completedAt.getTime()) : null;
  const afterEnd = done === null ? null : Math.min(done + windowMs, Math.max(done, now.getTime()));
  const after = done === null ? null : { from: new Date(done), to: new Date(afterEnd!) };
  const chartEnd = after ? after.to.getTime() : Math.max(start, Math.min(now.getTime(), start + windowMs));
  const range = chartEnd - before.from.getTime();
  // Whole minutes, so buckets read as times on the axis.
  const bucketMs = Math.max(60_000, Math.ceil(range / HEALTH_MAX_BUCKETS / 60_000) * 60_000);
  return {
    before,
    after,
    afterPartial: done !== null && done + windowMs > now.getTime(),
    chart: { from: before.from, to: new Date(chartEnd), bucketMs },
  };
}

export interface HealthComparison {
  before: SpanWindow & { errorRatio: number | null };
  after: (SpanWindow & { errorRatio: number | null }) | null;
  /** after ÷ before; null when a side has no spans */
  p95Change: number | null;
  errorRatioChange: number | null;
}

const ratio = (w: SpanWindow) => (w.spans > 0 ? w.errors / w.spans : null);

/** The two windows' numbers side by side, with how each moved. */
export function compareHealth(before: SpanWindow, after: SpanWindow | null): HealthComparison {
  const b = { ...before, errorRatio: ratio(before) };
  const a = after ? { ...after, errorRatio: ratio(after) } : null;
  return {
    before: b,
    after: a,
    p95Change: a && a.spans > 0 && b.spans > 0 && b.p95Ms > 0 ? a.p95Ms / b.p95Ms : null,
    errorRatioChange: a && a.errorRatio !== null && b.errorRatio !== null ? a.errorRatio - b.errorRatio : null,
  };
}

/**
 * The two windows' counts as the reads select them in one row (lib/reloads/health-queries.ts,
 * lib/alerts/read-regression.ts): p95 in milliseconds, null for a window without spans.
 */
export interface SpanWindowsRow {
  before_spans: number;
  before_p95: number | null;
  before_errors: number;
  after_spans: number;
  after_p95: number | null;
  after_errors: number;
}

/** One side of a SpanWindowsRow; a window without spans has a p95 of 0. */
export function spanWindowOf(row: SpanWindowsRow, side: "before" | "after"): SpanWindow {
  return { spans: row[`${side}_spans`], p95Ms: row[`${side}_p95`] ?? 0, errors: row[`${side}_errors`] };
}
