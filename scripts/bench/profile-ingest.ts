// Where one ingest batch's time goes: runs the app's own ingest code (parseEvents →
// storeEvents) in this process, one batch at a time (so no lock waits), on a fresh database,
// and times JSON.parse, validation, and every SQL statement storeEvents sends (by wrapping
// pg's Client#query, which the Prisma pg adapter uses). Not part of `npm run bench`; run:
//   npx tsx --conditions=react-server scripts/bench/profile-ingest.ts
// Settings: PROFILE_EVENTS (default 160,000: the 60,000 opening heartbeats, then steady state),
// BENCH_BATCH (500), DATABASE_URL (server; default postgresql://postgres@127.0.0.1:5432/postgres).
import pg from "pg";
import { disconnectDb } from "@/lib/db/client";
import { migrate } from "@/lib/db/migrate";
import { resetEnvCache } from "@/lib/env";
import { parseEvents } from "@/lib/ingest/parse-events";
import { RELOADSCOPE_WRITER, storeEvents } from "@/lib/ingest/store-events";
import { EventStream, liveWindow, RESOURCES } from "./generator";
import { markdownTable } from "./format";

const serverUrl = process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const total = Number(process.env.PROFILE_EVENTS ?? 160_000);
const batchSize = Number(process.env.BENCH_BATCH ?? 500);

type Bucket = Map<string, { ms: number; calls: number }>;
let current: Bucket | null = null;
const add = (bucket: Bucket | null, key: string, ms: number) => {
  if (!bucket) return;
  const b = bucket.get(key) ?? { ms: 0, calls: 0 };
  b.ms += ms;
  b.calls++;
  bucket.set(key, b);
};

/** "INSERT INTO service", "SELECT … FROM instance_state … FOR UPDATE", "UPDATE reload", … */
function statementName(sql: string): string {
  const s = sql.replace(/\s+/g, " ").trim();
  const m =
    s.match(/^(INSERT INTO \w+)/i) ??
    s.match(/^(UPDATE \w+)/i) ??
    s.match(/^(DELETE FROM \w+)/i) ??
    s.match(/^SELECT .*? FROM (\w+)/i);
  if (!m) return s.slice(0, 40);
  const base = m[0]!.startsWith("SELECT") ? `SELECT FROM ${m[1]}` : m[1]!;
  return /FOR UPDATE/i.test(s) ? `${base} FOR UPDATE` : base;
}

// Wrap pg's Client#query: time from call to result, per statement.
const ClientProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const originalQuery = ClientProto.query;
ClientProto.query = function (this: unknown, ...args: unknown[]) {
  const first = args[0] as string | { text?: string };
  const text = typeof first === "string" ? first : (first?.text ?? "");
  const bucket = current;
  const t0 = performance.now();
  const result = originalQuery.apply(this, args);
  if (result && typeof (result as Promise<unknown>).then === "function") {
    return (result as Promise<unknown>).then(
      (r) => {
        add(bucket, `sql: ${statementName(text)}`, performance.now() - t0);
        return r;
      },
      (e) => {
        add(bucket, `sql: ${statementName(text)}`, performance.now() - t0);
        throw e;
      },
    );
  }
  return result;
};

async function main() {
  const name = `reloadscope_profile_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  admin.on("error", () => {}); // a dropped idle connection: the next query rejects instead
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.hostname = "127.0.0.1";
  url.pathname = `/${name}`;
  try {
    await migrate(url.toString());
    process.env.DATABASE_URL = url.toString();
    process.env.DATABASE_POOL_SIZE = "2";
    resetEnvCache();

    const shape = { services: 1000, instancesPerService: 20 };
    const { startAt, endAt } = liveWindow(total, shape);
    const stream = new EventStream({ ...shape, totalEvents: total, startAt, endAt });
    const triples = 1000 * 20 * RESOURCES.length;
    const phases: { label: string; bucket: Bucket; batches: number; events: number; wallMs: number }[] = [
      {
        label: `opening heartbeats (first ${triples.toLocaleString("en-US")}: instance_state inserts)`,
        bucket: new Map(),
        batches: 0,
        events: 0,
        wallMs: 0,
      },
      {
        label: "steady state (heartbeats + reloads: instance_state updates)",
        bucket: new Map(),
        batches: 0,
        events: 0,
        wallMs: 0,
      },
    ];
    while (stream.remaining > 0) {
      const phase = stream.produced < triples ? phases[0]! : phases[1]!;
      const events = stream.take(batchSize);
      const body = Buffer.from(JSON.stringify(events.map((e) => e.wire)));
      const t0 = performance.now();
      current = phase.bucket;
      let t = performance.now();
      const decoded = JSON.parse(body.toString("utf8"));
      add(current, "app: JSON.parse", performance.now() - t);
      t = performance.now();
      const parsed = parseEvents(decoded, "json", 5000);
      add(current, "app: parseEvents (zod validation)", performance.now() - t);
      t = performance.now();
      const stored = await storeEvents(
        parsed.events.map((p) => p.event),
        { writer: RELOADSCOPE_WRITER },
      );
      add(current, "storeEvents total (transaction)", performance.now() - t);
      current = null;
      if (stored.accepted !== events.length) throw new Error(`stored ${stored.accepted} of ${events.length}`);
      phase.batches++;
      phase.events += events.length;
      phase.wallMs += performance.now() - t0;
    }
    for (const p of phases) {
      if (p.batches === 0) continue;
      const sql = [...p.bucket.entries()].filter(([k]) => k.startsWith("sql: ")).reduce((n, [, v]) => n + v.ms, 0);
      const store = p.bucket.get("storeEvents total (transaction)")!.ms;
      const rows = [...p.bucket.entries()]
        .sort((a, b) => b[1].ms - a[1].ms)
        .map(([k, v]) => [
          k,
          (v.ms / p.batches).toFixed(2),
          (v.calls / p.batches).toFixed(1),
          `${((100 * v.ms) / p.wallMs).toFixed(0)}%`,
        ]);
      rows.push([
        "storeEvents outside SQL (Prisma, JS folding, array building)",
        ((store - sql) / p.batches).toFixed(2),
        "",
        `${((100 * (store - sql)) / p.wallMs).toFixed(0)}%`,
      ]);
      console.log(
        `\n### ${p.label}: ${p.batches} batches of ${batchSize}, ${(p.wallMs / p.batches).toFixed(1)} ms per batch = ${Math.round(p.events / (p.wallMs / 1000)).toLocaleString("en-US")} events/s on one connection`,
      );
      console.log(markdownTable(["stage", "ms per batch", "calls per batch", "share of batch time"], rows));
    }
  } finally {
    await disconnectDb().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
