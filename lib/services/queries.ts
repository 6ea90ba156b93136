import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { cache } from "react";
import { db, sql } from "@/lib/db/client";
import { behindRows, type BehindRow, type BehindSort } from "@/lib/domain/behind";
import { assessResourceDrift, isLive, liveSince, type DriftAssessment } from "@/lib/domain/drift";
import type { InstanceState } from "@/lib/domain/instance-state";
import { heardSinceSql } from "@/lib/domain/presence";
import type { ReloadStatus } from "@/lib/domain/types";
import { driftPolicy, loadPairGroups } from "@/lib/fleet/pair-groups";
import { stateFromRow, type StateRow } from "@/lib/ingest/state-rows";
import type { ReloadChange } from "@/lib/reloads/read-model";
import { INSTANCE_PAGE_SIZE } from "./params";

export interface ServiceHeader {
  id: number;
  environment: string;
  namespace: string;
  name: string;
  createdAt: Date;
  lastEventAt: Date;
}

export interface InstanceRow {
  id: number;
  instanceKey: string;
  labels: Record<string, string>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Not seen for longer than INSTANCE_STALE_SECONDS: shown, but gone. */
  stale: boolean;
  /** `${kind}/${resource}` → state */
  states: Record<string, InstanceResourceState>;
}

export interface InstanceResourceState extends InstanceState {
  offDesired: boolean;
  /** Heard from within INSTANCE_STALE_SECONDS: counted by the drift rule. */
  live: boolean;
}

export interface ResourceColumn {
  key: string;
  kind: string;
  resource: string;
  desired: string | null;
  drift: DriftAssessment;
}

export interface ReloadSummary extends ReloadChange {
  /** The opaque key of the reload (its page and the read API's `key`). */
  key: string;
  /** The client's reloadId. */
  reloadId: string;
  firstEventAt: Date;
  completedAt: Date | null;
  convergenceMs: number | null;
  /** M of "N of M". */
  instancesTargeted: number;
  instancesReporting: number;
  instancesSucceeded: number;
  instancesNacked: number;
  instancesFailed: number;
  instancesRolledBack: number;
  instancesInProgress: number;
  lastError: string | null;
}

export interface ServiceDetail {
  service: ServiceHeader;
  /** Every kind/resource the service's instances report, with drift over all its live pairs. */
  columns: ResourceColumn[];
  /** One page of instances, live ones first, then by service.instance.id (instance_key). */
  instances: InstanceRow[];
  instanceCounts: { total: number; live: number };
  page: number;
  pageCount: number;
  pageSize: number;
  reloads: ReloadSummary[];
  generatedAt: Date;
}

const HISTORY_LIMIT = 100;

/** The service itself; cached per request, so the layout's 404 check, the metadata and the page share one read. */
export const getServiceHeader = cache(async (serviceId: number): Promise<ServiceHeader | null> => {
  await requireReader();
  return db().service.findUnique({
    where: { id: serviceId },
    select: { id: true, environment: true, namespace: true, name: true, createdAt: true, lastEventAt: true },
  });
});

interface InstancePageRow {
  id: number;
  instance_key: string;
  labels: Record<string, string> | null;
  first_seen_at: Date;
  last_seen_at: Date;
}

/**
 * A service's page: its resources with drift over all their live pairs (SQL aggregates, the
 * same groups and rule as the matrix), and one page of its instances (INSTANCE_PAGE_SIZE,
 * live first) with their states. Nothing here loads every instance.
 */
export async function getServiceDetail(
  serviceId: number,
  options: { page?: number; now?: Date } = {},
): Promise<ServiceDetail | null> {
  await requireReader();
  const now = options.now ?? new Date();
  const service = await getServiceHeader(serviceId);
  if (!service) return null;
  const q = sql();
  const policy = driftPolicy();
  const cutoff = liveSince(now, policy.staleMs).toISOString();

  const requestedPage = Math.max(1, options.page ?? 1);
  const [counts, firstPage, groups, desired, reloads] = await Promise.all([
    q.query<{ total: number; live: number }[]>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE ${heardSinceSql("last_seen_at", "$2::timestamptz")})::int AS live FROM instance WHERE service_id = $1`,
      serviceId,
      cutoff,
    ),
    loadInstancePage(serviceId, requestedPage, cutoff),
    loadPairGroups(q, [serviceId], now, policy),
    db().desiredVersion.findMany({
      where: { serviceId },
      select: { kind: true, resource: true, version: true, setAt: true },
    }),
    db().reload.findMany({
      where: { serviceId },
      orderBy: [{ firstEventAt: "desc" }, { id: "desc" }],
      take: HISTORY_LIMIT,
      select: {
        id: true,
        reloadId: true,
        kind: true,
        resource: true,
        fromVersion: true,
        toVersion: true,
        initiator: true,
        status: true,
        firstEventAt: true,
        completedAt: true,
        convergenceMs: true,
        instancesTargeted: true,
        instancesReporting: true,
        instancesSucceeded: true,
        instancesNacked: true,
        instancesFailed: true,
        instancesRolledBack: true,
        instancesInProgress: true,
        lastError: true,
      },
    }),
  ]);

  const total = counts[0]?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / INSTANCE_PAGE_SIZE));
  // Past the last page (a stale link): show the last one.
  const page = Math.min(requestedPage, pageCount);
  const { instances, states } = page === requestedPage ? firstPage : await loadInstancePage(serviceId, page, cutoff);

  const desiredByKey = new Map(desired.map((d) => [`${d.kind}/${d.resource}`, d]));
  const groupsByKey = new Map<string, typeof groups>();
  for (const g of groups) {
    const key = `${g.kind}/${g.resource}`;
    const list = groupsByKey.get(key);
    if (list) list.push(g);
    else groupsByKey.set(key, [g]);
  }
  const columns: ResourceColumn[] = [...groupsByKey.keys()].sort().map((key) => {
    const cellGroups = groupsByKey.get(key)!;
    const d = desiredByKey.get(key) ?? null;
    return {
      key,
      kind: cellGroups[0]!.kind,
      resource: cellGroups[0]!.resource,
      desired: d?.version ?? null,
      drift: assessResourceDrift(cellGroups, d ? { version: d.version, setAt: d.setAt } : null, now, policy),
    };
  });

  const stateByInstance = new Map<number, Record<string, InstanceResourceState>>();
  for (const s of states) {
    const key = `${s.kind}/${s.resource}`;
    const wanted = desiredByKey.get(key)?.version ?? null;
    const record = stateByInstance.get(s.instance_id) ?? {};
    record[key] = {
      ...stateFromRow(s),
      offDesired: wanted !== null && s.version !== null && s.version !== wanted,
      live: isLive(s.last_phase_at, now, policy.staleMs),
    };
    stateByInstance.set(s.instance_id, record);
  }

  return {
    service,
    columns,
    instances: instances.map((i) => ({
      id: i.id,
      instanceKey: i.instance_key,
      labels: i.labels ?? {},
      firstSeenAt: i.first_seen_at,
      lastSeenAt: i.last_seen_at,
      stale: !isLive(i.last_seen_at, now, policy.staleMs),
      states: stateByInstance.get(i.id) ?? {},
    })),
    instanceCounts: { total, live: counts[0]?.live ?? 0 },
    page,
    pageCount,
    pageSize: INSTANCE_PAGE_SIZE,
    reloads: reloads.map((r) => ({
      key: r.id.toString(),
      reloadId: r.reloadId,
      kind: r.kind,
      resource: r.resource,
      fromVersion: r.fromVersion,
      toVersion: r.toVersion,
      initiator: r.initiator,
      status: r.status as ReloadStatus,
      firstEventAt: r.firstEventAt,
      completedAt: r.completedAt,
      convergenceMs: r.convergenceMs === null ? null : Number(r.convergenceMs),
      instancesTargeted: r.instancesTargeted,
      instancesReporting: r.instancesReporting,
      instancesSucceeded: r.instancesSucceeded,
      instancesNacked: r.instancesNacked,
      instancesFailed: r.instancesFailed,
      instancesRolledBack: r.instancesRolledBack,
      instancesInProgress: r.instancesInProgress,
      lastError: r.lastError,
    })),
    generatedAt: now,
  };
}

/** One page of instances (live first, then by service.instance.id (instance_key)) and their states, read side by side. */
async function loadInstancePage(serviceId: number, page: number, cutoff: string) {
  const q = sql();
  const pageSql = `SELECT id, instance_key, labels, first_seen_at, last_seen_at FROM instance WHERE service_id = $1
                   ORDER BY ${heardSinceSql("last_seen_at", "$2::timestamptz")} DESC, instance_key LIMIT $3 OFFSET $4`;
  const params = [serviceId, cutoff, INSTANCE_PAGE_SIZE, (page - 1) * INSTANCE_PAGE_SIZE];
  const [instances, states] = await Promise.all([
    q.query<InstancePageRow[]>(pageSql, ...params),
    q.query<StateRow[]>(
      `SELECT st.instance_id, st.kind, st.resource, st.version, st.since, st.last_phase, st.last_phase_at, st.outcome,
              st.last_error, st.last_reload_id, st.previous_version, st.changed_by_heartbeat
       FROM instance_state st WHERE st.instance_id IN (SELECT id FROM (${pageSql}) p)`,
      ...params,
    ),
  ]);
  return { instances, states };
}

/** More pairs than a page shows: the view says how many it left out. */
export const BEHIND_LIMIT = 500;

export interface BehindView {
  rows: BehindRow[];
  /** every live pair off its desired version, shown or not */
  total: number;
}

interface BehindRowSql {
  instance_key: string;
  kind: string;
  resource: string;
  version: string;
  desired: string;
  since: Date | null;
  desired_set_at: Date;
  last_report_at: Date;
  total: number;
}

/**
 * "Behind only": the service's live instance × resource pairs whose known version is not the
 * desired one, in the chosen order (lib/domain/behind.ts). Reads only the pairs that are off,
 * through the desired_version join, never the whole instance table; the longest behind are
 * kept when there are more than BEHIND_LIMIT.
 */
export async function getBehindPairs(serviceId: number, options: { sort: BehindSort; now: Date }): Promise<BehindView> {
  await requireReader();
  const cutoff = liveSince(options.now, driftPolicy().staleMs).toISOString();
  const rows = await sql().query<BehindRowSql[]>(
    `SELECT i.instance_key, st.kind, st.resource, st.version, d.version AS desired, st.since, d.set_at AS desired_set_at,
            st.last_phase_at AS last_report_at, count(*) OVER ()::int AS total
     FROM instance_state st
     JOIN desired_version d ON d.service_id = st.service_id AND d.kind = st.kind AND d.resource = st.resource
     JOIN instance i ON i.id = st.instance_id
     WHERE st.service_id = $1 AND st.version IS NOT NULL AND st.version <> d.version AND ${heardSinceSql("st.last_phase_at", "$2::timestamptz")}
     ORDER BY greatest(st.since, d.set_at), i.instance_key
     LIMIT $3`,
    serviceId,
    cutoff,
    BEHIND_LIMIT,
  );
  const pairs = rows.map((r) => ({
    instanceKey: r.instance_key,
    kind: r.kind,
    resource: r.resource,
    version: r.version,
    desired: r.desired,
    since: r.since,
    desiredSetAt: r.desired_set_at,
    lastReportAt: r.last_report_at,
  }));
  return { rows: behindRows(pairs, options.sort, options.now), total: rows[0]?.total ?? 0 };
}
