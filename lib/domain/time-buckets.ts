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
export function fillBuckets<T>(starts: Date[], rows: ReadonlyMap<number, T>, empty: () => T): { start: Date; value: T }[] {
  return starts.map((start) => ({ start, value: rows.get(start.getTime()) ?? empty() }));
}
