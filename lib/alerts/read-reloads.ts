import "server-only";
import type { Sql } from "@/lib/db/client";
import type { InstanceError } from "@/lib/domain/alerts/normalise-error";
import {
  AWAITING_TARGETS_STATUSES,
  failureRatioConditions,
  reloadFailureConditions,
  stormConditions,
  stuckConditions,
  alertReload,
  type AlertReload,
} from "@/lib/domain/alerts/reloads";
import type { RuleParams } from "@/lib/domain/alerts/rules";
import type { AlertCondition } from "@/lib/domain/alerts/types";
import { FAILURE_PHASES, FINAL_PHASES } from "@/lib/domain/phases";
import { reloadColumns, reloadFromRow, type ReloadRow } from "@/lib/domain/reload-row";
import { FAILED_STATUSES, OUTCOME_STATUSES } from "@/lib/domain/types";
import { loadServiceRefs, serviceOr } from "./services";

// Reads of the reload read model for the failure, stuck and storm rules. Every query is
// bounded by an index on `reload` (last_event_at, status, first_event_at) and a window, and
// the per-instance reads only touch the reloads those found.

const MIN = 60_000;

/** The reload row (reloadColumns) and whether a later reload of its resource exists, or succeeded. */
type ReloadSqlRow = ReloadRow & { superseded: boolean; superseded_by_success: boolean };

const COLUMNS = `${reloadColumns("r")},
  EXISTS (SELECT 1 FROM reload n WHERE n.service_id = r.service_id AND n.kind = r.kind AND n.resource = r.resource
          AND n.first_event_at > r.first_event_at) AS superseded,
  EXISTS (SELECT 1 FROM reload n WHERE n.service_id = r.service_id AND n.kind = r.kind AND n.resource = r.resource
          AND n.first_event_at > r.first_event_at AND n.status = 'succeeded') AS superseded_by_success`;

async function toAlertReloads(q: Sql, rows: ReloadSqlRow[]): Promise<AlertReload[]> {
  const services = await loadServiceRefs(
    q,
    rows.map((r) => r.service_id),
  );
  return rows.map((r) =>
    alertReload(reloadFromRow(r), serviceOr(services, r.service_id), {
      superseded: r.superseded,
      supersededBySuccess: r.superseded_by_success,
    }),
  );
}

export async function readFailureConditions(
  q: Sql,
  now: Date,
  params: RuleParams<"reload_failures">,
): Promise<AlertCondition[]> {
  const since = new Date(now.getTime() - params.lookbackMinutes * MIN).toISOString();
  const ratioSince = new Date(now.getTime() - params.ratioWindowMinutes * MIN).toISOString();
  const [failing, ratios] = await Promise.all([
    q.query<ReloadSqlRow[]>(
      `SELECT ${COLUMNS} FROM reload r
       WHERE r.last_event_at >= $1::timestamptz AND r.instances_nacked + r.instances_failed > 0 AND r.last_error_at >= $1::timestamptz`,
      since,
    ),
    // completed_at ≤ last_event_at, so the indexed bound keeps every reload finished in the window
    q.query<{ service_id: number; finished: number; failed: number }[]>(
      `SELECT service_id, count(*)::int AS finished,
              count(*) FILTER (WHERE status = ANY($5::text[]))::int AS failed
       FROM reload
       WHERE last_event_at >= $1::timestamptz AND completed_at >= $1::timestamptz AND completed_at <= $2::timestamptz
         AND status = ANY($4::text[])
       GROUP BY service_id HAVING count(*) >= $3`,
      ratioSince,
      now.toISOString(),
      params.ratioMinReloads,
      [...OUTCOME_STATUSES],
      [...FAILED_STATUSES],
    ),
  ]);
  const reloads = await toAlertReloads(q, failing);
  const errorsByReload = new Map<string, InstanceError[]>();
  if (reloads.length > 0) {
    const errors = await q.query<{ key: string; instance: string; error: string | null }[]>(
      `SELECT ri.reload_key::text AS key, i.instance_key AS instance, ri.error
       FROM reload_instance ri JOIN instance i ON i.id = ri.instance_id
       WHERE ri.reload_key = ANY($1::bigint[]) AND ri.phase = ANY($2::text[])
       -- The first instance to fail gives each group's example message; a fixed order keeps the
       -- alert's summary the same from one evaluation to the next.
       ORDER BY ri.phase_at, i.instance_key`,
      reloads.map((r) => r.key),
      [...FAILURE_PHASES],
    );
    for (const e of errors)
      errorsByReload.set(e.key, [...(errorsByReload.get(e.key) ?? []), { instance: e.instance, error: e.error }]);
  }
  const ratioServices = await loadServiceRefs(
    q,
    ratios.map((r) => r.service_id),
  );
  return [
    ...reloadFailureConditions(reloads, errorsByReload, now, params),
    ...failureRatioConditions(
      ratios.map((r) => ({ service: serviceOr(ratioServices, r.service_id), finished: r.finished, failed: r.failed })),
      params,
    ),
  ];
}

export async function readStuckConditions(
  q: Sql,
  now: Date,
  params: RuleParams<"reload_stuck">,
): Promise<AlertCondition[]> {
  const waitingSince = new Date(now.getTime() - params.ackWithinMinutes * MIN).toISOString();
  const expiredSince = new Date(now.getTime() - params.lookbackMinutes * MIN).toISOString();
  const rows = await q.query<ReloadSqlRow[]>(
    `SELECT ${COLUMNS} FROM reload r
     WHERE r.status = ANY($1::text[]) AND coalesce(r.dispatched_at, r.started_at) <= $2::timestamptz
     UNION ALL
     SELECT ${COLUMNS} FROM reload r
     WHERE r.status = 'expired' AND r.expired_at >= $3::timestamptz`,
    [...AWAITING_TARGETS_STATUSES],
    waitingSince,
    expiredSince,
  );
  const reloads = await toAlertReloads(q, rows);
  const silentByReload = new Map<string, string[]>();
  if (reloads.length > 0) {
    const silent = await q.query<{ key: string; instance: string }[]>(
      `SELECT ri.reload_key::text AS key, i.instance_key AS instance
       FROM reload_instance ri JOIN instance i ON i.id = ri.instance_id
       WHERE ri.reload_key = ANY($1::bigint[]) AND ri.targeted AND (ri.phase IS NULL OR ri.phase <> ALL($2::text[]))
       ORDER BY ri.reload_key, i.instance_key`,
      reloads.map((r) => r.key),
      [...FINAL_PHASES],
    );
    for (const s of silent) {
      const list = silentByReload.get(s.key) ?? [];
      if (list.length < 100) list.push(s.instance);
      silentByReload.set(s.key, list);
    }
  }
  return stuckConditions(reloads, silentByReload, now, params);
}

export async function readStormConditions(
  q: Sql,
  now: Date,
  params: RuleParams<"reload_storm">,
): Promise<AlertCondition[]> {
  const rows = await q.query<
    {
      service_id: number;
      kind: string;
      resource: string;
      reloads: number;
      recent: { key: string; reloadId: string; status: string; at: string }[];
    }[]
  >(
    `SELECT service_id, kind, resource, count(*)::int AS reloads,
            (array_agg(json_build_object('key', id::text, 'reloadId', reload_id, 'status', status, 'at', first_event_at) ORDER BY first_event_at DESC))[1:5] AS recent
     FROM reload
     WHERE first_event_at >= $1::timestamptz AND first_event_at <= $2::timestamptz
     GROUP BY service_id, kind, resource HAVING count(*) > $3`,
    new Date(now.getTime() - params.windowMinutes * MIN).toISOString(),
    now.toISOString(),
    params.maxReloads,
  );
  const services = await loadServiceRefs(
    q,
    rows.map((r) => r.service_id),
  );
  return stormConditions(
    rows.map((r) => ({
      service: serviceOr(services, r.service_id),
      kind: r.kind,
      resource: r.resource,
      reloads: r.reloads,
      recent: r.recent.map((x) => ({ key: x.key, reloadId: x.reloadId, status: x.status, at: new Date(x.at) })),
    })),
    params,
  );
}
