import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import { bucketLabel, bucketStarts, fillBuckets, type BucketUnit } from "@/lib/domain/time-buckets";

// The service page's charts: reloads and failures per bucket, and convergence time (p50 and
// p95) per bucket, from the reload table's own columns (status, convergence_ms, the
// per-instance counters) in one grouped statement over the service's reloads in the range.

export const CHART_RANGES = { "24h": { unit: "hour", count: 24 }, "14d": { unit: "day", count: 14 } } as const satisfies Record<string, { unit: BucketUnit; count: number }>;
export type ChartRange = keyof typeof CHART_RANGES;

export function parseChartRange(value: string | string[] | undefined): ChartRange {
  const v = Array.isArray(value) ? value[0] : value;
  return v === "24h" ? "24h" : "14d";
}

export interface ChartBucket {
  /** UTC label of the bucket ("14:00", "11-21") */
  label: string;
  /** the bucket's start, ISO, for the tooltip */
  start: string;
  succeeded: number;
  /** failed, partially failed, rolled back or expired */
  failed: number;
  /** in progress, pending, cancelled, rejected */
  other: number;
  /** instances that NACKed or failed, over the bucket's reloads */
  instanceFailures: number;
  /** convergence of the bucket's converged reloads, seconds; null when none converged */
  p50Seconds: number | null;
  p95Seconds: number | null;
}

export interface ServiceCharts {
  range: ChartRange;
  unit: BucketUnit;
  buckets: ChartBucket[];
  /** reloads in the range */
  total: number;
}

interface Row {
  bucket: Date;
  succeeded: number;
  failed: number;
  other: number;
  instance_failures: number;
  p50: number | null;
  p95: number | null;
}

export async function getServiceCharts(serviceId: number, range: ChartRange, now = new Date()): Promise<ServiceCharts> {
  await requireReader();
  const { unit, count } = CHART_RANGES[range];
  const starts = bucketStarts(now, unit, count);
  const rows = await sql().query<Row[]>(
    `SELECT date_trunc($2, first_event_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket,
            count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE status IN ('failed', 'partially_failed', 'rolled_back', 'expired'))::int AS failed,
            count(*) FILTER (WHERE status NOT IN ('succeeded', 'failed', 'partially_failed', 'rolled_back', 'expired'))::int AS other,
            coalesce(sum(instances_nacked + instances_failed), 0)::int AS instance_failures,
            (percentile_cont(0.5) WITHIN GROUP (ORDER BY convergence_ms) FILTER (WHERE convergence_ms IS NOT NULL))::float8 AS p50,
            (percentile_cont(0.95) WITHIN GROUP (ORDER BY convergence_ms) FILTER (WHERE convergence_ms IS NOT NULL))::float8 AS p95
     FROM reload
     WHERE service_id = $1 AND first_event_at >= $3::timestamptz
     GROUP BY 1`,
    serviceId,
    unit,
    starts[0]!.toISOString(),
  );
  const byStart = new Map(rows.map((r) => [new Date(r.bucket).getTime(), r]));
  let total = 0;
  const buckets = fillBuckets(starts, byStart, () => null as Row | null).map(({ start, value }) => {
    total += value ? value.succeeded + value.failed + value.other : 0;
    return {
      label: bucketLabel(start, unit),
      start: start.toISOString(),
      succeeded: value?.succeeded ?? 0,
      failed: value?.failed ?? 0,
      other: value?.other ?? 0,
      instanceFailures: value?.instance_failures ?? 0,
      p50Seconds: value?.p50 == null ? null : Math.round(value.p50) / 1000,
      p95Seconds: value?.p95 == null ? null : Math.round(value.p95) / 1000,
    };
  });
  return { range, unit, buckets, total };
}
