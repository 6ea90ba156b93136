import "server-only";
import { sql } from "@/lib/db/client";
import { buildMatrix, groupRows, type DesiredRow, type MatrixGroup, type ServiceSummary, type VersionAggregate } from "@/lib/domain/matrix";
import { env } from "@/lib/env";
import { FLEET_PAGE_SIZE, type FleetFilters } from "./filters";

export interface FleetMatrix {
  groups: MatrixGroup[];
  kinds: string[];
  facets: { environments: string[]; namespaces: string[]; kinds: string[] };
  totals: { services: number; matching: number; drifting: number; instances: number; problems: number };
  page: number;
  pageCount: number;
  generatedAt: Date;
}

/**
 * Instances silent for longer than INSTANCE_STALE_SECONDS are left out (a replaced pod must
 * not show as drift forever). The matrix reads only the instance-state read model (one row per instance × resource),
 * never the event history, so its cost follows the fleet's size, not how much it has logged.
 */
export async function getFleetMatrix(filters: FleetFilters, now = new Date()): Promise<FleetMatrix> {
  const q = sql();
  const liveSince = new Date(now.getTime() - env().INSTANCE_STALE_SECONDS * 1000).toISOString();
  const params = [filters.env ?? null, filters.ns ?? null, filters.q ? `%${filters.q.replace(/[\\%_]/g, "\\$&")}%` : null];
  // The aggregate is the matrix's one big statement: it joins service only when a filter
  // needs it, and takes an instance × resource as gone once it has not reported for
  // INSTANCE_STALE_SECONDS (its last_phase_at), which needs no join with instance.
  const byService = Boolean(filters.env || filters.ns || filters.q);
  const [kindParam, liveParam] = byService ? ["$4", "$5"] : ["$1", "$2"];
  const serviceWhere = `($1::text IS NULL OR s.environment = $1) AND ($2::text IS NULL OR s.namespace = $2)
                        AND ($3::text IS NULL OR s.name ILIKE $3)`;
  const [services, aggregates, desired, facets] = await Promise.all([
    q.query<{ id: number; environment: string; namespace: string; name: string; instance_count: number; last_event_at: Date }[]>(
      `SELECT s.id, s.environment, s.namespace, s.name, s.last_event_at, coalesce(live.n, 0)::int AS instance_count
       FROM service s
       LEFT JOIN (SELECT service_id, count(*) AS n FROM instance WHERE last_seen_at >= $5::timestamptz GROUP BY service_id) live
         ON live.service_id = s.id
       WHERE ${serviceWhere}
         AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM instance_state st WHERE st.service_id = s.id AND st.kind = $4))`,
      ...params,
      filters.kind ?? null,
      liveSince,
    ),
    q.query<
      { service_id: number; kind: string; resource: string; version: string | null; instances: number; newest_since: Date | null;
        last_event_at: Date; failed: number; nacked: number; in_progress: number; rolled_back: number }[]
    >(
      `SELECT st.service_id, st.kind, st.resource, st.version, count(*)::int AS instances,
              max(st.since) AS newest_since, max(st.last_phase_at) AS last_event_at,
              count(*) FILTER (WHERE st.outcome = 'failed')::int AS failed,
              count(*) FILTER (WHERE st.outcome = 'nacked')::int AS nacked,
              count(*) FILTER (WHERE st.outcome = 'in_progress')::int AS in_progress,
              count(*) FILTER (WHERE st.outcome = 'rolled_back')::int AS rolled_back
       FROM instance_state st
       ${byService ? `JOIN service s ON s.id = st.service_id AND ${serviceWhere}` : ""}
       WHERE (${kindParam}::text IS NULL OR st.kind = ${kindParam}) AND st.last_phase_at >= ${liveParam}::timestamptz
       GROUP BY st.service_id, st.kind, st.resource, st.version`,
      ...(byService ? params : []),
      filters.kind ?? null,
      liveSince,
    ),
    q.query<{ service_id: number; kind: string; resource: string; version: string; set_at: Date }[]>(
      `SELECT d.service_id, d.kind, d.resource, d.version, d.set_at
       FROM desired_version d JOIN service s ON s.id = d.service_id
       WHERE ${serviceWhere} AND ($4::text IS NULL OR d.kind = $4)`,
      ...params,
      filters.kind ?? null,
    ),
    getFacets(),
  ]);

  const summaries: ServiceSummary[] = services.map((s) => ({
    id: s.id,
    environment: s.environment,
    namespace: s.namespace,
    name: s.name,
    instanceCount: s.instance_count,
    lastEventAt: s.last_event_at,
  }));
  const versionAggregates: VersionAggregate[] = aggregates.map((a) => ({
    serviceId: a.service_id,
    kind: a.kind,
    resource: a.resource,
    version: a.version,
    instances: a.instances,
    newestSince: a.newest_since,
    lastEventAt: a.last_event_at,
    failed: a.failed,
    nacked: a.nacked,
    inProgress: a.in_progress,
    rolledBack: a.rolled_back,
  }));
  const desiredRows: DesiredRow[] = desired.map((d) => ({ serviceId: d.service_id, kind: d.kind, resource: d.resource, version: d.version, setAt: d.set_at }));

  const matrix = buildMatrix(summaries, versionAggregates, desiredRows, now, env().DRIFT_THRESHOLD_SECONDS * 1000);
  const matching = filters.drifting ? matrix.rows.filter((r) => r.drifting) : matrix.rows;
  const groupsAll = groupRows(matching);
  const ordered = groupsAll.flatMap((g) => g.rows);
  const pageCount = Math.max(1, Math.ceil(ordered.length / FLEET_PAGE_SIZE));
  const page = Math.min(filters.page, pageCount);
  const pageRows = ordered.slice((page - 1) * FLEET_PAGE_SIZE, page * FLEET_PAGE_SIZE);

  return {
    groups: groupRows(pageRows),
    // Only the kinds the shown rows have: a narrowed view gets no empty columns.
    kinds: matrix.kinds.filter((kind) => pageRows.some((row) => row.cells[kind])),
    facets,
    totals: {
      services: facets.serviceCount,
      matching: matching.length,
      drifting: matrix.rows.filter((r) => r.drifting).length,
      instances: matching.reduce((n, r) => n + r.service.instanceCount, 0),
      problems: matching.reduce((n, r) => n + r.problems, 0),
    },
    page,
    pageCount,
    generatedAt: now,
  };
}

async function getFacets() {
  // Kinds by a loose index scan (a handful of index probes), not a scan of every instance state.
  const rows = await sql().query<{ facet: string; value: string; n: number }[]>(
    `WITH RECURSIVE kinds AS (
       SELECT min(kind) AS kind FROM instance_state
       UNION ALL
       SELECT (SELECT min(kind) FROM instance_state WHERE kind > kinds.kind) FROM kinds WHERE kinds.kind IS NOT NULL
     )
     SELECT 'environment' AS facet, environment AS value, count(*)::int AS n FROM service GROUP BY environment
     UNION ALL SELECT 'namespace', namespace, count(*)::int FROM service WHERE namespace <> '' GROUP BY namespace
     UNION ALL SELECT 'kind', kind, 0 FROM kinds WHERE kind IS NOT NULL`,
  );
  const values = (facet: string) => [...new Set(rows.filter((r) => r.facet === facet).map((r) => r.value))].sort();
  const serviceCount = rows.filter((r) => r.facet === "environment").reduce((n, r) => n + r.n, 0);
  return { environments: values("environment"), namespaces: values("namespace"), kinds: values("kind"), serviceCount };
}
