import "server-only";
import { transaction } from "@/lib/db/client";
import { compositeKey, inLockOrder } from "@/lib/domain/keys";
import type { Tx } from "@/lib/ingest/sql";
import type { SpanRecord } from "./span-records";

// Writes spans in one transaction: the services their resources name (created when missing),
// then the spans, a span already stored (same trace id, span id and start) skipped.

export interface StoredSpans {
  inserted: number;
  duplicates: number;
}

export async function storeSpans(records: SpanRecord[]): Promise<StoredSpans> {
  if (records.length === 0) return { inserted: 0, duplicates: 0 };
  return transaction(async (tx) => {
    const serviceIds = await upsertServices(tx, records);
    const inserted = await insertSpans(tx, records, serviceIds);
    return { inserted, duplicates: records.length - inserted };
  });
}

const serviceKey = (r: SpanRecord) => compositeKey(r.origin.environment, r.origin.namespace, r.origin.service);

/** Ids of the services the spans come from, created (in the unique index's order) when missing. */
async function upsertServices(tx: Tx, records: SpanRecord[]): Promise<Map<string, number>> {
  const services = new Map<string, { environment: string; namespace: string; name: string; firstAt: string }>();
  for (const r of records) {
    const key = serviceKey(r);
    const known = services.get(key);
    if (!known) services.set(key, { environment: r.origin.environment, namespace: r.origin.namespace, name: r.origin.service, firstAt: r.startTime });
  }
  const wanted = inLockOrder([...services.values()], (s) => [s.environment, s.namespace, s.name]);
  const columns = (list: typeof wanted) => [list.map((s) => s.environment), list.map((s) => s.namespace), list.map((s) => s.name)];
  type Row = { id: number; environment: string; namespace: string; name: string };
  const find = (list: typeof wanted) =>
    tx.query<Row[]>(
      `SELECT s.id, s.environment, s.namespace, s.name
       FROM unnest($1::text[], $2::text[], $3::text[]) AS k(environment, namespace, name)
       CROSS JOIN LATERAL (SELECT * FROM service s WHERE s.environment = k.environment AND s.namespace = k.namespace AND s.name = k.name) s`,
      ...columns(list),
    );
  const ids = new Map((await find(wanted)).map((r) => [compositeKey(r.environment, r.namespace, r.name), r.id]));
  const missing = wanted.filter((s) => !ids.has(compositeKey(s.environment, s.namespace, s.name)));
  if (missing.length > 0) {
    await tx.execute(
      `INSERT INTO service (environment, namespace, name, last_event_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (environment, namespace, name) DO NOTHING`,
      ...columns(missing),
      missing.map((s) => s.firstAt),
    );
    for (const r of await find(missing)) ids.set(compositeKey(r.environment, r.namespace, r.name), r.id);
  }
  return ids;
}

/** The statement that stores spans, a column per parameter; the bench's raw-insert baseline runs it too. */
export const INSERT_SPANS = `INSERT INTO span (trace_id, span_id, parent_span_id, trace_state, name, kind, start_time, end_time, duration_ns,
                   status_code, status_message, attributes, events, links, resource_attributes,
                   scope_name, scope_version, scope_attributes, service_id, instance_key, reload_id)
 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[],
                      $8::timestamptz[], $9::bigint[], $10::int[], $11::text[], $12::jsonb[], $13::jsonb[], $14::jsonb[],
                      $15::jsonb[], $16::text[], $17::text[], $18::jsonb[], $19::int[], $20::text[], $21::text[])
 ON CONFLICT (trace_id, span_id, start_time) DO NOTHING`;

async function insertSpans(tx: Tx, records: SpanRecord[], serviceIds: Map<string, number>): Promise<number> {
  // In key order, so concurrent batches holding the same spans wait on each other in one order.
  const rows = inLockOrder(records, (r) => [r.traceId, r.spanId]);
  const inserted = await tx.query<{ span_id: string }[]>(
    `${INSERT_SPANS} RETURNING span_id`,
    rows.map((r) => r.traceId),
    rows.map((r) => r.spanId),
    rows.map((r) => r.parentSpanId),
    rows.map((r) => r.traceState),
    rows.map((r) => r.name),
    rows.map((r) => r.kind),
    rows.map((r) => r.startTime),
    rows.map((r) => r.endTime),
    rows.map((r) => r.durationNs.toString()),
    rows.map((r) => r.statusCode),
    rows.map((r) => r.statusMessage),
    rows.map((r) => JSON.stringify(r.attributes)),
    rows.map((r) => JSON.stringify(r.events)),
    rows.map((r) => JSON.stringify(r.links)),
    rows.map((r) => JSON.stringify(r.resourceAttributes)),
    rows.map((r) => r.scope.name),
    rows.map((r) => r.scope.version),
    rows.map((r) => JSON.stringify(r.scope.attributes)),
    rows.map((r) => serviceIds.get(serviceKey(r))!),
    rows.map((r) => r.origin.instance),
    rows.map((r) => r.reloadId),
  );
  return inserted.length;
}
