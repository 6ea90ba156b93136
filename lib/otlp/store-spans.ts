import "server-only";
import { transaction } from "@/lib/db/client";
import { column, sqlParams, type Column } from "@/lib/db/sql-params";
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
    if (!known)
      services.set(key, {
        environment: r.origin.environment,
        namespace: r.origin.namespace,
        name: r.origin.service,
        firstAt: r.startTime,
      });
  }
  const wanted = inLockOrder([...services.values()], (s) => [s.environment, s.namespace, s.name]);
  const columns = (list: typeof wanted) => ({
    environment: column.text(list.map((s) => s.environment)),
    namespace: column.text(list.map((s) => s.namespace)),
    name: column.text(list.map((s) => s.name)),
  });
  type Row = { id: number; environment: string; namespace: string; name: string };
  const find = (list: typeof wanted) => {
    const q = sqlParams();
    const k = q.unnest(columns(list));
    return tx.query<Row[]>(
      `SELECT s.id, s.environment, s.namespace, s.name
       FROM ${k.as("k")}
       CROSS JOIN LATERAL (SELECT * FROM service s WHERE s.environment = k.environment AND s.namespace = k.namespace AND s.name = k.name) s`,
      ...q.values,
    );
  };
  const ids = new Map((await find(wanted)).map((r) => [compositeKey(r.environment, r.namespace, r.name), r.id]));
  const missing = wanted.filter((s) => !ids.has(compositeKey(s.environment, s.namespace, s.name)));
  if (missing.length > 0) {
    const q = sqlParams();
    const rows = q.unnest({ ...columns(missing), last_event_at: column.timestamptz(missing.map((s) => s.firstAt)) });
    await tx.execute(
      `INSERT INTO service (${rows.names}) SELECT * FROM ${rows.call}
       ON CONFLICT (environment, namespace, name) DO NOTHING`,
      ...q.values,
    );
    for (const r of await find(missing)) ids.set(compositeKey(r.environment, r.namespace, r.name), r.id);
  }
  return ids;
}

type SpanColumn =
  | "trace_id"
  | "span_id"
  | "parent_span_id"
  | "trace_state"
  | "name"
  | "kind"
  | "start_time"
  | "end_time"
  | "duration_ns"
  | "status_code"
  | "status_message"
  | "attributes"
  | "events"
  | "links"
  | "resource_attributes"
  | "scope_name"
  | "scope_version"
  | "scope_attributes"
  | "service_id"
  | "instance_key"
  | "reload_id";

/** Every column of a stored span, with its values (one per span). */
export type SpanColumns = Record<SpanColumn, Column>;

/** The statement that stores spans, a column per parameter; the bench's raw-insert baseline runs it too. */
export function insertSpansStatement(columns: SpanColumns): { text: string; values: unknown[] } {
  const q = sqlParams();
  const rows = q.unnest(columns);
  return {
    text: `INSERT INTO span (${rows.names}) SELECT * FROM ${rows.call}
           ON CONFLICT (trace_id, span_id, start_time) DO NOTHING`,
    values: q.values,
  };
}

async function insertSpans(tx: Tx, records: SpanRecord[], serviceIds: Map<string, number>): Promise<number> {
  // In key order, so concurrent batches holding the same spans wait on each other in one order.
  const rows = inLockOrder(records, (r) => [r.traceId, r.spanId]);
  const statement = insertSpansStatement({
    trace_id: column.text(rows.map((r) => r.traceId)),
    span_id: column.text(rows.map((r) => r.spanId)),
    parent_span_id: column.text(rows.map((r) => r.parentSpanId)),
    trace_state: column.text(rows.map((r) => r.traceState)),
    name: column.text(rows.map((r) => r.name)),
    kind: column.int(rows.map((r) => r.kind)),
    start_time: column.timestamptz(rows.map((r) => r.startTime)),
    end_time: column.timestamptz(rows.map((r) => r.endTime)),
    duration_ns: column.bigint(rows.map((r) => r.durationNs.toString())),
    status_code: column.int(rows.map((r) => r.statusCode)),
    status_message: column.text(rows.map((r) => r.statusMessage)),
    attributes: column.jsonb(rows.map((r) => JSON.stringify(r.attributes))),
    events: column.jsonb(rows.map((r) => JSON.stringify(r.events))),
    links: column.jsonb(rows.map((r) => JSON.stringify(r.links))),
    resource_attributes: column.jsonb(rows.map((r) => JSON.stringify(r.resourceAttributes))),
    scope_name: column.text(rows.map((r) => r.scope.name)),
    scope_version: column.text(rows.map((r) => r.scope.version)),
    scope_attributes: column.jsonb(rows.map((r) => JSON.stringify(r.scope.attributes))),
    service_id: column.int(rows.map((r) => serviceIds.get(serviceKey(r))!)),
    instance_key: column.text(rows.map((r) => r.origin.instance)),
    reload_id: column.text(rows.map((r) => r.reloadId)),
  });
  const inserted = await tx.query<{ span_id: string }[]>(`${statement.text} RETURNING span_id`, ...statement.values);
  return inserted.length;
}
