import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import { liveSince } from "@/lib/domain/drift";
import { heardSinceSql } from "@/lib/domain/presence";
import { lastReloadsForCells, type CellReload } from "./cell-reloads";
import {
  buildMatrix,
  groupRows,
  summarizeFleetDrift,
  type DesiredRow,
  type MatrixGroup,
  type ServiceDriftSummary,
  type ServiceSummary,
} from "@/lib/domain/matrix";
import { FLEET_PAGE_SIZE, type FleetFilters } from "./filters";
import { driftPolicy, loadFleetDriftCandidates, loadPairGroups, type ServiceFilterSql } from "./pair-groups";

export interface FleetMatrix {
  groups: MatrixGroup[];
  kinds: string[];
  facets: { environments: string[]; namespaces: string[]; kinds: string[] };
  /** problems = failing + driftingResources: failed or NACKed instance × resource pairs, and drifting resources. */
  // failing and driftingResources are absent where no one counted them (the replay's past fleet).
  totals: {
    services: number;
    matching: number;
    drifting: number;
    instances: number;
    problems: number;
    failing?: number;
    driftingResources?: number;
  };
  page: number;
  pageCount: number;
  generatedAt: Date;
  /** Per compositeKey(serviceId, kind, resource) of the page's cells: the newest reload an instance state names (its link). */
  lastReloads: Record<string, CellReload>;
}

interface ServicePageRow {
  id: number;
  environment: string;
  namespace: string;
  name: string;
  last_event_at: Date;
  instance_count: number;
  matching: number;
  instances: number;
}

/**
 * One page of the matrix, bounded in SQL (docs/adr/0007, "Bounded pages").
 *
 * - The page's services come from SQL (ordered environment, namespace, name; LIMIT/OFFSET),
 *   and only those services' instance states are aggregated and their cells built.
 * - The totals (drifting services, problems) and the "drifting only" filter need every
 *   matching service's drift. They come from one fleet-wide read that groups instance
 *   states without building cells and returns only the resources that could drift or carry
 *   failures (loadFleetDriftCandidates); the same rule (summarizeFleetDrift →
 *   assessResourceDrift) decides them as decides the page's rows. That read still touches
 *   every instance state of the matching services once — the read model, never history — and
 *   is what a per-cell summary maintained by ingest would replace.
 * - An instance × resource silent for INSTANCE_STALE_SECONDS is gone: the drift rule decides
 *   that by its last report, for the rows and the totals alike.
 */
export async function getFleetMatrix(filters: FleetFilters, now = new Date()): Promise<FleetMatrix> {
  await requireReader();
  const q = sql();
  const policy = driftPolicy();
  const serviceFilter = serviceFilterSql(filters);

  const driftScan = loadFleetDriftCandidates(q, serviceFilter, filters.kind, now, policy).then(({ groups, desired }) =>
    summarizeFleetDrift(groups, desired, now, policy),
  );
  const onlyIdsScan =
    filters.drifting || filters.failing
      ? driftScan.then((summaries) =>
          [...summaries]
            .filter(([, s]) => (!filters.drifting || s.drifting) && (!filters.failing || s.failing > 0))
            .map(([id]) => id),
        )
      : Promise.resolve(null);
  // Without "drifting only" the page does not depend on drift: its services and their cells are
  // read while the fleet-wide drift scan (the slowest read) runs, not after it.
  const pageRead = onlyIdsScan.then(async (onlyIds) => {
    let page = filters.page;
    let rows = await loadServicePage(serviceFilter, filters.kind, onlyIds, page, now, policy.staleMs);
    if (rows.length === 0 && page > 1) {
      // Past the end (a stale link, or the fleet shrank): show the last page.
      const count = await countMatching(serviceFilter, filters.kind, onlyIds);
      page = Math.max(1, Math.ceil(count / FLEET_PAGE_SIZE));
      rows = await loadServicePage(serviceFilter, filters.kind, onlyIds, page, now, policy.staleMs);
    }
    const pageIds = rows.map((r) => r.id);
    const [aggregates, desired, lastReloads] = await Promise.all([
      loadPairGroups(q, pageIds, now, policy, filters.kind),
      pageIds.length
        ? q.query<{ service_id: number; kind: string; resource: string; version: string; set_at: Date }[]>(
            `SELECT service_id, kind, resource, version, set_at FROM desired_version
             WHERE service_id = ANY($1::int[]) AND ($2::text IS NULL OR kind = $2)`,
            pageIds,
            filters.kind ?? null,
          )
        : Promise.resolve([]),
      lastReloadsForCells(pageIds, filters.kind),
    ]);
    return { page, rows, aggregates, desired, lastReloads };
  });
  const [summaries, facets, onlyIds, { page, rows, aggregates, desired, lastReloads }] = await Promise.all([
    driftScan,
    getFacets(),
    onlyIdsScan,
    pageRead,
  ]);
  const driftingIds = driftingIdsOf(summaries);
  const matching = rows[0]?.matching ?? 0;

  const services: ServiceSummary[] = rows.map((s) => ({
    id: s.id,
    environment: s.environment,
    namespace: s.namespace,
    name: s.name,
    instanceCount: s.instance_count,
    lastEventAt: s.last_event_at,
  }));
  const desiredRows: DesiredRow[] = desired.map((d) => ({
    serviceId: d.service_id,
    kind: d.kind,
    resource: d.resource,
    version: d.version,
    setAt: d.set_at,
  }));
  const matrix = buildMatrix(services, aggregates, desiredRows, now, policy);

  // Problems over the matching services: with "drifting only" or "failing only", those shown.
  const shown = onlyIds ? new Set(onlyIds) : null;
  let problems = 0;
  let failing = 0;
  let driftingResources = 0;
  for (const [id, s] of summaries) {
    if (shown && !shown.has(id)) continue;
    problems += s.problems;
    failing += s.failing;
    driftingResources += s.driftingResources;
  }

  return {
    groups: groupRows(matrix.rows),
    // Only the kinds the shown rows have: a narrowed view gets no empty columns.
    kinds: matrix.kinds,
    facets,
    totals: {
      services: facets.serviceCount,
      matching,
      drifting: driftingIds.length,
      instances: rows[0]?.instances ?? 0,
      problems,
      failing,
      driftingResources,
    },
    page,
    pageCount: Math.max(1, Math.ceil(matching / FLEET_PAGE_SIZE)),
    generatedAt: now,
    lastReloads,
  };
}

function driftingIdsOf(summaries: Map<number, ServiceDriftSummary>): number[] {
  return [...summaries].filter(([, s]) => s.drifting).map(([id]) => id);
}

/** Postgres text cannot hold NUL; filters are stripped of it when parsed (lib/fleet/filters.ts). */
function serviceFilterSql(filters: FleetFilters): ServiceFilterSql | null {
  if (!filters.env && !filters.ns && !filters.q) return null;
  return {
    where: `($1::text IS NULL OR s.environment = $1) AND ($2::text IS NULL OR s.namespace = $2) AND ($3::text IS NULL OR s.name ILIKE $3)`,
    params: [filters.env ?? null, filters.ns ?? null, filters.q ? `%${filters.q.replace(/[\\%_]/g, "\\$&")}%` : null],
  };
}

function matchingSql(filter: ServiceFilterSql | null, kind: string | undefined, onlyIds: number[] | null) {
  const params = filter ? [...filter.params] : [];
  const kindParam = `$${params.push(kind ?? null)}`;
  const idsParam = `$${params.push(onlyIds)}`;
  return {
    params,
    text: `SELECT s.id, s.environment, s.namespace, s.name, s.last_event_at FROM service s
           WHERE ${filter ? filter.where : "true"}
             AND (${kindParam}::text IS NULL OR EXISTS (SELECT 1 FROM instance_state st WHERE st.service_id = s.id AND st.kind = ${kindParam}))
             AND (${idsParam}::int[] IS NULL OR s.id = ANY(${idsParam}::int[]))`,
  };
}

/** One page of matching services, with their live instance counts and the totals over all matching services. */
async function loadServicePage(
  filter: ServiceFilterSql | null,
  kind: string | undefined,
  onlyIds: number[] | null,
  page: number,
  now: Date,
  staleMs: number,
): Promise<ServicePageRow[]> {
  const matching = matchingSql(filter, kind, onlyIds);
  const params = [...matching.params];
  const cutoff = `$${params.push(liveSince(now, staleMs).toISOString())}::timestamptz`;
  const limit = `$${params.push(FLEET_PAGE_SIZE)}`;
  const offset = `$${params.push((page - 1) * FLEET_PAGE_SIZE)}`;
  // Instances count as live by their last-seen time, with the drift rule's cutoff.
  return sql().query<ServicePageRow[]>(
    `WITH matching AS (${matching.text}),
     live AS (
       SELECT i.service_id, count(*)::int AS n FROM instance i
       WHERE ${heardSinceSql("i.last_seen_at", cutoff)} AND i.service_id IN (SELECT id FROM matching)
       GROUP BY i.service_id
     )
     SELECT m.id, m.environment, m.namespace, m.name, m.last_event_at, coalesce(live.n, 0)::int AS instance_count,
            (count(*) OVER ())::int AS matching, (sum(coalesce(live.n, 0)) OVER ())::int AS instances
     FROM matching m LEFT JOIN live ON live.service_id = m.id
     ORDER BY m.environment, m.namespace, m.name, m.id
     LIMIT ${limit} OFFSET ${offset}`,
    ...params,
  );
}

async function countMatching(
  filter: ServiceFilterSql | null,
  kind: string | undefined,
  onlyIds: number[] | null,
): Promise<number> {
  const matching = matchingSql(filter, kind, onlyIds);
  const rows = await sql().query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM (${matching.text}) m`,
    ...matching.params,
  );
  return rows[0]?.n ?? 0;
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
