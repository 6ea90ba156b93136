// The baseline: the same rows inserted straight into reload_event (same table, same indexes
// and foreign keys, a freshly migrated database) with pg, one multi-row INSERT … unnest per
// batch, from the same number of concurrent clients.
import pg from "pg";
import { rawColumns, type BenchEvent, type EventStream } from "./generator";

const INSERT_EVENTS = `
INSERT INTO reload_event (id, reload_id, service_id, instance_id, kind, resource, phase, from_version, to_version,
                          initiator, occurred_at, duration_ms, error, trace_id, span_id, attributes)
SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::timestamptz[], $12::int[], $13::text[], $14::text[], $15::text[], $16::jsonb[])`;

/** The services and instances the events point at, with the ids the raw rows use (index + 1). */
export async function seedRawFleet(url: string, stream: EventStream): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    const s = stream.services;
    await client.query(
      `INSERT INTO service (id, environment, namespace, name)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])`,
      [s.map((_, i) => i + 1), s.map((x) => x.environment), s.map((x) => x.namespace), s.map((x) => x.name)],
    );
    const n = stream.shape.services * stream.shape.instancesPerService;
    const ids = Array.from({ length: n }, (_, g) => g + 1);
    await client.query(
      `INSERT INTO instance (id, service_id, instance_key, labels, first_seen_at, last_seen_at)
       SELECT u.id, u.service_id, u.instance_key, u.labels, now(), now()
       FROM unnest($1::int[], $2::int[], $3::text[], $4::jsonb[]) AS u(id, service_id, instance_key, labels)`,
      [
        ids,
        ids.map((id) => Math.floor((id - 1) / stream.shape.instancesPerService) + 1),
        ids.map((id) => stream.instanceKey(id - 1)),
        ids.map((id) => JSON.stringify(stream.instanceLabelsOf(id - 1))),
      ],
    );
    await client.query(
      `SELECT setval('service_id_seq', (SELECT max(id) FROM service)), setval('instance_id_seq', (SELECT max(id) FROM instance))`,
    );
    await client.query("ANALYZE service; ANALYZE instance");
  } finally {
    await client.end();
  }
}

/** Inserts the batches from `clients` connections pulling from one queue; returns elapsed ms. */
export async function rawInsert(
  url: string,
  batches: BenchEvent[][],
  clients: number,
  onBatch: (events: number) => void,
): Promise<number> {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url });
      c.on("error", () => {});
      await c.connect();
      return c;
    }),
  );
  try {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      conns.map(async (c) => {
        for (;;) {
          const b = next++;
          if (b >= batches.length) return;
          const cols = rawColumns(batches[b]!);
          await c.query(INSERT_EVENTS, [
            cols.id,
            cols.reloadId,
            cols.serviceId,
            cols.instanceId,
            cols.kind,
            cols.resource,
            cols.phase,
            cols.fromVersion,
            cols.toVersion,
            cols.initiator,
            cols.occurredAt,
            cols.durationMs,
            cols.error,
            cols.traceId,
            cols.spanId,
            cols.attributes,
          ]);
          onBatch(batches[b]!.length);
        }
      }),
    );
    return performance.now() - started;
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => {})));
  }
}
