// Time-partitioned history (docs/adr/0009): events land in their day's partition, ids stay
// unique across partitions, maintenance creates partitions (idempotently, concurrently, moving
// rows out of a default partition) and retention drops whole expired partitions with their ids.
import pg from "pg";
import { describe, expect, inject, test } from "vitest";
import { sql } from "@/lib/db/client";
import {
  addDays,
  DAYS_AHEAD,
  ensurePartitions,
  partitionDay,
  partitionName,
  PARTITIONED_TABLES,
  tableLayout,
  transactionsOn,
  utcDay,
  windowDays,
} from "@/lib/db/partitions";
import { appTransactions, dropExpiredPartitions, maintainStorage } from "@/lib/db/retention";
import { env } from "@/lib/env";
import { ID_CONFLICT_REASON } from "@/lib/ingest/store-events";
import { event, postEvents } from "../support/ingest-client";
import { concurrencyTest, useTestDatabase } from "../support/use-database";

useTestDatabase();

const DAY_MS = 86_400_000;

async function partitionsOf(table: string): Promise<string[]> {
  const layout = await appTransactions((tx) => tableLayout(tx, table));
  return layout?.partitions ?? [];
}

async function storedIn(id: string): Promise<string[]> {
  const rows = await sql().query<{ partition: string }[]>(
    `SELECT tableoid::regclass::text AS partition FROM reload_event WHERE id = $1`,
    id,
  );
  return rows.map((r) => r.partition);
}

async function count(text: string, ...params: unknown[]): Promise<number> {
  const [row] = await sql().query<{ n: number }[]>(text, ...params);
  return row!.n;
}

const bound = (day: Date) => `'${day.toISOString().slice(0, 10)} 00:00:00+00'`;

describe("partition names and the window (no database)", () => {
  test("a partition is named by its UTC day, and only such names are read back as days", () => {
    const day = new Date("2026-11-23T00:00:00Z");
    expect(partitionName("reload_event", day)).toBe("reload_event_p20261123");
    expect(partitionDay("reload_event", "reload_event_p20261123")).toEqual(day);
    for (const other of [
      "reload_event_default",
      "reload_event_p2026112",
      "reload_event_p20261131",
      "span_p20261123",
      "reload_event_p20261123x",
    ]) {
      expect(partitionDay("reload_event", other)).toBeNull();
    }
  });

  test("the window runs from the day the retention cutoff falls in to two days ahead, in UTC days", () => {
    const days = windowDays(new Date("2026-11-23T23:30:00-05:00"), 1.5); // 2026-11-24T04:30Z
    expect(days.map((d) => d.toISOString().slice(0, 10))).toEqual([
      "2026-11-22",
      "2026-11-23",
      "2026-11-24",
      "2026-11-25",
      "2026-11-26",
    ]);
  });
});

describe("partitioned reload_event", () => {
  test("after migrating, every day of the retention window and two days ahead has a partition, beside a default one", async () => {
    // An hour ago: the migration ran at the start of the suite, possibly before midnight.
    const days = windowDays(new Date(Date.now() - 3_600_000), env().RETENTION_DAYS);
    expect(days).toHaveLength(Math.ceil(env().RETENTION_DAYS) + DAYS_AHEAD + 1);
    const layout = await appTransactions((tx) => tableLayout(tx, "reload_event"));
    expect(layout?.defaultPartition).toBe("reload_event_default");
    for (const day of days) expect(layout?.partitions).toContain(partitionName("reload_event", day));
    const [kind] = await sql().query<{ relkind: string }[]>(
      `SELECT relkind FROM pg_class WHERE oid = 'reload_event'::regclass`,
    );
    expect(kind!.relkind).toBe("p");
  });

  test("events land in the partition of their occurredAt's UTC day, and their ids in reload_event_id", async () => {
    const times = [
      new Date(Date.now() - 3_600_000),
      new Date(Date.now() - 3 * DAY_MS),
      new Date(Date.now() - 20 * DAY_MS),
    ];
    const events = times.map((t, i) => event({ id: `part-${i}`, instance: `pod-${i}`, occurredAt: t.toISOString() }));
    expect((await postEvents(events)).body).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    for (const [i, t] of times.entries()) {
      expect(await storedIn(`part-${i}`)).toEqual([partitionName("reload_event", utcDay(t))]);
    }
    expect(await count(`SELECT count(*)::int AS n FROM reload_event_default`)).toBe(0);
    const ids = await sql().query<{ id: string; occurred_at: Date }[]>(
      `SELECT id, occurred_at FROM reload_event_id ORDER BY id`,
    );
    expect(ids.map((r) => [r.id, r.occurred_at.toISOString()])).toEqual(
      times.map((t, i) => [`part-${i}`, t.toISOString()]),
    );
  });

  test("an id sent again with another day's occurredAt is refused, though it would go to another partition", async () => {
    // A reload's event: a heartbeat that changes nothing is no event at all (its id is not claimed, ADR 0021).
    const first = event({
      id: "moved-day",
      reloadId: "rl-moved",
      phase: "applied",
      fromVersion: "v0",
      toVersion: "v1",
      occurredAt: new Date(Date.now() - 2 * DAY_MS).toISOString(),
    });
    expect((await postEvents(first)).body).toMatchObject({ accepted: 1 });
    const answer = await postEvents({ ...first, occurredAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ accepted: 0, duplicates: 0, rejected: [{ index: 0, reason: ID_CONFLICT_REASON }] });
    expect((await postEvents(first)).body).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await storedIn("moved-day")).toEqual([
      partitionName("reload_event", utcDay(new Date(first.occurredAt as string))),
    ]);
  });
});

describe("partition maintenance", () => {
  test("is idempotent, and skips a registered table that does not exist yet", async () => {
    const retentionDays = env().RETENTION_DAYS;
    const now = new Date();
    const tables = [...PARTITIONED_TABLES, { table: "table_not_created_yet", column: "at" }];
    const first = await ensurePartitions(appTransactions, { now, retentionDays, tables });
    expect(first.failures).toEqual([]);
    expect(first.skipped).toContain("table_not_created_yet");
    const before = await partitionsOf("reload_event");
    const again = await ensurePartitions(appTransactions, { now, retentionDays, tables });
    expect(again).toEqual({ created: [], moved: 0, skipped: first.skipped, failures: [] });
    expect(await partitionsOf("reload_event")).toEqual(before);
    for (const day of windowDays(now, retentionDays)) expect(before).toContain(partitionName("reload_event", day));
    // The span table (OTLP) is maintained the same way once its migration has made it.
    if (!first.skipped.includes("span")) {
      const spans = await partitionsOf("span");
      for (const day of windowDays(now, retentionDays)) expect(spans).toContain(partitionName("span", day));
    }
  });

  test("a row waiting in reload_event_default moves into its day's partition when maintenance creates it, with the indexes and foreign keys", async () => {
    const now = new Date();
    const last = addDays(utcDay(now), DAYS_AHEAD);
    const name = partitionName("reload_event", last);
    await sql().execute(`DROP TABLE "${name}"`);
    try {
      expect((await postEvents(event({ id: "for-service" }))).body).toMatchObject({ accepted: 1 });
      const [ref] = await sql().query<{ service_id: number; instance_id: number }[]>(
        `SELECT service_id, instance_id FROM reload_event WHERE id = 'for-service'`,
      );
      // Written straight in SQL: ingest refuses a time that far ahead.
      await sql().execute(
        `INSERT INTO reload_event (id, service_id, instance_id, kind, resource, phase, to_version, occurred_at)
         VALUES ('ahead', $1, $2, 'config', 'routes.yaml', 'heartbeat', 'v1', $3)`,
        ref!.service_id,
        ref!.instance_id,
        new Date(last.getTime() + 3_600_000).toISOString(),
      );
      expect(await storedIn("ahead")).toEqual(["reload_event_default"]);

      const result = await ensurePartitions(appTransactions, { now, retentionDays: env().RETENTION_DAYS });
      expect(result).toMatchObject({ created: [name], moved: 1, failures: [] });
      expect(await storedIn("ahead")).toEqual([name]);
      expect(await count(`SELECT count(*)::int AS n FROM reload_event_default`)).toBe(0);
      const indexes = await sql().query<{ indexdef: string }[]>(
        `SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`,
        name,
      );
      expect(indexes.map((i) => i.indexdef.replace(/^.* USING btree /, ""))).toEqual(
        expect.arrayContaining([
          "(id, occurred_at)",
          "(instance_id, occurred_at DESC)",
          "(reload_id, occurred_at)",
          "(service_id, occurred_at DESC)",
        ]),
      );
      expect(indexes).toHaveLength(4);
      expect(
        await count(
          `SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`,
          name,
        ),
      ).toBe(2);
      // The foreign keys hold on the moved row: deleting its service takes it along.
      await sql().execute(`DELETE FROM service WHERE id = $1`, ref!.service_id);
      expect(await count(`SELECT count(*)::int AS n FROM reload_event`)).toBe(0);
    } finally {
      // Leave the partition in place for the tests that follow, whatever happened.
      await ensurePartitions(appTransactions, { now, retentionDays: env().RETENTION_DAYS });
    }
  });

  test("on a table with a default partition, rows of old, current and later days: old ones get a partition retention drops, later ones wait", async () => {
    const now = new Date();
    const table = "scratch_history";
    await sql().execute(
      `CREATE TABLE ${table} (id text NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)`,
    );
    try {
      await sql().execute(`CREATE TABLE ${table}_default PARTITION OF ${table} DEFAULT`);
      const old = new Date(now.getTime() - 40 * DAY_MS);
      const later = new Date(now.getTime() + 10 * DAY_MS);
      await sql().execute(
        `INSERT INTO ${table} VALUES ('old', $1), ('now', $2), ('later', $3)`,
        old.toISOString(),
        now.toISOString(),
        later.toISOString(),
      );
      const tables = [{ table, column: "at" }];
      const made = await ensurePartitions(appTransactions, { now, retentionDays: 30, tables });
      expect(made.failures).toEqual([]);
      expect(made.moved).toBe(2);
      expect(made.created).toContain(partitionName(table, utcDay(old)));
      expect(made.created).toHaveLength(windowDays(now, 30).length + 1);
      const where = async () =>
        Object.fromEntries(
          (
            await sql().query<{ id: string; p: string }[]>(`SELECT id, tableoid::regclass::text AS p FROM ${table}`)
          ).map((r) => [r.id, r.p]),
        );
      expect(await where()).toEqual({
        old: partitionName(table, utcDay(old)),
        now: partitionName(table, utcDay(now)),
        later: `${table}_default`,
      });

      const retention = await dropExpiredPartitions(appTransactions, { now, retentionDays: 30, tables });
      expect(retention).toEqual({ dropped: [partitionName(table, utcDay(old))], idsDeleted: 0, failures: [] });
      expect(await where()).toEqual({ now: partitionName(table, utcDay(now)), later: `${table}_default` });
    } finally {
      await sql().execute(`DROP TABLE IF EXISTS ${table}`);
    }
  });

  concurrencyTest("run by several processes at once, creates each missing partition once and fails none", async () => {
    const now = new Date();
    const names = [1, 2].map((d) => partitionName("reload_event", addDays(utcDay(now), d)));
    for (const name of names) await sql().execute(`DROP TABLE "${name}"`);
    const clients = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const client = new pg.Client({ connectionString: inject("databaseUrl") });
        await client.connect();
        return client;
      }),
    );
    try {
      const results = await Promise.all(
        clients.map((client) =>
          ensurePartitions(transactionsOn(client), {
            now,
            retentionDays: env().RETENTION_DAYS,
            tables: PARTITIONED_TABLES.slice(0, 1),
          }),
        ),
      );
      expect(results.flatMap((r) => r.failures)).toEqual([]);
      expect(results.flatMap((r) => r.created).sort()).toEqual(names);
      for (const name of names) expect(await partitionsOf("reload_event")).toContain(name);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
      await ensurePartitions(appTransactions, { now, retentionDays: env().RETENTION_DAYS });
    }
  });

  test("maintainStorage runs on the app's pool beside ingest (one connection on the embedded database)", async () => {
    const [report, answer] = await Promise.all([maintainStorage(), postEvents(event({ id: "beside-maintenance" }))]);
    expect(answer.body).toMatchObject({ accepted: 1 });
    expect(report.partitions.failures).toEqual([]);
    expect(report.retention.failures).toEqual([]);
    expect(report.retention.dropped).toEqual([]);
  });
});

describe("retention", () => {
  test("drops a reload_event partition older than the window with its rows and their ids, and nothing inside the window", async () => {
    const now = new Date();
    const retentionDays = 30;
    expect((await postEvents(event({ id: "recent" }))).body).toMatchObject({ accepted: 1 });
    const [ref] = await sql().query<{ service_id: number }[]>(
      `SELECT service_id FROM reload_event WHERE id = 'recent'`,
    );
    // An old day's partition filled straight in SQL, as a deployment running for weeks has.
    const oldDay = utcDay(new Date(now.getTime() - 40 * DAY_MS));
    const oldName = partitionName("reload_event", oldDay);
    await sql().execute(
      `CREATE TABLE "${oldName}" PARTITION OF reload_event FOR VALUES FROM (${bound(oldDay)}) TO (${bound(addDays(oldDay, 1))})`,
    );
    const oldRows = 12_345; // more than one batch of ids
    await sql().execute(
      `WITH rows AS (
         INSERT INTO reload_event (id, service_id, kind, resource, phase, to_version, occurred_at)
         SELECT 'old-' || lpad(g::text, 6, '0'), $1, 'config', 'routes.yaml', 'heartbeat', 'v0', $2::timestamptz + g * interval '1 second'
         FROM generate_series(1, $3::int) AS g
         RETURNING id, occurred_at)
       INSERT INTO reload_event_id SELECT id, occurred_at FROM rows`,
      ref!.service_id,
      oldDay.toISOString(),
      oldRows,
    );
    expect(await storedIn("old-000001")).toEqual([oldName]);
    // The window's first day holds rows on both sides of the cutoff: it stays whole.
    const edge = new Date(now.getTime() - retentionDays * DAY_MS + 60_000);
    expect(
      (await postEvents(event({ id: "edge", instance: "pod-edge", occurredAt: edge.toISOString() }))).body,
    ).toMatchObject({ accepted: 1 });
    const before = await partitionsOf("reload_event");

    const result = await dropExpiredPartitions(appTransactions, { now, retentionDays });
    expect(result).toEqual({ dropped: [oldName], idsDeleted: oldRows, failures: [] });
    expect(await partitionsOf("reload_event")).toEqual(before.filter((p) => p !== oldName));
    expect(await count(`SELECT count(*)::int AS n FROM reload_event WHERE id LIKE 'old-%'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM reload_event_id WHERE id LIKE 'old-%'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM reload_event`)).toBe(2);
    expect(await count(`SELECT count(*)::int AS n FROM reload_event_id`)).toBe(2);
    for (const day of windowDays(now, retentionDays)) expect(before).toContain(partitionName("reload_event", day));

    expect(await dropExpiredPartitions(appTransactions, { now, retentionDays })).toEqual({
      dropped: [],
      idsDeleted: 0,
      failures: [],
    });
  });
});
