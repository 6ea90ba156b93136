// Time buckets for aggregate charts: UTC-aligned hours or days, so the server's buckets and
// their labels are the same whatever zone the server or the browser is in. Pure.

export type BucketUnit = "hour" | "day";

const UNIT_MS: Record<BucketUnit, number> = { hour: 3_600_000, day: 86_400_000 };

/** The `count` bucket starts ending with the one that holds `now`, oldest first. */
export function bucketStarts(now: Date, unit: BucketUnit, count: number): Date[] {
  const size = UNIT_MS[unit];
  const last = Math.floor(now.getTime() / size) * size;
  return Array.from({ length: count }, (_, i) => new Date(last - (count - 1 - i) * size));
}

/** "14:00" for an hour, "11-21" (month-day) for a day, in UTC. */
export function bucketLabel(start: Date, unit: BucketUnit): string {
  const iso = start.toISOString();
  return unit === "hour" ? iso.slice(11, 16) : iso.slice(5, 10);
}

/**
 * One entry per bucket, in order: the rows found for a bucket, else `empty` — so a quiet hour
 * shows as zero rather than disappearing from the axis.
 */
export function fillBuckets<T>(
  starts: Date[],
  rows: ReadonlyMap<number, T>,
  empty: () => T,
): { start: Date; value: T }[] {
  return starts.map((start) => ({ start, value: rows.get(start.getTime()) ?? empty() }));
}

/** Bucket sizes a chart may use, smallest first, with the words its title says ("per 15 minutes"). */
export const BUCKET_SIZES = [
  { ms: 60_000, words: "minute" },
  { ms: 5 * 60_000, words: "5 minutes" },
  { ms: 15 * 60_000, words: "15 minutes" },
  { ms: 3_600_000, words: "hour" },
  { ms: 86_400_000, words: "day" },
  { ms: 7 * 86_400_000, words: "week" },
] as const;

export const MAX_BUCKETS = 60;

export interface BucketPlan {
  sizeMs: number;
  /** "hour", "15 minutes": what one bucket is, for "Reloads per …" */
  words: string;
  /** UTC-aligned bucket starts, oldest first: the first holds `from`, the last holds `to`. */
  starts: Date[];
}

/**
 * Buckets that fit a chosen range: the smallest size that keeps the chart at most MAX_BUCKETS
 * wide (last 15 m → minutes, 1 h → 5 minutes, 24 h → hours, 7 d → days), aligned to UTC multiples of the size so
 * the same instant always falls in the same bucket. A range too long even for weeks is cut to
 * its newest MAX_BUCKETS weeks.
 */
export function planBuckets(from: Date, to: Date): BucketPlan {
  const size =
    BUCKET_SIZES.find((s) => Math.floor(to.getTime() / s.ms) - Math.floor(from.getTime() / s.ms) + 1 <= MAX_BUCKETS) ??
    BUCKET_SIZES[BUCKET_SIZES.length - 1]!;
  const last = Math.floor(Math.max(from.getTime(), to.getTime()) / size.ms) * size.ms;
  const first = Math.max(Math.floor(from.getTime() / size.ms) * size.ms, last - (MAX_BUCKETS - 1) * size.ms);
  const starts: Date[] = [];
  for (let t = first; t <= last; t += size.ms) starts.push(new Date(t));
  return { sizeMs: size.ms, words: size.words, starts };
}

/**
 * A bucket's axis label in UTC: "14:05" within a day, "11-21 14:00" for hours over several
 * days, "11-21" for days and weeks.
 */
export function planLabel(start: Date, plan: Pick<BucketPlan, "sizeMs" | "starts">): string {
  const iso = start.toISOString();
  if (plan.sizeMs >= 86_400_000) return iso.slice(5, 10);
  const first = plan.starts[0] ?? start;
  const last = plan.starts[plan.starts.length - 1] ?? start;
  const oneDay = first.toISOString().slice(0, 10) === last.toISOString().slice(0, 10);
  return oneDay ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}
