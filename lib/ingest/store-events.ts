import "server-only";
import { db } from "@/lib/db/client";
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
      const acceptedIds = await db().$transaction((tx) => storeInTransaction(tx, unique), {
        maxWait: 10_000,
        timeout: 60_000,
      });
      return {
        accepted: acceptedIds.length,
        duplicates: inBatchDuplicates + unique.length - acceptedIds.length,
        acceptedIds,
      };
    } catch (error) {
      const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
      const retryable = code === "40P01" || code === "40001" || /deadlock detected/.test(String(error));
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


async function upsertServices(tx: Tx, events: ReloadEventInput[]): Promise<Map<string, number>> {
  const services = new Map<string, { environment: string; namespace: string; name: string; lastAt: Date }>();
  for (const e of events) {
    const key = serviceKeyString({ environment: e.environment, namespace: e.namespace, name: e.service });
    const known = services.get(key);
    if (!known) services.set(key, { environment: e.environment, namespace: e.namespace, name: e.service, lastAt: e.occurredAt });
    else if (e.occurredAt > known.lastAt) known.lastAt = e.occurredAt;
  }
  const rows = byKey([...services.entries()]).map(([, s]) => s);
  const result = await tx.$queryRawUnsafe<{ id: number; environment: string; namespace: string; name: string }[]>(
    `INSERT INTO service (environment, namespace, name, last_event_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
     ON CONFLICT (environment, namespace, name)
     DO UPDATE SET last_event_at = greatest(service.last_event_at, excluded.last_event_at)
     RETURNING id, environment, namespace, name`,
    rows.map((s) => s.environment),
    rows.map((s) => s.namespace),
    rows.map((s) => s.name),
    rows.map((s) => iso(s.lastAt)),
  );
  return new Map(result.map((r) => [serviceKeyString(r), r.id]));
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
  const rows = byKey([...instances.entries()]).map(([, i]) => i);
  const result = await tx.$queryRawUnsafe<{ id: number; service_id: number; instance_key: string }[]>(
    `INSERT INTO instance (service_id, instance_key, labels, first_seen_at, last_seen_at)
     SELECT * FROM unnest($1::int[], $2::text[], $3::jsonb[], $4::timestamptz[], $5::timestamptz[])
     ON CONFLICT (service_id, instance_key) DO UPDATE SET
       first_seen_at = least(instance.first_seen_at, excluded.first_seen_at),
       last_seen_at = greatest(instance.last_seen_at, excluded.last_seen_at),
       labels = CASE WHEN excluded.last_seen_at >= instance.last_seen_at
                     THEN instance.labels || excluded.labels
                     ELSE excluded.labels || instance.labels END
     RETURNING id, service_id, instance_key`,
    rows.map((i) => i.serviceId),
    rows.map((i) => i.key),
    rows.map((i) => JSON.stringify(i.labels)),
    rows.map((i) => iso(i.firstAt)),
    rows.map((i) => iso(i.lastAt)),
  );
  return new Map(result.map((r) => [`${r.service_id}\u0000${r.instance_key}`, r.id]));
}

async function insertEvents(
  tx: Tx,
  events: ReloadEventInput[],
  serviceOf: (e: ReloadEventInput) => number,
  instanceOf: (e: ReloadEventInput) => number | null,
): Promise<Set<string>> {
  const rows = [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const inserted = await tx.$queryRawUnsafe<{ id: string }[]>(
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
