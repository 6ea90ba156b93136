import "server-only";
import { transaction } from "@/lib/db/client";
import { serviceKeyString, type ReloadEventInput } from "@/lib/domain/types";
import { byKey, iso, type Tx } from "./sql";
import { updateInstanceStates } from "./store-instance-states";
import { updateReloads } from "./store-reloads";

// Stores a batch of validated events and everything they change (instances, instance state,
// reloads, desired versions) in one transaction. Rows are locked in a fixed order (by key)
// so concurrent batches queue behind each other instead of losing updates or deadlocking.

export interface StoreResult {
  accepted: number;
  duplicates: number;
  /** ids of the events written by this call, in input order */
  acceptedIds: string[];
}

const TRANSACTION_RETRIES = 3;

export async function storeEvents(events: ReloadEventInput[]): Promise<StoreResult> {
  // A repeat inside one request is a duplicate too: the first occurrence wins.
  const seen = new Set<string>();
  const unique = events.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
  const inBatchDuplicates = events.length - unique.length;
  if (unique.length === 0) return { accepted: 0, duplicates: inBatchDuplicates, acceptedIds: [] };

  for (let attempt = 1; ; attempt++) {
    try {
      const acceptedIds = await transaction((tx) => storeInTransaction(tx, unique));
      return {
        accepted: acceptedIds.length,
        duplicates: inBatchDuplicates + unique.length - acceptedIds.length,
        acceptedIds,
      };
    } catch (error) {
      // Deadlock or serialization failure: the whole transaction is safe to run again.
      const code = (error as { code?: string }).code;
      const retryable = code === "40P01" || code === "40001";
      if (!retryable || attempt >= TRANSACTION_RETRIES) throw error;
    }
  }
}

async function storeInTransaction(tx: Tx, events: ReloadEventInput[]): Promise<string[]> {
  const serviceIds = await upsertServices(tx, events);
  const serviceOf = (e: ReloadEventInput) => serviceIds.get(serviceKeyString({ environment: e.environment, namespace: e.namespace, name: e.service }))!;
  const instanceIds = await upsertInstances(tx, events, serviceOf);
  const instanceOf = (e: ReloadEventInput) => (e.instance === null ? null : instanceIds.get(`${serviceOf(e)}\u0000${e.instance}`)!);

  const acceptedIds = await insertEvents(tx, events, serviceOf, instanceOf);
  const accepted = events.filter((e) => acceptedIds.has(e.id));
  if (accepted.length === 0) return [];

  await updateInstanceStates(tx, accepted, serviceOf, instanceOf);
  await updateReloads(tx, accepted, serviceOf, instanceOf);
  return accepted.map((e) => e.id);
}

/**
 * Last-seen times are kept to the minute: rewriting a service or instance row for every
 * batch would lock it, and make concurrent batches about the same services queue for
 * nothing. Rows are read without locks, created when missing, touched when stale.
 */
const TOUCH_AFTER_MS = 60_000;

async function upsertServices(tx: Tx, events: ReloadEventInput[]): Promise<Map<string, number>> {
  const services = new Map<string, { environment: string; namespace: string; name: string; lastAt: Date }>();
  for (const e of events) {
    const key = serviceKeyString({ environment: e.environment, namespace: e.namespace, name: e.service });
    const known = services.get(key);
    if (!known) services.set(key, { environment: e.environment, namespace: e.namespace, name: e.service, lastAt: e.occurredAt });
    else if (e.occurredAt > known.lastAt) known.lastAt = e.occurredAt;
  }
  const wanted = byKey([...services.entries()]);
  type Row = { id: number; environment: string; namespace: string; name: string; last_event_at: Date };
  const find = (keys: typeof wanted) =>
    tx.query<Row[]>(
      `SELECT s.id, s.environment, s.namespace, s.name, s.last_event_at
       FROM service s JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(environment, namespace, name)
         USING (environment, namespace, name)`,
      keys.map(([, s]) => s.environment),
      keys.map(([, s]) => s.namespace),
      keys.map(([, s]) => s.name),
    );
  const found = new Map((await find(wanted)).map((r) => [serviceKeyString(r), r]));
  const missing = wanted.filter(([key]) => !found.has(key));
  if (missing.length > 0) {
    await tx.execute(
      `INSERT INTO service (environment, namespace, name, last_event_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (environment, namespace, name) DO NOTHING`,
      missing.map(([, s]) => s.environment),
      missing.map(([, s]) => s.namespace),
      missing.map(([, s]) => s.name),
      missing.map(([, s]) => iso(s.lastAt)),
    );
    // Read back both ours and any a concurrent batch created first.
    for (const r of await find(missing)) found.set(serviceKeyString(r), r);
  }
  const stale = wanted.filter(([key, s]) => s.lastAt.getTime() - found.get(key)!.last_event_at.getTime() > TOUCH_AFTER_MS);
  if (stale.length > 0) {
    await tx.execute(
      `UPDATE service s SET last_event_at = u.last_at
       FROM unnest($1::int[], $2::timestamptz[]) AS u(id, last_at)
       WHERE s.id = u.id AND s.last_event_at < u.last_at`,
      stale.map(([key]) => found.get(key)!.id),
      stale.map(([, s]) => iso(s.lastAt)),
    );
  }
  return new Map([...found].map(([key, r]) => [key, r.id]));
}

async function upsertInstances(
  tx: Tx,
  events: ReloadEventInput[],
  serviceOf: (e: ReloadEventInput) => number,
): Promise<Map<string, number>> {
  const instances = new Map<string, { serviceId: number; key: string; labels: Record<string, string>; firstAt: Date; lastAt: Date }>();
  for (const e of events) {
    if (e.instance === null) continue;
    const key = `${serviceOf(e)}\u0000${e.instance}`;
    const known = instances.get(key);
    if (!known) {
      instances.set(key, { serviceId: serviceOf(e), key: e.instance, labels: { ...e.labels }, firstAt: e.occurredAt, lastAt: e.occurredAt });
      continue;
    }
    // Labels from the newest event win.
    if (e.occurredAt >= known.lastAt) {
      known.labels = { ...known.labels, ...e.labels };
      known.lastAt = e.occurredAt;
    } else {
      known.labels = { ...e.labels, ...known.labels };
    }
    if (e.occurredAt < known.firstAt) known.firstAt = e.occurredAt;
  }
  if (instances.size === 0) return new Map();
  const wanted = byKey([...instances.entries()]);
  type Row = { id: number; service_id: number; instance_key: string; labels: Record<string, string>; first_seen_at: Date; last_seen_at: Date };
  const find = (keys: typeof wanted) =>
    tx.query<Row[]>(
      `SELECT i.id, i.service_id, i.instance_key, i.labels, i.first_seen_at, i.last_seen_at
       FROM instance i JOIN unnest($1::int[], $2::text[]) AS k(service_id, instance_key) USING (service_id, instance_key)`,
      keys.map(([, i]) => i.serviceId),
      keys.map(([, i]) => i.key),
    );
  const found = new Map((await find(wanted)).map((r) => [`${r.service_id}\u0000${r.instance_key}`, r]));
  const missing = wanted.filter(([key]) => !found.has(key));
  if (missing.length > 0) {
    await tx.execute(
      `INSERT INTO instance (service_id, instance_key, labels, first_seen_at, last_seen_at)
       SELECT * FROM unnest($1::int[], $2::text[], $3::jsonb[], $4::timestamptz[], $5::timestamptz[])
       ON CONFLICT (service_id, instance_key) DO NOTHING`,
      missing.map(([, i]) => i.serviceId),
      missing.map(([, i]) => i.key),
      missing.map(([, i]) => JSON.stringify(i.labels)),
      missing.map(([, i]) => iso(i.firstAt)),
      missing.map(([, i]) => iso(i.lastAt)),
    );
    for (const r of await find(missing)) found.set(`${r.service_id}\u0000${r.instance_key}`, r);
  }
  const changed = wanted.filter(([key, i]) => {
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
    await tx.execute(
      `UPDATE instance i SET
         first_seen_at = least(i.first_seen_at, u.first_at),
         last_seen_at = greatest(i.last_seen_at, u.last_at),
         labels = CASE WHEN u.last_at >= i.last_seen_at THEN i.labels || u.labels ELSE u.labels || i.labels END
       FROM unnest($1::int[], $2::jsonb[], $3::timestamptz[], $4::timestamptz[]) AS u(id, labels, first_at, last_at)
       WHERE i.id = u.id`,
      changed.map(([key]) => found.get(key)!.id),
      changed.map(([, i]) => JSON.stringify(i.labels)),
      changed.map(([, i]) => iso(i.firstAt)),
      changed.map(([, i]) => iso(i.lastAt)),
    );
  }
  return new Map([...found].map(([key, r]) => [key, r.id]));
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

async function insertEvents(
  tx: Tx,
  events: ReloadEventInput[],
  serviceOf: (e: ReloadEventInput) => number,
  instanceOf: (e: ReloadEventInput) => number | null,
): Promise<Set<string>> {
  const rows = [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const inserted = await tx.query<{ id: string }[]>(
    `INSERT INTO reload_event (id, reload_id, service_id, instance_id, kind, resource, phase, from_version, to_version,
                               initiator, occurred_at, duration_ms, error, trace_id, span_id, attributes)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],
                          $9::text[], $10::text[], $11::timestamptz[], $12::int[], $13::text[], $14::text[], $15::text[], $16::jsonb[])
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    rows.map((e) => e.id),
    rows.map((e) => e.reloadId),
    rows.map(serviceOf),
    rows.map(instanceOf),
    rows.map((e) => e.kind),
    rows.map((e) => e.resource),
    rows.map((e) => e.phase),
    rows.map((e) => e.fromVersion),
    rows.map((e) => e.toVersion),
    rows.map((e) => e.initiator),
    rows.map((e) => iso(e.occurredAt)),
    rows.map((e) => e.durationMs),
    rows.map((e) => e.error),
    rows.map((e) => e.traceId),
    rows.map((e) => e.spanId),
    rows.map((e) => JSON.stringify(e.attributes)),
  );
  return new Set(inserted.map((r) => r.id));
}
