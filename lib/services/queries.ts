import "server-only";
import { cache } from "react";
import { db } from "@/lib/db/client";
import { assessDrift, type DriftAssessment } from "@/lib/domain/drift";
import type { Outcome, Phase, ReloadStatus } from "@/lib/domain/types";
import { env } from "@/lib/env";

export interface InstanceRow {
  id: number;
  instanceKey: string;
  labels: Record<string, string>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Silent for longer than INSTANCE_STALE_SECONDS: shown, but left out of drift. */
  stale: boolean;
  /** `${kind}/${resource}` → state */
  states: Record<string, InstanceResourceState>;
}

export interface InstanceResourceState {
  version: string | null;
  since: Date | null;
  lastPhase: Phase;
  lastPhaseAt: Date;
  outcome: Outcome;
  lastError: string | null;
  lastReloadId: string | null;
  offDesired: boolean;
}

export interface ResourceColumn {
  key: string;
  kind: string;
  resource: string;
  desired: string | null;
  drift: DriftAssessment;
}

export interface ReloadSummary {
  id: string;
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string | null;
  initiator: string | null;
  status: ReloadStatus;
  firstEventAt: Date;
  completedAt: Date | null;
  convergenceMs: number | null;
  instancesReporting: number;
  instancesSucceeded: number;
  instancesFailed: number;
  instancesInProgress: number;
  lastError: string | null;
}

export interface ServiceDetail {
  service: { id: number; environment: string; namespace: string; name: string; createdAt: Date; lastEventAt: Date };
  columns: ResourceColumn[];
  instances: InstanceRow[];
  reloads: ReloadSummary[];
  reloadsByDay: { day: string; succeeded: number; failed: number; other: number }[];
  generatedAt: Date;
}

const HISTORY_LIMIT = 100;
const CHART_DAYS = 14;

/** Cached per request: the page and its metadata share one read. */
export const getServiceDetail = cache(async (serviceId: number): Promise<ServiceDetail | null> => {
  const prisma = db();
  const now = new Date();
  const service = await prisma.service.findUnique({ where: { id: serviceId } });
  if (!service) return null;

  const [instances, states, desired, reloads, byDay] = await Promise.all([
    prisma.instance.findMany({ where: { serviceId }, orderBy: { instanceKey: "asc" } }),
    prisma.instanceState.findMany({ where: { serviceId } }),
    prisma.desiredVersion.findMany({ where: { serviceId } }),
    prisma.reload.findMany({ where: { serviceId }, orderBy: { firstEventAt: "desc" }, take: HISTORY_LIMIT }),
    prisma.$queryRawUnsafe<{ day: string; succeeded: number; failed: number; other: number }[]>(
      `SELECT to_char(date_trunc('day', first_event_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
              count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE status IN ('failed', 'partially_failed', 'rolled_back'))::int AS failed,
              count(*) FILTER (WHERE status NOT IN ('succeeded', 'failed', 'partially_failed', 'rolled_back'))::int AS other
       FROM reload WHERE service_id = $1 AND first_event_at >= $2::timestamptz
       GROUP BY 1 ORDER BY 1`,
      serviceId,
      new Date(now.getTime() - CHART_DAYS * 86_400_000).toISOString(),
    ),
  ]);

  const desiredByKey = new Map(desired.map((d) => [`${d.kind}/${d.resource}`, d]));
  const liveSince = now.getTime() - env().INSTANCE_STALE_SECONDS * 1000;
  const staleIds = new Set(instances.filter((i) => i.lastSeenAt.getTime() < liveSince).map((i) => i.id));
  const columnKeys = [...new Set(states.map((s) => `${s.kind}/${s.resource}`))].sort();
  const thresholdMs = env().DRIFT_THRESHOLD_SECONDS * 1000;
  const columns: ResourceColumn[] = columnKeys.map((key) => {
    const cellStates = states.filter((s) => `${s.kind}/${s.resource}` === key);
    const versions = new Map<string | null, { version: string | null; instances: number; newestSince: Date | null }>();
    for (const s of cellStates) {
      if (staleIds.has(s.instanceId)) continue;
      const v = versions.get(s.version) ?? { version: s.version, instances: 0, newestSince: null };
      v.instances++;
      if (s.since && (!v.newestSince || s.since > v.newestSince)) v.newestSince = s.since;
      versions.set(s.version, v);
    }
    const d = desiredByKey.get(key) ?? null;
    return {
      key,
      kind: cellStates[0]!.kind,
      resource: cellStates[0]!.resource,
      desired: d?.version ?? null,
      drift: assessDrift([...versions.values()], d ? { version: d.version, setAt: d.setAt } : null, now, thresholdMs),
    };
  });

  const stateByInstance = new Map<number, Record<string, InstanceResourceState>>();
  for (const s of states) {
    const key = `${s.kind}/${s.resource}`;
    const wanted = desiredByKey.get(key)?.version ?? null;
    const record = stateByInstance.get(s.instanceId) ?? {};
    record[key] = {
      version: s.version,
      since: s.since,
      lastPhase: s.lastPhase as Phase,
      lastPhaseAt: s.lastPhaseAt,
      outcome: s.outcome as Outcome,
      lastError: s.lastError,
      lastReloadId: s.lastReloadId,
      offDesired: wanted !== null && s.version !== null && s.version !== wanted,
    };
    stateByInstance.set(s.instanceId, record);
  }

  return {
    service: {
      id: service.id,
      environment: service.environment,
      namespace: service.namespace,
      name: service.name,
      createdAt: service.createdAt,
      lastEventAt: service.lastEventAt,
    },
    columns,
    instances: instances.map((i) => ({
      id: i.id,
      instanceKey: i.instanceKey,
      labels: (i.labels ?? {}) as Record<string, string>,
      firstSeenAt: i.firstSeenAt,
      lastSeenAt: i.lastSeenAt,
      stale: staleIds.has(i.id),
      states: stateByInstance.get(i.id) ?? {},
    })),
    reloads: reloads.map((r) => ({
      id: r.id,
      kind: r.kind,
      resource: r.resource,
      fromVersion: r.fromVersion,
      toVersion: r.toVersion,
      initiator: r.initiator,
      status: r.status as ReloadStatus,
      firstEventAt: r.firstEventAt,
      completedAt: r.completedAt,
      convergenceMs: r.convergenceMs,
      instancesReporting: r.instancesReporting,
      instancesSucceeded: r.instancesSucceeded,
      instancesFailed: r.instancesFailed,
      instancesInProgress: r.instancesInProgress,
      lastError: r.lastError,
    })),
    reloadsByDay: byDay,
    generatedAt: now,
  };
});
