// The migration that partitions reload_event (20261123200000_partition_events) on a database
// that already holds events: rows keep their content and land in their day's partition, ids
// move to reload_event_id, indexes and foreign keys are back. Runs on a database of its own:
// a new one on the suite's PostgreSQL, or a new in-memory PGlite.
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate, migrationsDir } from "@/lib/db/migrate";
import { partitionName, utcDay } from "@/lib/db/partitions";

const PARTITIONING = "20261123200000_partition_events";
const DAY_MS = 86_400_000;

let url: string;
let drop: () => Promise<void>;
let client: pg.Client;
let before: string;

beforeAll(async () => {
  if (inject("embedded")) {
    const embedded = await startEmbeddedPostgres({ dataDir: null });
    url = embedded.url;
    drop = () => embedded.stop();
  } else {
    const name = `reloadscope_partmig_${process.pid}_${Date.now().toString(36)}`;
    const server = new URL(inject("databaseUrl"));
    const admin = new pg.Client({ connectionString: server.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    server.pathname = `/${name}`;
    url = server.toString();
    drop = async () => {
      const again = new pg.Client({ connectionString: inject("databaseUrl") });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await again.end();
    };
  }
  // The migrations before this one, in a folder of their own.
  before = await mkdtemp(path.join(tmpdir(), "reloadscope-migrations-"));
  for (const entry of await readdir(migrationsDir(), { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name < PARTITIONING)
      await cp(path.join(migrationsDir(), entry.name), path.join(before, entry.name), { recursive: true });
  }
  client = new pg.Client({ connectionString: url });
});

afterAll(async () => {
  await client?.end().catch(() => {});
  await drop?.();
  if (before) await rm(before, { recursive: true, force: true });
});

test("existing events move into daily partitions with their content; ids into reload_event_id; indexes and foreign keys return", async () => {
  await migrate(url, before);
  await client.connect();
  const [service] = (
    await client.query(`INSERT INTO service (environment, name) VALUES ('prod', 'checkout-api') RETURNING id`)
  ).rows;
  const [instance] = (
    await client.query(
      `INSERT INTO instance (service_id, instance_key, first_seen_at, last_seen_at) VALUES ($1, 'pod-1', now(), now()) RETURNING id`,
      [service.id],
    )
  ).rows;
  const now = Date.now();
  const times = [
    new Date(now - 45 * DAY_MS),
    new Date(now - 2 * DAY_MS),
    new Date(now - 60_000),
    new Date(now - 60_000 + 1),
  ];
  for (const [i, t] of times.entries()) {
    await client.query(
      `INSERT INTO reload_event (id, reload_id, service_id, instance_id, kind, resource, phase, from_version, to_version, occurred_at, duration_ms, attributes)
       VALUES ($1, 'rl-1', $2, $3, 'config', 'routes.yaml', 'applied', 'a', 'b', $4, $5, $6)`,
      [
        `old-${i}`,
        service.id,
        instance.id,
        t.toISOString(),
        String(2 ** 40 + i),
        JSON.stringify({ n: i, "config.hash": "sha256:x" }),
      ],
    );
  }

  const result = await migrate(url);
  expect(result.applied).toContain(PARTITIONING);

  const rows = (
    await client.query(
      `SELECT id, tableoid::regclass::text AS partition, occurred_at, duration_ms, attributes FROM reload_event ORDER BY id`,
    )
  ).rows;
  expect(rows.map((r) => [r.id, r.partition, r.occurred_at.toISOString(), r.duration_ms, r.attributes])).toEqual(
    times.map((t, i) => [
      `old-${i}`,
      partitionName("reload_event", utcDay(t)),
      t.toISOString(),
      String(2 ** 40 + i),
      { n: i, "config.hash": "sha256:x" },
    ]),
  );
  const ids = (await client.query(`SELECT id, occurred_at FROM reload_event_id ORDER BY id`)).rows;
  expect(ids.map((r) => [r.id, r.occurred_at.toISOString()])).toEqual(
    times.map((t, i) => [`old-${i}`, t.toISOString()]),
  );
  expect((await client.query(`SELECT to_regclass('reload_event_unpartitioned') AS old`)).rows[0].old).toBeNull();

  const [layout] = (
    await client.query(
      `SELECT c.relkind, (SELECT relname FROM pg_class WHERE oid = pt.partdefid) AS default_partition
       FROM pg_class c JOIN pg_partitioned_table pt ON pt.partrelid = c.oid WHERE c.oid = 'reload_event'::regclass`,
    )
  ).rows;
  expect(layout).toEqual({ relkind: "p", default_partition: "reload_event_default" });
  const indexes = (
    await client.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'reload_event' ORDER BY indexname`)
  ).rows.map((r) => r.indexname);
  expect(indexes).toEqual([
    "reload_event_instance_id_occurred_at_idx",
    "reload_event_pkey",
    "reload_event_reload_id_occurred_at_idx",
    "reload_event_service_id_occurred_at_idx",
  ]);
  const keys = (
    await client.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = 'reload_event'::regclass AND contype = 'f' ORDER BY conname`,
    )
  ).rows;
  expect(keys.map((k) => k.conname)).toEqual(["reload_event_instance_id_fkey", "reload_event_service_id_fkey"]);

  // The migration runner went on to make the window's partitions (and its days ahead).
  const partitions = (
    await client.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'reload_event'::regclass`,
    )
  ).rows.map((r) => r.relname);
  expect(partitions).toContain(partitionName("reload_event", utcDay(new Date(now + 2 * DAY_MS))));
  expect(partitions).toContain(partitionName("reload_event", utcDay(new Date(now - 29 * DAY_MS))));

  // The id is what stays unique: a second event with an id already stored is not claimed again.
  const again = await client.query(
    `INSERT INTO reload_event_id (id, occurred_at) VALUES ('old-1', now()) ON CONFLICT (id) DO NOTHING RETURNING id`,
  );
  expect(again.rowCount).toBe(0);
  // Deleting the service still takes its events along (the foreign keys cascade).
  await client.query(`DELETE FROM service WHERE id = $1`, [service.id]);
  expect((await client.query(`SELECT count(*)::int AS n FROM reload_event`)).rows[0].n).toBe(0);
});
