import "server-only";
import type { Sql } from "@/lib/db/client";
import { liveSince, type DriftPolicy } from "@/lib/domain/drift";
import { heardSinceSql } from "@/lib/domain/presence";
import { compositeKey } from "@/lib/domain/keys";
import type { VersionAggregate } from "@/lib/domain/matrix";
import { env } from "@/lib/env";

// The one SQL shape both the matrix and the service page hand to the drift rule: instance
// states grouped per service × kind × resource × version, and split at the live cutoff, so
// that assessResourceDrift can tell live groups from stale ones by their newest report
// (lib/domain/drift.ts, PairGroup). A second copy of this grouping is how the two pages came
// to disagree; keep it here.

export function driftPolicy(): DriftPolicy {
  return { thresholdMs: env().DRIFT_THRESHOLD_SECONDS * 1000, staleMs: env().INSTANCE_STALE_SECONDS * 1000 };
}

interface PairGroupRow {
  service_id: number;
  kind: string;
  resource: string;
  version: string | null;
  instances: number;
  newest_since: Date | null;
  last_report_at: Date;
  failed: number;
  nacked: number;
  in_progress: number;
  rolled_back: number;
}

const GROUP_BY = (cutoff: string) =>
  `GROUP BY st.service_id, st.kind, st.resource, st.version, ${heardSinceSql("st.last_phase_at", `${cutoff}::timestamptz`)}`;
const GROUP_COLUMNS = `st.service_id, st.kind, st.resource, st.version, count(*)::int AS instances,
       max(st.since) AS newest_since, max(st.last_phase_at) AS last_report_at,
       count(*) FILTER (WHERE st.outcome = 'failed')::int AS failed,
       count(*) FILTER (WHERE st.outcome = 'nacked')::int AS nacked`;

function toAggregate(r: PairGroupRow): VersionAggregate {
  return {
    serviceId: r.service_id,
    kind: r.kind,
    resource: r.resource,
    version: r.version,
    instances: r.instances,
    newestSince: r.newest_since,
    lastReportAt: r.last_report_at,
    failed: r.failed,
    nacked: r.nacked,
    inProgress: r.in_progress,
    rolledBack: r.rolled_back,
  };
}

/** Every group of the given services (one index range per service), optionally of one kind. */
export async function loadPairGroups(
  q: Sql,
  serviceIds: number[],
  now: Date,
  policy: DriftPolicy,
  kind?: string,
): Promise<VersionAggregate[]> {
  if (serviceIds.length === 0) return [];
  const rows = await q.query<PairGroupRow[]>(
    `SELECT ${GROUP_COLUMNS},
            count(*) FILTER (WHERE st.outcome = 'in_progress')::int AS in_progress,
            count(*) FILTER (WHERE st.outcome = 'rolled_back')::int AS rolled_back
     FROM instance_state st
     WHERE st.service_id = ANY($1::int[]) AND ($3::text IS NULL OR st.kind = $3)
     ${GROUP_BY("$2")}`,
    serviceIds,
    liveSince(now, policy.staleMs).toISOString(),
    kind ?? null,
  );
  return rows.map(toAggregate);
}

export interface ServiceFilterSql {
  /** A condition on `service s`, with its parameters numbered from $1. */
  where: string;
  params: unknown[];
}

/**
 * The groups the fleet's totals need, over every service the filter matches: all groups of
 * the resources that could drift (couldDrift's test, done in SQL so the fleet-wide read
 * returns a few rows, not one per resource), and the groups holding failed or NACKed pairs.
 * Each row carries its resource's desired version. The drift decision itself stays with
 * summarizeFleetDrift → assessResourceDrift; tests/integration/pages-drift-agreement.test.ts
 * checks this shortcut against the rule applied to raw pairs.
 */
export async function loadFleetDriftCandidates(
  q: Sql,
  filter: ServiceFilterSql | null,
  kind: string | undefined,
  now: Date,
  policy: DriftPolicy,
): Promise<{
  groups: VersionAggregate[];
  desired: { serviceId: number; kind: string; resource: string; version: string; setAt: Date }[];
}> {
  const params = filter ? [...filter.params] : [];
  const kindParam = `$${params.push(kind ?? null)}`;
  const cutoff = `$${params.push(liveSince(now, policy.staleMs).toISOString())}`;
  const rows = await q.query<(PairGroupRow & { desired_version: string | null; desired_set_at: Date | null })[]>(
    `WITH g AS (
       SELECT ${GROUP_COLUMNS}
       FROM instance_state st
       ${filter ? `JOIN service s ON s.id = st.service_id AND ${filter.where}` : ""}
       WHERE (${kindParam}::text IS NULL OR st.kind = ${kindParam})
       ${GROUP_BY(cutoff)}
     ), live AS (
       SELECT g.*, ${heardSinceSql("g.last_report_at", `${cutoff}::timestamptz`)} AS live FROM g
     ), cell AS (
       -- hash aggregates and joins only: sorting 10^4 text keys for a window cost more than the scan
       SELECT l.service_id, l.kind, l.resource, min(d.version) AS desired_version, min(d.set_at) AS desired_set_at,
              (min(l.version) FILTER (WHERE l.live)) IS DISTINCT FROM (max(l.version) FILTER (WHERE l.live))
                OR coalesce(bool_or(l.live AND l.version <> d.version), false) AS could_drift
       FROM live l LEFT JOIN desired_version d ON d.service_id = l.service_id AND d.kind = l.kind AND d.resource = l.resource
       GROUP BY l.service_id, l.kind, l.resource
     )
     SELECT g.service_id, g.kind, g.resource, g.version, g.instances, g.newest_since, g.last_report_at, g.failed, g.nacked,
            0 AS in_progress, 0 AS rolled_back, cell.desired_version, cell.desired_set_at
     FROM g JOIN cell ON cell.service_id = g.service_id AND cell.kind = g.kind AND cell.resource = g.resource
     WHERE cell.could_drift OR g.failed + g.nacked > 0`,
    ...params,
  );
  const desired = new Map<
    string,
    { serviceId: number; kind: string; resource: string; version: string; setAt: Date }
  >();
  for (const r of rows) {
    if (r.desired_version === null || r.desired_set_at === null) continue;
    desired.set(compositeKey(r.service_id, r.kind, r.resource), {
      serviceId: r.service_id,
      kind: r.kind,
      resource: r.resource,
      version: r.desired_version,
      setAt: r.desired_set_at,
    });
  }
  return { groups: rows.map(toAggregate), desired: [...desired.values()] };
}
