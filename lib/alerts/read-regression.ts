import "server-only";
import type { Sql } from "@/lib/db/client";
import { regressionConditions } from "@/lib/domain/alerts/regression";
import type { RuleParams } from "@/lib/domain/alerts/rules";
import type { AlertCondition } from "@/lib/domain/alerts/types";
import { spanWindowOf, type SpanWindowsRow } from "@/lib/domain/health-window";
import { CONVERGED_STATUSES } from "@/lib/domain/types";
import { loadServiceRefs, serviceOr } from "./services";

const MIN = 60_000;
/** Reloads compared per pass, newest first: each costs two index range scans of `span`. */
const MAX_RELOADS = 200;

/**
 * For each reload that completed (succeeded or partially failed) within the lookback, the
 * service's spans in the window before it started and in the window after it completed
 * (up to now), through span's index on (service_id, start_time). The reload's own spans
 * (reload.id set) are left out: they are the reload, not the traffic it may have slowed.
 */
export async function readRegressionConditions(
  q: Sql,
  now: Date,
  params: RuleParams<"regression">,
): Promise<AlertCondition[]> {
  const windowMs = params.windowMinutes * MIN;
  const rows = await q.query<
    (SpanWindowsRow & {
      key: string;
      reload_id: string;
      service_id: number;
      kind: string;
      resource: string;
      to_version: string | null;
      completed_at: Date;
    })[]
  >(
    `WITH c AS (
       SELECT r.id, r.reload_id, r.service_id, r.kind, r.resource, r.to_version, coalesce(r.started_at, r.first_event_at) AS started_at, r.completed_at
       FROM reload r
       WHERE r.last_event_at >= $1::timestamptz AND r.completed_at >= $1::timestamptz AND r.completed_at <= $2::timestamptz
         AND r.status = ANY($5::text[])
       ORDER BY r.completed_at DESC LIMIT ${MAX_RELOADS}
     )
     SELECT c.id::text AS key, c.reload_id, c.service_id, c.kind, c.resource, c.to_version, c.completed_at,
            b.spans AS before_spans, b.p95 AS before_p95, b.errors AS before_errors,
            a.spans AS after_spans, a.p95 AS after_p95, a.errors AS after_errors
     FROM c
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS spans, (percentile_cont(0.95) WITHIN GROUP (ORDER BY s.duration_ns) / 1e6)::float8 AS p95,
              count(*) FILTER (WHERE s.status_code = 2)::int AS errors
       FROM span s WHERE s.service_id = c.service_id AND s.reload_id IS NULL
         AND s.start_time >= c.started_at - make_interval(secs => $3) AND s.start_time < c.started_at) b
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS spans, (percentile_cont(0.95) WITHIN GROUP (ORDER BY s.duration_ns) / 1e6)::float8 AS p95,
              count(*) FILTER (WHERE s.status_code = 2)::int AS errors
       FROM span s WHERE s.service_id = c.service_id AND s.reload_id IS NULL
         AND s.start_time >= c.completed_at AND s.start_time < least(c.completed_at + make_interval(secs => $3), $2::timestamptz)) a
     WHERE b.spans >= $4 AND a.spans >= $4`,
    new Date(now.getTime() - params.lookbackMinutes * MIN).toISOString(),
    now.toISOString(),
    windowMs / 1000,
    params.minSpans,
    [...CONVERGED_STATUSES],
  );
  const services = await loadServiceRefs(
    q,
    rows.map((r) => r.service_id),
  );
  return regressionConditions(
    rows.map((r) => ({
      reloadKey: r.key,
      reloadId: r.reload_id,
      service: serviceOr(services, r.service_id),
      kind: r.kind,
      resource: r.resource,
      toVersion: r.to_version,
      completedAt: r.completed_at,
      before: spanWindowOf(r, "before"),
      after: spanWindowOf(r, "after"),
    })),
    params,
  );
}
