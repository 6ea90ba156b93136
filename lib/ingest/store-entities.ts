import "server-only";
import { compositeKey, inLockOrder } from "@/lib/domain/keys";
import { serviceKeyString, type ReloadEventInput } from "@/lib/domain/types";
import { column, sqlParams } from "@/lib/db/sql-params";
import type { Tx } from "./sql";

// Services and instances named by a batch: read without locks, created when missing, their
// last-seen times and labels touched when stale. Ids of both, for the statements after.

/**
 * Last-seen times are kept to the minute: rewriting a service or instance row for every
 * batch would lock it and make concurrent batches about the same services queue. A touch
 * skips rows another transaction is touching (SKIP LOCKED): they are being brought up to
 * date anyway, and an ingest transaction never waits on a last-seen time.
 */
const TOUCH_AFTER_MS = 60_000;

export interface Entities {
  serviceOf(e: ReloadEventInput): number;
  instanceOf(e: ReloadEventInput): number | null;
  /** The id of a named instance of a service (targets of a dispatched event). */
  instanceId(serviceId: number, instanceKey: string): number;
}

export async function upsertEntities(tx: Tx, events: ReloadEventInput[]): Promise<Entities> {
  const serviceIds = await upsertServices(tx, events);
  const serviceOf = (e: ReloadEventInput) =>
    serviceIds.get(serviceKeyString({ environment: e.environment, namespace: e.namespace, name: e.service }))!;
  const instanceIds = await upsertInstances(tx, events, serviceOf);
  return {
    serviceOf,
    instanceOf: (e) => (e.instance === null ? null : instanceIds.get(compositeKey(serviceOf(e), e.instance))!),
    instanceId: (serviceId, instanceKey) => instanceIds.get(compositeKey(serviceId, instanceKey))!,
  };
}

async function upsertServices(tx: Tx, events: ReloadEventInput[]): Promise<Map<string, number>> {
  const services = new Map<string, { environment: string; namespace: string; name: string; lastAt: Date }>();
  for (const e of events) {
    const key = serviceKeyString({ environment: e.environment, namespace: e.namespace, name: e.service });
    const known = services.get(key);
    if (!known)
      services.set(key, { environment: e.environment, namespace: e.namespace, name: e.service, lastAt: e.occurredAt });
    else if (e.occurredAt > known.lastAt) known.lastAt = e.occurredAt;
  }
  // Inserted in the order of the unique index, so concurrent inserts of the same new
  // services wait on each other in one order.
  const wanted = inLockOrder([...services.entries()], ([, s]) => [s.environment, s.namespace, s.name]);
  type Row = { id: number; environment: string; namespace: string; name: string; last_event_at: Date };
  const find = (keys: typeof wanted) => {
    const q = sqlParams();
    const k = q.unnest({
      environment: column.text(keys.map(([, s]) => s.environment)),
      namespace: column.text(keys.map(([, s]) => s.namespace)),
      name: column.text(keys.map(([, s]) => s.name)),
    });
    return tx.query<Row[]>(
      // One index probe per key (LATERAL): with the few keys of a batch this beats the
      // hash join over the whole table the planner would otherwise pick.
      `SELECT s.id, s.environment, s.namespace, s.name, s.last_event_at
       FROM ${k.as("k")}
       CROSS JOIN LATERAL (
         SELECT * FROM service s WHERE s.environment = k.environment AND s.namespace = k.namespace AND s.name = k.name
       ) s`,
      ...q.values,
    );
  };
  const found = new Map((await find(wanted)).map((r) => [serviceKeyString(r), r]));
  const missing = wanted.filter(([key]) => !found.has(key));
  if (missing.length > 0) {
    const q = sqlParams();
    const rows = q.unnest({
      environment: column.text(missing.map(([, s]) => s.environment)),
      namespace: column.text(missing.map(([, s]) => s.namespace)),
      name: column.text(missing.map(([, s]) => s.name)),
      last_event_at: column.timestamptz(missing.map(([, s]) => s.lastAt)),
    });
    await tx.execute(
      `INSERT INTO service (${rows.names}) SELECT * FROM ${rows.call}
       ON CONFLICT (environment, namespace, name) DO NOTHING`,
      ...q.values,
    );
    // Read back both ours and any a concurrent batch created first.
    for (const r of await find(missing)) found.set(serviceKeyString(r), r);
  }
  const stale = wanted.filter(
    ([key, s]) => s.lastAt.getTime() - found.get(key)!.last_event_at.getTime() > TOUCH_AFTER_MS,
  );
  if (stale.length > 0) {
    const q = sqlParams();
    const u = q.unnest({
      id: column.int(stale.map(([key]) => found.get(key)!.id)),
      last_at: column.timestamptz(stale.map(([, s]) => s.lastAt)),
    });
    await tx.execute(
      `UPDATE service s SET last_event_at = u.last_at
       FROM ${u.as("u")}
       WHERE s.id = u.id AND s.last_event_at < u.last_at
         AND s.id IN (SELECT id FROM service WHERE id = ANY(${u.param("id")})
                      ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)`,
      ...q.values,
    );
  }
  return new Map([...found].map(([key, r]) => [key, r.id]));
}

interface InstanceSighting {
  serviceId: number;
  key: string;
  labels: Record<string, string>;
  firstAt: Date;
  lastAt: Date;
}

/** Instances reporting in this batch, and instances a dispatched event names as targets. */
function sightings(
  events: ReloadEventInput[],
  serviceOf: (e: ReloadEventInput) => number,
): Map<string, InstanceSighting> {
  const instances = new Map<string, InstanceSighting>();
  const see = (serviceId: number, instanceKey: string, labels: Record<string, string>, at: Date) => {
    const key = compositeKey(serviceId, instanceKey);
    const known = instances.get(key);
    if (!known) {
      instances.set(key, { serviceId, key: instanceKey, labels: { ...labels }, firstAt: at, lastAt: at });
      return;
    }
    // Labels from the newest event win.
    if (at >= known.lastAt) {
      known.labels = { ...known.labels, ...labels };
      known.lastAt = at;
    } else {
      known.labels = { ...labels, ...known.labels };
    }
    if (at < known.firstAt) known.firstAt = at;
  };
  for (const e of events) {
    if (e.instance !== null) see(serviceOf(e), e.instance, e.labels, e.occurredAt);
  }
  // A target named by the control plane exists, though it has not reported yet; it is
  // created with the dispatch time, and touched by nothing until it reports.
  for (const e of events) {
    for (const target of e.targets ?? []) {
      const key = compositeKey(serviceOf(e), target);
      if (!instances.has(key))
        instances.set(key, {
          serviceId: serviceOf(e),
          key: target,
          labels: {},
          firstAt: e.occurredAt,
          lastAt: e.occurredAt,
        });
    }
  }
  return instances;
}

async function upsertInstances(
  tx: Tx,
  events: ReloadEventInput[],
  serviceOf: (e: ReloadEventInput) => number,
): Promise<Map<string, number>> {
  const instances = sightings(events, serviceOf);
  if (instances.size === 0) return new Map();
  const reporting = new Set(
    events.flatMap((e) => (e.instance === null ? [] : [compositeKey(serviceOf(e), e.instance)])),
  );
  const wanted = inLockOrder([...instances.entries()], ([, i]) => [i.serviceId, i.key]);
  type Row = {
    id: number;
    service_id: number;
    instance_key: string;
    labels: Record<string, string>;
    first_seen_at: Date;
    last_seen_at: Date;
  };
  const find = (keys: typeof wanted) => {
    const q = sqlParams();
    const k = q.unnest({
      service_id: column.int(keys.map(([, i]) => i.serviceId)),
      instance_key: column.text(keys.map(([, i]) => i.key)),
    });
    return tx.query<Row[]>(
      `SELECT i.id, i.service_id, i.instance_key, i.labels, i.first_seen_at, i.last_seen_at
       FROM ${k.as("k")}
       CROSS JOIN LATERAL (SELECT * FROM instance i WHERE i.service_id = k.service_id AND i.instance_key = k.instance_key) i`,
      ...q.values,
    );
  };
  const found = new Map((await find(wanted)).map((r) => [compositeKey(r.service_id, r.instance_key), r]));
  const missing = wanted.filter(([key]) => !found.has(key));
  if (missing.length > 0) {
    const q = sqlParams();
    const rows = q.unnest({
      service_id: column.int(missing.map(([, i]) => i.serviceId)),
      instance_key: column.text(missing.map(([, i]) => i.key)),
      labels: column.jsonb(missing.map(([, i]) => JSON.stringify(i.labels))),
      first_seen_at: column.timestamptz(missing.map(([, i]) => i.firstAt)),
      last_seen_at: column.timestamptz(missing.map(([, i]) => i.lastAt)),
    });
    await tx.execute(
      `INSERT INTO instance (${rows.names}) SELECT * FROM ${rows.call}
       ON CONFLICT (service_id, instance_key) DO NOTHING`,
      ...q.values,
    );
    for (const r of await find(missing)) found.set(compositeKey(r.service_id, r.instance_key), r);
  }
  const changed = wanted.filter(([key, i]) => {
    if (!reporting.has(key)) return false;
    const row = found.get(key)!;
    const newer = i.lastAt >= row.last_seen_at;
    const merged = newer ? { ...row.labels, ...i.labels } : { ...i.labels, ...row.labels };
    return (
      i.lastAt.getTime() - row.last_seen_at.getTime() > TOUCH_AFTER_MS ||
      i.firstAt < row.first_seen_at ||
      !sameLabels(merged, row.labels)
    );
  });
  if (changed.length > 0) {
    const q = sqlParams();
    const u = q.unnest({
      id: column.int(changed.map(([key]) => found.get(key)!.id)),
      labels: column.jsonb(changed.map(([, i]) => JSON.stringify(i.labels))),
      first_at: column.timestamptz(changed.map(([, i]) => i.firstAt)),
      last_at: column.timestamptz(changed.map(([, i]) => i.lastAt)),
    });
    await tx.execute(
      `UPDATE instance i SET
         first_seen_at = least(i.first_seen_at, u.first_at),
         last_seen_at = greatest(i.last_seen_at, u.last_at),
         labels = CASE WHEN u.last_at >= i.last_seen_at THEN i.labels || u.labels ELSE u.labels || i.labels END
       FROM ${u.as("u")}
       WHERE i.id = u.id
         AND i.id IN (SELECT id FROM instance WHERE id = ANY(${u.param("id")})
                      ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)`,
      ...q.values,
    );
  }
  return new Map([...found].map(([key, r]) => [key, r.id]));
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
