import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import { fillBuckets, planBuckets, planLabel } from "@/lib/domain/time-buckets";
import { FAILED_STATUSES } from "@/lib/domain/types";
import type { ChartRange } from "./params";

// The service page's charts: reloads and failures per bucket, and convergence time (p50 and
// p95) per bucket, from the reload table's own columns (status, convergence_ms, the
// per-instance counters) in one grouped statement over the service's reloads in the range.
// The range is the time picker's from/to (parseChartRange); the bucket size follows it (planBuckets).

export interface ChartBucket {
  /** UTC label of the bucket ("14:00", "11-21") */
  label: string;
  /** the bucket's start, ISO, for the tooltip */
  start: string;
  succeeded: number;
  /** failed (FAILED_STATUSES: partially failed, failed, rolled back) */
  failed: number;
  /** the rest: under way, rejected, cancelled, expired */
  other: number;
  /** instances that NACKed or failed, over the bucket's reloads */
  instanceFailures: number;
  /** convergence of the bucket's converged reloads, seconds; null when none converged */
  p50Seconds: number | null;
  p95Seconds: number | null;
}

/** A vertical marker on the charts: the bucket where reloads started, and the newest of them. */
export interface ReloadMarker {
  label: string;
  reloadId: string;
  /** reloads that started in the bucket */
  count: number;
  /** one of them failed (FAILED_STATUSES) */
  failed: boolean;
}

export interface ServiceCharts {
  /** "hour", "15 minutes": one bucket */
  bucketWords: string;
  buckets: ChartBucket[];
  markers: ReloadMarker[];
  /** reloads in the range */
  total: number;
}

interface Row {
  bucket: string | number;
  succeeded: number;
  failed: number;
  other: number;
  instance_failures: number;
  p50: number | null;
  p95: number | null;
  newest_reload_id: string;
}

export async function getServiceCharts(
  serviceId: number,
  range: Pick<ChartRange, "from" | "to">,
): Promise<ServiceCharts> {
  await requireReader();
  const plan = planBuckets(range.from, range.to);
  const end = new Date(plan.starts[plan.starts.length - 1]!.getTime() + plan.sizeMs);
  // The bucket as its index since the epoch (extract(epoch) is exact numeric), so SQL and
  // planBuckets agree on every boundary without a float or a time zone in between.
  const rows = await sql().query<Row[]>(
    `SELECT floor(extract(epoch FROM first_event_at) * 1000 / $2::bigint)::bigint AS bucket,
            count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE status = ANY($5::text[]))::int AS failed,
            count(*) FILTER (WHERE status <> 'succeeded' AND status <> ALL($5::text[]))::int AS other,
            coalesce(sum(instances_nacked + instances_failed), 0)::int AS instance_failures,
            (percentile_cont(0.5) WITHIN GROUP (ORDER BY convergence_ms) FILTER (WHERE convergence_ms IS NOT NULL))::float8 AS p50,
            (percentile_cont(0.95) WITHIN GROUP (ORDER BY convergence_ms) FILTER (WHERE convergence_ms IS NOT NULL))::float8 AS p95,
            (array_agg(reload_id ORDER BY first_event_at DESC, id DESC))[1] AS newest_reload_id
     FROM reload
     WHERE service_id = $1 AND first_event_at >= $3::timestamptz AND first_event_at < $4::timestamptz
     GROUP BY 1`,
    serviceId,
    plan.sizeMs,
    plan.starts[0]!.toISOString(),
    end.toISOString(),
    [...FAILED_STATUSES],
  );
  const byStart = new Map(rows.map((r) => [Number(r.bucket) * plan.sizeMs, r]));
  let total = 0;
  const markers: ReloadMarker[] = [];
  const buckets = fillBuckets(plan.starts, byStart, () => null as Row | null).map(({ start, value }) => {
    const label = planLabel(start, plan);
    const count = value ? value.succeeded + value.failed + value.other : 0;
    total += count;
    if (value && count > 0) markers.push({ label, reloadId: value.newest_reload_id, count, failed: value.failed > 0 });
    return {
      label,
      start: start.toISOString(),
      succeeded: value?.succeeded ?? 0,
      failed: value?.failed ?? 0,
      other: value?.other ?? 0,
      instanceFailures: value?.instance_failures ?? 0,
      p50Seconds: value?.p50 == null ? null : Math.round(value.p50) / 1000,
      p95Seconds: value?.p95 == null ? null : Math.round(value.p95) / 1000,
    };
  });
  return { bucketWords: plan.words, buckets, markers, total };
}
