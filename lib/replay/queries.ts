import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql, type Sql } from "@/lib/db/client";
import { column, sqlParams } from "@/lib/db/sql-params";
import { isLive } from "@/lib/domain/presence";
import { compositeKey } from "@/lib/domain/keys";
import { buildMatrix, groupRows, type DesiredRow, type ServiceSummary } from "@/lib/domain/matrix";
import { CONTROL_PHASES } from "@/lib/domain/phases";
import { DESIRED_CANDIDATES } from "@/lib/domain/desired-version";
import {
  desiredVersionAt,
  groupPairStates,
  outcomeAt,
  replayStates,
  type PairState,
  type ReloadAtRow,
} from "@/lib/domain/replay";
import { reloadColumns, reloadFromRow, type ReloadRow } from "@/lib/domain/reload-row";
import type { Phase } from "@/lib/domain/types";
import { env } from "@/lib/env";
import { serviceLabel } from "@/lib/format";
import { FLEET_PAGE_SIZE } from "@/lib/fleet/filters";
import type { FleetMatrix } from "@/lib/fleet/queries";
import { driftPolicy } from "@/lib/fleet/pair-groups";
import {
  historyStart,
  newestSnapshotAtOrBefore,
  readPairEvents,
  readSnapshotRows,
  type SnapshotHeader,
} from "./history";
import type { ReplayFrame } from "./wire";

// The fleet at an instant (docs/adr/0010): the newest snapshot at or before T, plus the
// events after it up to T, folded pair by pair with the function ingest folds with; then the
// matrix is built by the live matrix's own buildMatrix and drift rule, judged at T. Bounded
// like the live matrix: one page of services (100), whose snapshot rows and events are read
// by primary key and by (service_id, occurred_at) within the snapshot..T range.

const CONTROL = [...CONTROL_PHASES];

export async function getFleetAt(at: Date, page: number, now = new Date()): Promise<ReplayFrame> {
  await requireReader();
  const q = sql();
  const policy = driftPolicy();
  const snapshot = await newestSnapshotAtOrBefore(q, at);
  const from = snapshot?.at ?? historyStart(now, env().RETENTION_DAYS);

  // Services at T: the snapshot's, and any other service with an instance event after it.
  const newcomers = await q.query<{ id: number }[]>(
    `SELECT s.id FROM service s
     WHERE s.id <> ALL($1::int[]) AND EXISTS (
       SELECT 1 FROM reload_event e
       WHERE e.service_id = s.id AND e.occurred_at > $2::timestamptz AND e.occurred_at <= $3::timestamptz
         AND e.instance_id IS NOT NULL AND e.phase <> ALL($4::text[]))`,
    snapshot?.serviceIds ?? [],
    from.toISOString(),
    at.toISOString(),
    CONTROL,
  );
  const serviceIds = [...(snapshot?.serviceIds ?? []), ...newcomers.map((r) => r.id)];
  const pageCount = Math.max(1, Math.ceil(serviceIds.length / FLEET_PAGE_SIZE));
  const shownPage = Math.min(page, pageCount);
  const services = await q.query<{ id: number; environment: string; namespace: string; name: string }[]>(
    `SELECT id, environment, namespace, name FROM service WHERE id = ANY($1::int[])
     ORDER BY environment, namespace, name, id LIMIT $2 OFFSET $3`,
    serviceIds,
    FLEET_PAGE_SIZE,
    (shownPage - 1) * FLEET_PAGE_SIZE,
  );
  const pageIds = services.map((s) => s.id);

  const { states, reloadsByCell, eventsFolded } = await statesAt(q, snapshot, from, at, pageIds);

  const desired: DesiredRow[] = [];
  for (const [key, reloads] of reloadsByCell) {
    const wanted = desiredVersionAt(reloads, at);
    if (!wanted) continue;
    const [serviceId, kind, resource] = key.split("\u0000");
    desired.push({
      serviceId: Number(serviceId),
      kind: kind!,
      resource: resource!,
      version: wanted.version,
      setAt: wanted.setAt,
    });
  }

  const summaries: ServiceSummary[] = services.map((s) => {
    const own = states.filter((st) => st.serviceId === s.id);
    const liveInstances = new Set(
      own.filter((st) => isLive(st.lastPhaseAt, at, policy.staleMs)).map((st) => st.instanceId),
    );
    const last = own.reduce((t, st) => Math.max(t, st.lastPhaseAt.getTime()), 0);
    return { ...s, instanceCount: liveInstances.size, lastEventAt: new Date(last || at.getTime()) };
  });
  const matrix = buildMatrix(summaries, groupPairStates(states, at, policy.staleMs), desired, at, policy);

  return {
    at,
    matrix: {
      groups: groupRows(matrix.rows),
      kinds: matrix.kinds,
      facets: { environments: [], namespaces: [], kinds: [] },
      // Drift and problems over this page: a fleet-wide replay would fold every service.
      totals: {
        services: serviceIds.length,
        matching: serviceIds.length,
        drifting: matrix.rows.filter((r) => r.drifting).length,
        instances: summaries.reduce((n, s) => n + s.instanceCount, 0),
        problems: matrix.rows.reduce((n, r) => n + r.problems, 0),
        ...problemSplit(matrix.rows),
      },
      page: shownPage,
      pageCount,
      generatedAt: at,
      lastReloads: lastReloadsAt(states, reloadsByCell),
    },
    basis: { snapshotAt: snapshot?.at ?? null, historyFrom: snapshot ? null : from, eventsFolded },
  };
}

/** The problems split as the live fleet splits them: failed or NACKed pairs, and drifting resources. */
function problemSplit(
  rows: { cells: Record<string, { failed: number; nacked: number; drift: { drifting: boolean } }[]> }[],
) {
  let failing = 0;
  let driftingResources = 0;
  for (const row of rows) {
    for (const cells of Object.values(row.cells)) {
      for (const cell of cells) {
        failing += cell.failed + cell.nacked;
        if (cell.drift.drifting) driftingResources++;
      }
    }
  }
  return { failing, driftingResources };
}

/**
 * The instance states of some services at `at`: the snapshot's rows plus the events after it
 * folded (replayStates), then "reloading" ended where the reload had ended by `at` (outcomeAt).
 */
async function statesAt(q: Sql, snapshot: SnapshotHeader | null, from: Date, at: Date, serviceIds: number[] | null) {
  if (serviceIds && serviceIds.length === 0)
    return { states: [] as PairState[], reloadsByCell: new Map<string, ReloadAtRow[]>(), eventsFolded: 0 };
  const [base, events] = await Promise.all([
    snapshot ? readSnapshotRows(q, snapshot.id, serviceIds) : Promise.resolve([]),
    readPairEvents(q, from, at, serviceIds),
  ]);
  const replayed = [...replayStates(base, events).values()];
  const reloadsByCell = await loadCellReloads(q, replayed, at);
  const states: PairState[] = replayed.map((s) => {
    const settled = outcomeAt(s, reloadsByCell.get(compositeKey(s.serviceId, s.kind, s.resource)) ?? [], at);
    return settled.outcome === s.outcome ? s : { ...s, ...settled };
  });
  return { states, reloadsByCell, eventsFolded: events.length };
}

/** Every instance state at `at` and how it was reached (tests compare it with the live read model). */
export async function getStatesAt(
  at: Date,
  now = new Date(),
): Promise<{ states: PairState[]; snapshotAt: Date | null; eventsFolded: number }> {
  await requireReader();
  const q = sql();
  const snapshot = await newestSnapshotAtOrBefore(q, at);
  const from = snapshot?.at ?? historyStart(now, env().RETENTION_DAYS);
  const { states, eventsFolded } = await statesAt(q, snapshot, from, at, null);
  return { states, snapshotAt: snapshot?.at ?? null, eventsFolded };
}

/** Per cell, the newest reload its instances' states name at T: the link the live matrix gives its cells. */
function lastReloadsAt(states: PairState[], reloadsByCell: Map<string, ReloadAtRow[]>): FleetMatrix["lastReloads"] {
  const named = new Map<string, Set<string>>();
  for (const s of states) {
    if (!s.lastReloadId) continue;
    const key = compositeKey(s.serviceId, s.kind, s.resource);
    (named.get(key) ?? named.set(key, new Set()).get(key)!).add(s.lastReloadId);
  }
  const result: FleetMatrix["lastReloads"] = {};
  for (const [key, ids] of named) {
    const newest = (reloadsByCell.get(key) ?? [])
      .filter((r) => ids.has(r.reloadId))
      .sort((a, b) => b.facts.firstEventAt.getTime() - a.facts.firstEventAt.getTime())[0];
    if (newest) result[key] = { key: newest.key, reloadId: newest.reloadId };
  }
  return result;
}

/** Per service × kind × resource of the replayed states, its newest reloads heard of by T. */
async function loadCellReloads(q: Sql, states: PairState[], at: Date): Promise<Map<string, ReloadAtRow[]>> {
  const cells = new Map<string, { serviceId: number; kind: string; resource: string }>();
  for (const s of states) cells.set(compositeKey(s.serviceId, s.kind, s.resource), s);
  if (cells.size === 0) return new Map();
  const list = [...cells.values()];
  // The reloads the desired version at T is chosen from (DESIRED_CANDIDATES, as ingest's fallback).
  const p = sqlParams();
  const c = p.unnest({
    service_id: column.int(list.map((c) => c.serviceId)),
    kind: column.text(list.map((c) => c.kind)),
    resource: column.text(list.map((c) => c.resource)),
  });
  const heardBy = p.value(at.toISOString(), "timestamptz");
  const rows = await q.query<ReloadRow[]>(
    `SELECT r.* FROM ${c.as("c")}
     CROSS JOIN LATERAL (
       SELECT ${reloadColumns("x")} FROM reload x
       WHERE x.service_id = c.service_id AND x.kind = c.kind AND x.resource = c.resource
         AND x.first_event_at <= ${heardBy}
       ORDER BY x.first_event_at DESC, x.id DESC LIMIT ${DESIRED_CANDIDATES}
     ) r`,
    ...p.values,
  );
  const byCell = new Map<string, ReloadAtRow[]>();
  for (const row of rows) {
    const reload = reloadFromRow(row);
    const key = compositeKey(row.service_id, row.kind, row.resource);
    const entry: ReloadAtRow = {
      key: reload.key,
      serviceId: reload.serviceId,
      reloadId: reload.reloadId,
      status: reload.status,
      completedAt: reload.stored.completedAt,
      facts: reload.facts,
    };
    const existing = byCell.get(key);
    if (existing) existing.push(entry);
    else byCell.set(key, [entry]);
  }
  return byCell;
}

// ── The playback window ──────────────────────────────────────────────────────────────

export interface ReplayReload {
  key: string;
  reloadId: string;
  service: string;
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string | null;
  status: string;
  firstEventAt: Date;
  /** when it touched the fleet: its dispatch, else its start */
  startedAt: Date | null;
  lastEventAt: Date;
}

export async function getReplayReload(key: string): Promise<ReplayReload | null> {
  await requireReader();
  const rows = await sql().query<(ReplayReload & { environment: string; namespace: string })[]>(
    `SELECT r.id::text AS key, r.reload_id AS "reloadId", s.environment, s.namespace, s.name AS service, r.kind, r.resource,
            r.from_version AS "fromVersion", r.to_version AS "toVersion", r.status, r.first_event_at AS "firstEventAt",
            coalesce(r.dispatched_at, r.started_at) AS "startedAt", r.last_event_at AS "lastEventAt"
     FROM reload r JOIN service s ON s.id = r.service_id WHERE r.id = $1::bigint`,
    key,
  );
  const r = rows[0];
  return r
    ? { ...r, service: serviceLabel({ environment: r.environment, namespace: r.namespace, name: r.service }) }
    : null;
}

/** The latest reloads, to pick one to replay. */
export async function getRecentReloads(limit = 25): Promise<ReplayReload[]> {
  await requireReader();
  const rows = await sql().query<(ReplayReload & { environment: string; namespace: string })[]>(
    `SELECT r.id::text AS key, r.reload_id AS "reloadId", s.environment, s.namespace, s.name AS service, r.kind, r.resource,
            r.from_version AS "fromVersion", r.to_version AS "toVersion", r.status, r.first_event_at AS "firstEventAt",
            coalesce(r.dispatched_at, r.started_at) AS "startedAt", r.last_event_at AS "lastEventAt"
     FROM reload r JOIN service s ON s.id = r.service_id
     ORDER BY r.first_event_at DESC, r.id DESC LIMIT $1`,
    limit,
  );
  return rows.map((r) => ({
    ...r,
    service: serviceLabel({ environment: r.environment, namespace: r.namespace, name: r.service }),
  }));
}

export interface ReplayEvent {
  id: string;
  occurredAt: Date;
  phase: Phase;
  service: string;
  instance: string | null;
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string | null;
  error: string | null;
  reloadId: string | null;
}

/** Events listed beside the matrix; heartbeats are left out (they rarely change a cell and would drown the rest). */
export const REPLAY_EVENT_LIMIT = 500;

/** The window's events in the order they are folded; a reload's window lists that reload's events only. */
export async function getReplayEvents(
  window: { from: Date; to: Date },
  reload: { reloadId: string; key: string } | null,
): Promise<{ events: ReplayEvent[]; truncated: boolean }> {
  await requireReader();
  const params: unknown[] = [window.from.toISOString(), window.to.toISOString(), REPLAY_EVENT_LIMIT + 1];
  const reloadFilter = reload
    ? `AND e.reload_id = $${params.push(reload.reloadId)} AND e.service_id = (SELECT service_id FROM reload WHERE id = $${params.push(reload.key)}::bigint)`
    : `AND e.phase <> 'heartbeat'`;
  const rows = await sql().query<
    {
      id: string;
      occurred_at: Date;
      phase: Phase;
      environment: string;
      namespace: string;
      name: string;
      instance_key: string | null;
      kind: string;
      resource: string;
      from_version: string | null;
      to_version: string | null;
      error: string | null;
      reload_id: string | null;
    }[]
  >(
    `SELECT e.id, e.occurred_at, e.phase, s.environment, s.namespace, s.name, i.instance_key, e.kind, e.resource,
            e.from_version, e.to_version, e.error, e.reload_id
     FROM reload_event e JOIN service s ON s.id = e.service_id LEFT JOIN instance i ON i.id = e.instance_id
     WHERE e.occurred_at >= $1::timestamptz AND e.occurred_at <= $2::timestamptz ${reloadFilter}
     ORDER BY e.occurred_at, e.received_at, e.id COLLATE "C" LIMIT $3`,
    ...params,
  );
  return {
    truncated: rows.length > REPLAY_EVENT_LIMIT,
    events: rows.slice(0, REPLAY_EVENT_LIMIT).map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at,
      phase: r.phase,
      service: serviceLabel(r),
      instance: r.instance_key,
      kind: r.kind,
      resource: r.resource,
      fromVersion: r.from_version,
      toVersion: r.to_version,
      error: r.error,
      reloadId: r.reload_id,
    })),
  };
}
