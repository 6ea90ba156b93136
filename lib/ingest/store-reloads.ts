import "server-only";
import { compositeKey, inLockOrder } from "@/lib/domain/keys";
import { foldReloadFacts } from "@/lib/domain/reload-status";
import { affectsInstanceState } from "@/lib/domain/instance-state";
import { heardSinceSql, liveCutoffSql } from "@/lib/domain/presence";
import { reloadColumns, reloadFromRow, type ReloadRecord, type ReloadRow } from "@/lib/domain/reload-row";
import type { ReloadEventInput } from "@/lib/domain/types";
import { derive, writeReloads } from "./reload-rows";
import { column, sqlParams } from "@/lib/db/sql-params";
import { iso, type Tx } from "./sql";
import type { Entities } from "./store-entities";
import { updateDesiredVersions } from "./store-desired";
import { updateReloadInstances } from "./store-reload-instances";

// Reloads touched by a batch: locked (or created) in (service, reloadId) order, their facts
// folded, targets and per-instance phases updated, status derived, desired versions moved.

export interface ReloadSettings {
  now: Date;
  timeoutMs: number;
  staleMs: number;
}

const reloadKeyOf = (serviceId: number, reloadId: string) => compositeKey(serviceId, reloadId);

/**
 * Events that disagree with their reload on kind, resource or toVersion (with what is stored,
 * or with an earlier event of the batch): their positions and reasons. Checked before any
 * row is written, so a refused event leaves nothing behind.
 */
export async function findDisagreements(tx: Tx, events: ReloadEventInput[]): Promise<Map<number, string>> {
  const withReload = events.filter((e) => e.reloadId !== null);
  if (withReload.length === 0) return new Map();
  const keyOf = (e: { environment: string; namespace: string; service: string; reloadId: string | null }) =>
    compositeKey(e.environment, e.namespace, e.service, e.reloadId ?? "");
  const keys = [...new Map(withReload.map((e) => [keyOf(e), e])).values()];
  const q = sqlParams();
  const k = q.unnest({
    environment: column.text(keys.map((e) => e.environment)),
    namespace: column.text(keys.map((e) => e.namespace)),
    name: column.text(keys.map((e) => e.service)),
    reload_id: column.text(keys.map((e) => e.reloadId)),
  });
  const stored = await tx.query<
    {
      environment: string;
      namespace: string;
      name: string;
      reload_id: string;
      kind: string;
      resource: string;
      to_version: string | null;
    }[]
  >(
    `SELECT s.environment, s.namespace, s.name, r.reload_id, r.kind, r.resource, r.to_version
     FROM ${k.as("k")}
     JOIN service s USING (environment, namespace, name)
     JOIN reload r ON r.service_id = s.id AND r.reload_id = k.reload_id`,
    ...q.values,
  );
  const identity = new Map<string, { kind: string; resource: string; toVersion: string | null }>();
  for (const r of stored) {
    identity.set(
      keyOf({ environment: r.environment, namespace: r.namespace, service: r.name, reloadId: r.reload_id }),
      {
        kind: r.kind,
        resource: r.resource,
        toVersion: r.to_version,
      },
    );
  }
  const problems = new Map<number, string>();
  events.forEach((e, position) => {
    if (e.reloadId === null) return;
    const key = keyOf(e);
    const known = identity.get(key);
    if (!known) {
      identity.set(key, { kind: e.kind, resource: e.resource, toVersion: e.toVersion });
      return;
    }
    const of = `reload ${e.reloadId} of this service`;
    if (known.kind !== e.kind) problems.set(position, `kind: ${of} is of kind ${known.kind}, not ${e.kind}`);
    else if (known.resource !== e.resource)
      problems.set(position, `resource: ${of} reloads ${known.resource}, not ${e.resource}`);
    else if (known.toVersion !== null && e.toVersion !== null && known.toVersion !== e.toVersion) {
      problems.set(position, `toVersion: ${of} moves to ${known.toVersion}, not ${e.toVersion}`);
    } else if (known.toVersion === null && e.toVersion !== null) known.toVersion = e.toVersion;
  });
  return problems;
}

export async function updateReloads(
  tx: Tx,
  accepted: ReloadEventInput[],
  entities: Entities,
  settings: ReloadSettings,
): Promise<void> {
  const byReload = new Map<string, { serviceId: number; reloadId: string; events: ReloadEventInput[] }>();
  for (const e of accepted) {
    if (e.reloadId === null) continue;
    const serviceId = entities.serviceOf(e);
    const key = reloadKeyOf(serviceId, e.reloadId);
    const group = byReload.get(key) ?? { serviceId, reloadId: e.reloadId, events: [] };
    group.events.push(e);
    byReload.set(key, group);
  }
  // Implicitly scoped reloads that instances of this batch were live for when they started.
  const lateTargets = await findLateTargets(tx, accepted, entities, settings.staleMs);
  for (const t of lateTargets) {
    const key = reloadKeyOf(t.serviceId, t.reloadId);
    if (!byReload.has(key)) byReload.set(key, { serviceId: t.serviceId, reloadId: t.reloadId, events: [] });
  }
  if (byReload.size === 0) return;
  const groups = inLockOrder([...byReload.values()], (g) => [g.serviceId, g.reloadId]);

  const records = await lockOrCreate(tx, groups);
  for (const g of groups) {
    const record = records.get(reloadKeyOf(g.serviceId, g.reloadId))!;
    record.facts = g.events.reduce(foldReloadFacts, record.facts);
  }
  const lateByReload = new Map<string, number[]>();
  for (const t of lateTargets) {
    const key = records.get(reloadKeyOf(t.serviceId, t.reloadId))!.key;
    lateByReload.set(key, [...(lateByReload.get(key) ?? []), t.instanceId]);
  }
  await updateReloadInstances(
    tx,
    groups.map((g) => ({ record: records.get(reloadKeyOf(g.serviceId, g.reloadId))!, events: g.events })),
    entities,
    settings,
    lateByReload,
  );

  const derived = groups.map((g) =>
    derive(records.get(reloadKeyOf(g.serviceId, g.reloadId))!, settings.now, settings.timeoutMs),
  );
  await writeReloads(tx, derived);
  await updateDesiredVersions(tx, derived);
}

/**
 * Implicit scope, whatever the arrival order: an instance that reported the resource within
 * INSTANCE_STALE_SECONDS before a reload started is one of its targets, also when that
 * report arrives after the reload's snapshot was taken (ADR 0005).
 */
async function findLateTargets(
  tx: Tx,
  accepted: ReloadEventInput[],
  entities: Entities,
  staleMs: number,
): Promise<{ serviceId: number; reloadId: string; instanceId: number }[]> {
  const pairs = new Map<
    string,
    { serviceId: number; kind: string; resource: string; instanceId: number; min: Date; max: Date }
  >();
  for (const e of accepted) {
    const instanceId = entities.instanceOf(e);
    if (instanceId === null || !affectsInstanceState(e)) continue;
    const key = compositeKey(instanceId, e.kind, e.resource);
    const pair = pairs.get(key);
    if (!pair)
      pairs.set(key, {
        serviceId: entities.serviceOf(e),
        kind: e.kind,
        resource: e.resource,
        instanceId,
        min: e.occurredAt,
        max: e.occurredAt,
      });
    else {
      if (e.occurredAt < pair.min) pair.min = e.occurredAt;
      if (e.occurredAt > pair.max) pair.max = e.occurredAt;
    }
  }
  if (pairs.size === 0) return [];
  const list = [...pairs.values()];
  // Almost always nothing to find (live reports are newer than every reload's start): one
  // probe of a small index says so before the per-pair probes.
  const oldest = list.reduce((a, p) => (p.min < a ? p.min : a), list[0]!.min);
  const [any] = await tx.query<{ found: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM reload WHERE scope = 'implicit' AND started_at >= $1::timestamptz) AS found`,
    iso(oldest),
  );
  if (!any?.found) return [];
  const q = sqlParams();
  const k = q.unnest({
    service_id: column.int(list.map((p) => p.serviceId)),
    kind: column.text(list.map((p) => p.kind)),
    resource: column.text(list.map((p) => p.resource)),
    instance_id: column.int(list.map((p) => p.instanceId)),
    t_min: column.timestamptz(list.map((p) => p.min)),
    t_max: column.timestamptz(list.map((p) => p.max)),
  });
  const stale = q.value(staleMs);
  const rows = await tx.query<{ service_id: number; reload_id: string; instance_id: number }[]>(
    `SELECT DISTINCT r.service_id, r.reload_id, k.instance_id
     FROM ${k.as("k")}
     JOIN reload r ON r.service_id = k.service_id AND r.kind = k.kind AND r.resource = k.resource AND r.scope = 'implicit'
       AND r.started_at >= k.t_min AND ${heardSinceSql("k.t_max", liveCutoffSql("r.started_at", stale))}
     WHERE NOT EXISTS (SELECT 1 FROM reload_instance ri WHERE ri.reload_key = r.id AND ri.instance_id = k.instance_id)`,
    ...q.values,
  );
  return rows.map((r) => ({ serviceId: r.service_id, reloadId: r.reload_id, instanceId: r.instance_id }));
}

/** Locks the batch's reloads in key order; creates the missing ones (locked by creation). */
async function lockOrCreate(
  tx: Tx,
  groups: { serviceId: number; reloadId: string; events: ReloadEventInput[] }[],
): Promise<Map<string, ReloadRecord>> {
  const records = new Map<string, ReloadRecord>();
  const lock = async (keys: typeof groups) => {
    const q = sqlParams();
    const k = q.unnest({
      service_id: column.int(keys.map((g) => g.serviceId)),
      reload_id: column.text(keys.map((g) => g.reloadId)),
    });
    const rows = await tx.query<ReloadRow[]>(
      `SELECT ${reloadColumns("r")} FROM reload r
       WHERE (r.service_id, r.reload_id) IN (SELECT * FROM ${k.call})
       ORDER BY r.service_id, r.reload_id COLLATE "C"
       FOR NO KEY UPDATE`,
      ...q.values,
    );
    for (const r of rows) records.set(reloadKeyOf(r.service_id, r.reload_id), reloadFromRow(r));
  };
  await lock(groups);
  const missing = groups.filter((g) => !records.has(reloadKeyOf(g.serviceId, g.reloadId)));
  if (missing.length === 0) return records;
  const firsts = missing.map((g) => g.events.reduce((a, e) => (e.occurredAt < a.occurredAt ? e : a)));
  const q = sqlParams();
  const u = q.unnest({
    service_id: column.int(missing.map((g) => g.serviceId)),
    reload_id: column.text(missing.map((g) => g.reloadId)),
    kind: column.text(firsts.map((e) => e.kind)),
    resource: column.text(firsts.map((e) => e.resource)),
    at: column.timestamptz(firsts.map((e) => e.occurredAt)),
  });
  const created = await tx.query<ReloadRow[]>(
    `INSERT INTO reload AS r (service_id, reload_id, kind, resource, status, first_event_at, last_event_at)
     SELECT u.service_id, u.reload_id, u.kind, u.resource, 'in_progress', u.at, u.at
     FROM ${u.as("u")}
     ON CONFLICT (service_id, reload_id) DO NOTHING
     RETURNING ${reloadColumns("r")}`,
    ...q.values,
  );
  for (const r of created) records.set(reloadKeyOf(r.service_id, r.reload_id), reloadFromRow(r));
  // Created by a concurrent transaction since we looked: lock it and fold onto it.
  const raced = missing.filter((g) => !records.has(reloadKeyOf(g.serviceId, g.reloadId)));
  if (raced.length > 0) await lock(raced);
  return records;
}
