import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import {
  compareHealth,
  healthWindows,
  spanWindowOf,
  type HealthComparison,
  type HealthWindows,
  type SpanWindowsRow,
} from "@/lib/domain/health-window";
import { parseReloadKey } from "./filters";

// Before/after health of a reload ("how latency moved", DESIGN.md): p95 duration and error ratio of its
// service's spans in the window before it touched the fleet and the one after it finished,
// and the same per bucket for a small chart. Bounded by the service and by start_time, through
// span_service_id_start_time_idx; the reload's own spans (reload.id set) are the reload, not
// the traffic it may have moved, so they are left out, as the regression rule leaves them out.

export interface HealthBucket {
  /** the bucket's start, ISO */
  start: string;
  spans: number;
  p95Ms: number | null;
  /** 0–1; null without spans */
  errorRatio: number | null;
}

export interface ReloadHealth {
  windows: HealthWindows;
  comparison: HealthComparison;
  buckets: HealthBucket[];
  /** when the reload touched the fleet, and when it finished: the chart's markers */
  startedAt: Date;
  completedAt: Date | null;
}

/** The health of the reload's service around it; null for a key that names no reload. */
export async function getReloadHealth(keyText: string, now = new Date()): Promise<ReloadHealth | null> {
  await requireReader();
  const key = parseReloadKey(keyText);
  if (key === null) return null;
  const q = sql();
  const [reload] = await q.query<{ service_id: number; started_at: Date; completed_at: Date | null }[]>(
    `SELECT service_id, coalesce(dispatched_at, started_at, first_event_at) AS started_at, completed_at FROM reload WHERE id = $1::bigint`,
    key,
  );
  if (!reload) return null;
  const windows = healthWindows({ startedAt: reload.started_at, completedAt: reload.completed_at }, now);
  // With no after-window, an empty range (before.to → before.to) counts nothing.
  const after = windows.after ?? { from: windows.before.to, to: windows.before.to };
  const [row] = await q.query<SpanWindowsRow[]>(
    `SELECT count(*) FILTER (WHERE b)::int AS before_spans,
            (percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ns) FILTER (WHERE b) / 1e6)::float8 AS before_p95,
            count(*) FILTER (WHERE b AND status_code = 2)::int AS before_errors,
            count(*) FILTER (WHERE NOT b)::int AS after_spans,
            (percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ns) FILTER (WHERE NOT b) / 1e6)::float8 AS after_p95,
            count(*) FILTER (WHERE NOT b AND status_code = 2)::int AS after_errors
     FROM (
       SELECT s.duration_ns, s.status_code, s.start_time < $3::timestamptz AS b
       FROM span s
       WHERE s.service_id = $1 AND s.reload_id IS NULL
         AND ((s.start_time >= $2::timestamptz AND s.start_time < $3::timestamptz)
           OR (s.start_time >= $4::timestamptz AND s.start_time < $5::timestamptz))
     ) w`,
    reload.service_id,
    windows.before.from.toISOString(),
    windows.before.to.toISOString(),
    after.from.toISOString(),
    after.to.toISOString(),
  );
  const { chart } = windows;
  const buckets = await q.query<{ bucket: number; spans: number; p95: number | null; errors: number }[]>(
    `SELECT floor(extract(epoch FROM (s.start_time - $2::timestamptz)) * 1000 / $4)::int AS bucket, count(*)::int AS spans,
            (percentile_cont(0.95) WITHIN GROUP (ORDER BY s.duration_ns) / 1e6)::float8 AS p95,
            count(*) FILTER (WHERE s.status_code = 2)::int AS errors
     FROM span s
     WHERE s.service_id = $1 AND s.reload_id IS NULL AND s.start_time >= $2::timestamptz AND s.start_time < $3::timestamptz
     GROUP BY 1`,
    reload.service_id,
    chart.from.toISOString(),
    chart.to.toISOString(),
    chart.bucketMs,
  );
  const byIndex = new Map(buckets.map((b) => [b.bucket, b]));
  const count = Math.max(1, Math.ceil((chart.to.getTime() - chart.from.getTime()) / chart.bucketMs));
  const r: SpanWindowsRow = row ?? {
    before_spans: 0,
    before_p95: null,
    before_errors: 0,
    after_spans: 0,
    after_p95: null,
    after_errors: 0,
  };
  return {
    windows,
    comparison: compareHealth(spanWindowOf(r, "before"), windows.after ? spanWindowOf(r, "after") : null),
    buckets: Array.from({ length: count }, (_, i) => {
      const b = byIndex.get(i);
      return {
        start: new Date(chart.from.getTime() + i * chart.bucketMs).toISOString(),
        spans: b?.spans ?? 0,
        p95Ms: b?.p95 ?? null,
        errorRatio: b && b.spans > 0 ? b.errors / b.spans : null,
      };
    }),
    startedAt: reload.started_at,
    completedAt: reload.completed_at,
  };
}
