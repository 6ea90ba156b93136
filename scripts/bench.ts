// `npm run bench`: fills a fresh database through POST /api/v1/events and reports, in one run
// on one machine (docs/benchmark.md):
//   - events/s through the endpoint (batches of 500, 4 concurrent clients) over a measured
//     slice, beside events/s for the same rows inserted straight into reload_event with pg
//     (the ratio is the figure; target ≥ 0.5);
//   - getFleetMatrix time (p50/p95/max over 30+ calls) for 1,000 services × 20 instances ×
//     3 resources, after the slice and again with the full history (default 2,000,000 events),
//     so the two p95s show whether the matrix's cost grows with stored events (target ≤ 100 ms);
//   - the app's peak resident memory (the `next start` process tree, sampled every 200 ms;
//     target ≤ 500 MB).
// It talks only to 127.0.0.1, creates its databases and drops them again (also on failure),
// and stops by itself. Misses are reported, not failed on; a broken run exits non-zero.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { disconnectDb } from "@/lib/db/client";
import { migrate } from "@/lib/db/migrate";
import { resetEnvCache } from "@/lib/env";
import type { FleetFilters } from "@/lib/fleet/filters";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { EventStream, liveWindow, RESOURCES, type BenchEvent } from "./bench/generator";
import { ActivitySampler, describeActivity } from "./bench/activity";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "./bench/cpu";
import { IngestClient } from "./bench/http";
import { rawInsert, seedRawFleet } from "./bench/raw";
import { duration, int, markdownTable, mb, ms, summarize, verdict, type Timing } from "./bench/format";
import { RssSampler, type RssReport } from "./bench/rss";
import { VacuumStandIn, type VacuumStats } from "./bench/vacuum";

// ---------------------------------------------------------------------------------------------
// Settings (environment variables, all optional)

/** Problems with the settings, reported by main() like any other failure. */
const configErrors: string[] = [];

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.replace(/[_,]/g, ""));
  if (!Number.isFinite(value) || value < 0) {
    configErrors.push(`${name} must be a non-negative number, got ${raw}`);
    return fallback;
  }
  return value;
}

const cfg = {
  serverUrl: process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres",
  events: Math.floor(numberEnv("BENCH_EVENTS", 2_000_000)),
  measureEvents: Math.floor(numberEnv("BENCH_MEASURE_EVENTS", 200_000)),
  batch: Math.floor(numberEnv("BENCH_BATCH", 500)),
  clients: Math.floor(numberEnv("BENCH_CLIENTS", 4)),
  services: Math.floor(numberEnv("BENCH_SERVICES", 1000)),
  instances: Math.floor(numberEnv("BENCH_INSTANCES", 20)),
  /** seconds between two heartbeats of one (instance, resource) in event time */
  heartbeatS: numberEnv("BENCH_HEARTBEAT_S", 15),
  /** seconds the endpoint may spend on the fill after the measured slice; the rest goes in by SQL */
  fillBudgetS: numberEnv("BENCH_FILL_BUDGET_S", 480),
  /** the raw insert is short and noisy: it runs this many times (fresh table each time); the median counts */
  rawRepeats: Math.max(1, Math.floor(numberEnv("BENCH_RAW_REPEATS", 3))),
  matrixRuns: Math.floor(numberEnv("BENCH_MATRIX_RUNS", 40)),
  matrixWarmup: Math.floor(numberEnv("BENCH_MATRIX_WARMUP", 5)),
  poolSize: Math.floor(numberEnv("BENCH_POOL_SIZE", 10)),
  timeoutS: numberEnv("BENCH_TIMEOUT_S", 1800),
  keepDb: process.env.BENCH_KEEP_DB === "1",
  jsonOut: process.env.BENCH_JSON || null,
  /** auto: stand in for autovacuum when the server has it switched off; on: always; off: never */
  vacuum: (process.env.BENCH_VACUUM || "auto") as "auto" | "on" | "off",
  vacuumIntervalS: numberEnv("BENCH_VACUUM_INTERVAL_S", 30),
};
if (!["auto", "on", "off"].includes(cfg.vacuum)) configErrors.push(`BENCH_VACUUM must be auto, on or off, got ${cfg.vacuum}`);

const TARGETS = { ratio: 0.5, matrixP95Ms: 100, peakRssMb: 500, growth: 1.25, growthSlackMs: 5 };

// ---------------------------------------------------------------------------------------------
// Progress and cleanup

const started = performance.now();
const elapsed = () => performance.now() - started;
const stamp = () => {
  const s = Math.floor(elapsed() / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};
const log = (line: string) => console.log(`[bench ${stamp()}] ${line}`);

const progress = { phase: "setup", done: 0, total: 0, phaseStarted: performance.now() };
function phase(name: string, total = 0) {
  progress.phase = name;
  progress.done = 0;
  progress.total = total;
  progress.phaseStarted = performance.now();
  log(`${name}${total ? ` (${int(total)} events)` : ""}`);
}

let sampler: RssSampler | null = null;
let vacuum: VacuumStandIn | null = null;
let activity: ActivitySampler | null = null;
let server: ChildProcess | null = null;
let serverLog: string | null = null;
const databases: string[] = [];
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await disconnectDb().catch(() => {});
    await activity?.stop().catch(() => {});
    await vacuum?.stop().catch(() => {});
    await stopServer();
    if (cfg.keepDb) {
      if (databases.length) log(`BENCH_KEEP_DB=1: keeping ${databases.join(", ")}`);
      return;
    }
    for (const name of databases.splice(0)) {
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch((error) =>
        console.error(`[bench] could not drop ${name}: ${(error as Error).message}`),
      );
    }
  })();
  return cleaning;
}

async function stopServer(): Promise<void> {
  const child = server;
  server = null;
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal); // the whole process group: next and anything it forked
    } catch {
      child.kill(signal);
    }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Database helpers

function assertLocal(url: string) {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
    throw new Error(`the benchmark only targets a local PostgreSQL (127.0.0.1); DATABASE_URL points at ${host}`);
  }
}

function dbUrl(name: string): string {
  const url = new URL(cfg.serverUrl);
  url.hostname = "127.0.0.1";
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: dbUrl(new URL(cfg.serverUrl).pathname.slice(1) || "postgres") });
  c.on("error", () => {}); // a connection ended by the server surfaces as a failed query instead
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

async function createDatabase(name: string): Promise<string> {
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  databases.push(name);
  const url = dbUrl(name);
  await migrate(url);
  return url;
}

async function checkpoint(): Promise<void> {
  // Start each measured phase with no dirty buffers left over from the previous one.
  await withAdmin((c) => c.query("CHECKPOINT")).catch(() => {});
}

interface TableFigures {
  live: number;
  dead: number;
  pages: number;
}

interface DbFigures {
  /** the read-model tables the matrix reads */
  tables: Record<string, TableFigures>;
  events: number;
  /** rows the matrix's version-aggregate query groups into: distinct (service, kind, resource, version) */
  versionGroups: number;
  instanceStates: number;
  instanceStateBytes: number;
  reloadEventBytes: number;
  reloads: number;
  desired: number;
  statuses: Record<string, number>;
}

async function dbFigures(url: string): Promise<DbFigures> {
  return withDb(url, async (c) => {
    const one = async (sql: string) => Number(Object.values((await c.query(sql)).rows[0] as object)[0]);
    const statuses = await c.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM reload GROUP BY status ORDER BY 2 DESC`);
    const tables = await c.query<{ relname: string; live: number; dead: number; pages: number }>(
      `SELECT relname, n_live_tup::int AS live, n_dead_tup::int AS dead, (pg_relation_size(relid) / 8192)::int AS pages
       FROM pg_stat_user_tables WHERE relname IN ('service', 'instance', 'instance_state', 'desired_version') ORDER BY relname`,
    );
    return {
      tables: Object.fromEntries(tables.rows.map((r) => [r.relname, { live: r.live, dead: r.dead, pages: r.pages }])),
      events: await one(`SELECT count(*) FROM reload_event`),
      versionGroups: await one(`SELECT count(*) FROM (SELECT DISTINCT service_id, kind, resource, version FROM instance_state) g`),
      instanceStates: await one(`SELECT count(*) FROM instance_state`),
      instanceStateBytes: await one(`SELECT pg_total_relation_size('instance_state')`),
      reloadEventBytes: await one(`SELECT pg_total_relation_size('reload_event')`),
      reloads: await one(`SELECT count(*) FROM reload`),
      desired: await one(`SELECT count(*) FROM desired_version`),
      statuses: Object.fromEntries(statuses.rows.map((r) => [r.status, r.n])),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The app server

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function startServer(url: string, port: number, token: string): ChildProcess {
  const nextBin = path.join(process.cwd(), "node_modules", ".bin", "next");
  if (!fs.existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    throw new Error("the app is not built (.next/BUILD_ID is missing): run `npm run build` first");
  }
  serverLog = path.join(os.tmpdir(), `reloadscope-bench-${process.pid}-server.log`);
  const out = fs.openSync(serverLog, "w");
  // The child gets a clean environment: no tsx loader or react-server condition via NODE_OPTIONS.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  Object.assign(env, {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: String(cfg.poolSize),
    INGEST_TOKEN: token,
    PORT: String(port),
  });
  const child = spawn(nextBin, ["start", "-p", String(port), "-H", "127.0.0.1"], {
    env,
    detached: true, // its own process group, so stopServer reaches every process it starts
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  child.on("exit", (code, signal) => {
    if (server === child) log(`next start exited unexpectedly (code ${code}, signal ${signal})`);
  });
  return child;
}

function serverLogTail(lines = 30): string {
  if (!serverLog || !fs.existsSync(serverLog)) return "";
  return fs.readFileSync(serverLog, "utf8").split("\n").slice(-lines).join("\n");
}

async function waitForServer(client: IngestClient, child: ChildProcess, timeoutMs = 90_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`next start exited before answering:\n${serverLogTail()}`);
    }
    try {
      const res = await client.request("GET", "/api/v1/fleet/status");
      if (res.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`next start did not answer within ${timeoutMs / 1000} s:\n${serverLogTail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Which code ran: git commit, uncommitted changes, and whether the build is older than the sources. */
function provenance(): string {
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  const head = git("rev-parse", "--short", "HEAD") || "unknown";
  const dirty = git("status", "--porcelain", "--", "app", "lib", "components").split("\n").filter(Boolean).length;
  const buildIdFile = path.join(process.cwd(), ".next", "BUILD_ID");
  const built = fs.statSync(buildIdFile).mtimeMs;
  let newer = 0;
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "generated") walk(full);
      } else if (/\.(ts|tsx)$/.test(entry.name) && fs.statSync(full).mtimeMs > built) newer++;
    }
  };
  for (const dir of ["app", "lib", "components"]) if (fs.existsSync(dir)) walk(dir);
  return `commit ${head}${dirty ? ` + ${dirty} uncommitted changes in app/lib/components` : ""}; ` +
    `.next build ${fs.readFileSync(buildIdFile, "utf8").trim()} from ${new Date(built).toISOString()}` +
    (newer ? ` (WARNING: ${newer} source files are newer than the build: the server runs the build, getFleetMatrix runs the sources)` : "");
}

// ---------------------------------------------------------------------------------------------
// Phases

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const body = (events: BenchEvent[]) => Buffer.from(JSON.stringify(events.map((e) => e.wire)));

/** Posts pre-serialised bodies from `clients` concurrent loops; returns elapsed ms. */
async function postAll(client: IngestClient, bodies: { body: Buffer; count: number }[]): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: cfg.clients }, async () => {
      for (;;) {
        const b = next++;
        if (b >= bodies.length) return;
        await client.post(bodies[b]!.body, bodies[b]!.count);
        progress.done += bodies[b]!.count;
      }
    }),
  );
  return performance.now() - t0;
}

/** Generates and posts batches until the stream ends or the deadline passes; returns events sent. */
async function postUntil(client: IngestClient, stream: EventStream, deadline: number): Promise<{ sent: number; ms: number }> {
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: cfg.clients }, async () => {
      while (stream.remaining > 0 && performance.now() < deadline) {
        const events = stream.take(cfg.batch);
        await client.post(body(events), events.length);
        sent += events.length;
        progress.done += events.length;
      }
    }),
  );
  return { sent, ms: performance.now() - t0 };
}

/**
 * The fast path for the rest of the history: heartbeat rows straight into reload_event with
 * generate_series (history only: instance_state, reload and the rest are not touched), spread
 * over the days before the live window, pointing at the fleet's real instances.
 */
async function sqlFill(url: string, count: number, firstIndex: number, startAt: number, endAt: number): Promise<number> {
  const t0 = performance.now();
  const step = 100_000;
  await withDb(url, async (c) => {
    for (let from = 0; from < count; from += step) {
      const n = Math.min(step, count - from);
      await c.query(
        `WITH fleet AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(service_id ORDER BY id) AS sids, count(*)::int AS n FROM instance)
         INSERT INTO reload_event (id, service_id, instance_id, kind, resource, phase, to_version, occurred_at, attributes)
         SELECT 'fill-' || lpad(g::text, 9, '0'),
                fleet.sids[1 + (g % fleet.n)::int], fleet.ids[1 + (g % fleet.n)::int],
                ($3::text[])[1 + ((g / fleet.n) % 3)::int], ($4::text[])[1 + ((g / fleet.n) % 3)::int],
                'heartbeat', 'hist-' || ((g / fleet.n) % 97),
                to_timestamp(($5::float8 + random() * ($6::float8 - $5::float8)) / 1000.0), '{}'::jsonb
         FROM fleet, generate_series($1::bigint, $1::bigint + $2::bigint - 1) AS g`,
        [firstIndex + from, n, RESOURCES.map((r) => r.kind), RESOURCES.map((r) => r.resource), startAt, endAt],
      );
      progress.done += n;
    }
  });
  return performance.now() - t0;
}

const FILTERS: FleetFilters = { env: undefined, ns: undefined, kind: undefined, q: undefined, drifting: false, page: 1 };

interface MatrixRun {
  timing: Timing;
  cpu: CpuUse;
  services: number;
  instances: number;
  drifting: number;
  problems: number;
}

interface MatrixPoint extends MatrixRun {
  storedEvents: number;
  db: DbFigures;
  /** the same calls right after VACUUM (ANALYZE) of the read model: no dead rows, fresh statistics */
  vacuumed: MatrixRun;
  vacuumedDb: DbFigures;
}

async function matrixRun(label: string): Promise<MatrixRun> {
  for (let i = 0; i < cfg.matrixWarmup; i++) await getFleetMatrix(FILTERS);
  const cpu0 = cpuSnapshot(server?.pid);
  const samples: number[] = [];
  let last: Awaited<ReturnType<typeof getFleetMatrix>> | null = null;
  for (let i = 0; i < cfg.matrixRuns; i++) {
    const t0 = performance.now();
    last = await getFleetMatrix(FILTERS);
    samples.push(performance.now() - t0);
    progress.done = i + 1;
  }
  const cpu = cpuSince(cpu0, server?.pid);
  const timing = summarize(samples);
  log(`matrix ${label}: p50 ${ms(timing.p50)}, p95 ${ms(timing.p95)}, max ${ms(timing.max)}; ` +
    `${last!.totals.services} services, ${last!.totals.instances} instances, ${last!.totals.drifting} drifting; ${describeCpu(cpu)}`);
  return { timing, cpu, services: last!.totals.services, instances: last!.totals.instances, drifting: last!.totals.drifting, problems: last!.totals.problems };
}

const describeTables = (f: DbFigures) =>
  Object.entries(f.tables).map(([t, x]) => `${t} ${int(x.live)} live / ${int(x.dead)} dead rows in ${int(x.pages)} pages`).join(", ");

async function timeMatrix(url: string, label: string): Promise<MatrixPoint> {
  const figures = await dbFigures(url);
  phase(`matrix ${label}: ${cfg.matrixWarmup} warm-up + ${cfg.matrixRuns} timed getFleetMatrix calls, ${int(figures.events)} stored events`);
  log(`read model: ${describeTables(figures)}`);
  const asIs = await matrixRun(label);
  // The same again with the read model just vacuumed: separates "grows with stored events"
  // from "grows with dead rows not yet vacuumed".
  await withDb(url, (c) => c.query("VACUUM (ANALYZE) service, instance, instance_state, desired_version"));
  const vacuumedDb = await dbFigures(url);
  phase(`matrix ${label} after VACUUM (ANALYZE) of the read model`);
  const vacuumed = await matrixRun(`${label}, vacuumed`);
  return { ...asIs, storedEvents: figures.events, db: figures, vacuumed, vacuumedDb };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  if (configErrors.length > 0) throw new Error(configErrors.join("; "));
  assertLocal(cfg.serverUrl);
  const triples = cfg.services * cfg.instances * RESOURCES.length;
  if (cfg.batch < 1 || cfg.clients < 1 || cfg.matrixRuns < 1) throw new Error("BENCH_BATCH, BENCH_CLIENTS and BENCH_MATRIX_RUNS must be at least 1");
  if (cfg.events < triples) throw new Error(`BENCH_EVENTS must be at least ${int(triples)} (one heartbeat per instance × resource)`);
  const measure = Math.min(cfg.measureEvents, cfg.events);
  const pg15 = await withAdmin(async (c) => (await c.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version);
  const autovacuumOn = await withAdmin(async (c) => (await c.query<{ autovacuum: string }>("SHOW autovacuum")).rows[0]!.autovacuum === "on");
  const standIn = cfg.vacuum === "on" || (cfg.vacuum === "auto" && !autovacuumOn);
  log(`Reloadscope benchmark: ${int(cfg.events)} events, ${cfg.services} services × ${cfg.instances} instances × ${RESOURCES.length} resources, ` +
    `measured slice ${int(measure)}, ${cfg.clients} clients × ${cfg.batch}/batch; ${os.cpus().length} CPUs, PostgreSQL ${pg15}`);

  const watchdog = setTimeout(() => {
    console.error(`[bench] gave up after BENCH_TIMEOUT_S=${cfg.timeoutS} s`);
    void cleanup().finally(() => process.exit(3));
  }, cfg.timeoutS * 1000);
  const ticker = setInterval(() => {
    void (async () => {
      const rss = sampler ? await sampler.read().catch(() => null) : null;
      const secs = (performance.now() - progress.phaseStarted) / 1000;
      const rate = progress.total && progress.done ? `, ${int(progress.done / secs)} ev/s` : "";
      const done = progress.total ? ` ${int(progress.done)}/${int(progress.total)}${rate}` : "";
      const mem = rss ? ` | app RSS ${mb(rss.lastRssBytes)} (peak ${mb(rss.peakRssBytes)})` : "";
      log(`… ${progress.phase.split(":")[0]}${done}${mem}`);
    })();
  }, 10_000);

  try {
    // --- setup: two fresh databases, the app on a free port ---------------------------------
    const tag = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const appName = `reloadscope_bench_${tag}`;
    const rawName = `${appName}_raw`;
    const appUrl = await createDatabase(appName);
    const rawUrl = await createDatabase(rawName);
    log(`databases ${appName} (through the app) and ${rawName} (raw inserts) created and migrated`);
    if (standIn) {
      vacuum = new VacuumStandIn(appUrl, cfg.vacuumIntervalS * 1000, log);
      vacuum.start();
      log(`the server runs with autovacuum = ${autovacuumOn ? "on" : "off"}: a stand-in applies autovacuum's default thresholds to ${appName} every ${cfg.vacuumIntervalS} s (BENCH_VACUUM=off to measure without)`);
    } else if (!autovacuumOn) {
      log("WARNING: the server runs with autovacuum = off and BENCH_VACUUM=off: dead rows and stale statistics will pile up in the read model");
    }

    // Event time runs at the modelled fleet's own rate (a heartbeat per instance × resource
    // every BENCH_HEARTBEAT_S seconds, plus reloads) and ends a minute before the start, so no
    // event is in the future and the gaps between one instance's events are those of a live
    // fleet; capped below the app's INSTANCE_STALE_SECONDS so the whole fleet stays live in the
    // matrix. History added by the SQL fill, if any, lies in the three days before that.
    const staleMs = (Number(process.env.INSTANCE_STALE_SECONDS) || 86_400) * 1000;
    const shape = { services: cfg.services, instancesPerService: cfg.instances };
    const { startAt, endAt, eventsPerSecond } = liveWindow(cfg.events, shape, { heartbeatS: cfg.heartbeatS, maxSpanMs: 0.8 * staleMs });
    const historyStart = startAt - 3 * 24 * 3600_000;
    const stream = new EventStream({ ...shape, totalEvents: cfg.events, startAt, endAt });
    log(`event time: ${new Date(startAt).toISOString()} → ${new Date(endAt).toISOString()} (${int(eventsPerSecond)} events per second of event time: ` +
      `a heartbeat per instance × resource every ${cfg.heartbeatS} s, plus reloads)`);
    await seedRawFleet(rawUrl, stream);

    const token = `bench-${randomBytes(16).toString("hex")}`;
    const port = await freePort();
    server = startServer(appUrl, port, token);
    sampler = new RssSampler(server.pid!, 200);
    const client = new IngestClient(port, token, cfg.clients);
    const readyMs = await waitForServer(client, server);
    const warm = await client.request("POST", "/api/v1/events", Buffer.from("[]"));
    if (warm.status !== 400) throw new Error(`warm-up POST [] answered ${warm.status} (expected 400 empty_batch): ${warm.text}`);
    const code = provenance();
    log(`code under test: ${code}`);
    log(`next start (pid ${server.pid}) answers on 127.0.0.1:${port} after ${(readyMs / 1000).toFixed(1)} s; log: ${serverLog}`);

    // --- the measured slice: generated once, the same rows for both paths ------------------
    phase("generating the measured slice", measure);
    const sliceBatches = chunk(stream.take(measure), cfg.batch);
    const sliceBodies = sliceBatches.map((b) => ({ body: body(b), count: b.length }));
    const sliceBytes = sliceBodies.reduce((n, b) => n + b.body.length, 0);
    log(`slice: ${sliceBodies.length} batches, ${mb(sliceBytes)} of JSON (${int(sliceBytes / measure)} bytes/event), ${stream.reloads} reloads`);

    const rawRuns: { rate: number; cpu: CpuUse }[] = [];
    for (let r = 1; r <= cfg.rawRepeats; r++) {
      if (r > 1) await withDb(rawUrl, (c) => c.query("TRUNCATE reload_event"));
      await checkpoint();
      phase(`raw INSERT … unnest via pg into ${rawName}, run ${r} of ${cfg.rawRepeats}`, measure);
      const rawCpu0 = cpuSnapshot(server.pid);
      const rawMs = await rawInsert(rawUrl, sliceBatches, cfg.clients, (n) => (progress.done += n));
      const cpu = cpuSince(rawCpu0, server.pid);
      rawRuns.push({ rate: measure / (rawMs / 1000), cpu });
      log(`raw run ${r}: ${int(measure)} events in ${(rawMs / 1000).toFixed(1)} s = ${int(measure / (rawMs / 1000))} events/s; ${describeCpu(cpu)}`);
      const rawCount = await withDb(rawUrl, async (c) => Number((await c.query("SELECT count(*) AS n FROM reload_event")).rows[0].n));
      if (rawCount !== measure) throw new Error(`raw database holds ${rawCount} events, expected ${measure}`);
    }
    const rawMedian = [...rawRuns].sort((a, b) => a.rate - b.rate)[Math.floor((rawRuns.length - 1) / 2)]!;
    const rawRate = rawMedian.rate;
    const rawCpu = rawMedian.cpu;
    // Dropped now, so its autovacuum does not run during the endpoint phase.
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${rawName}" WITH (FORCE)`));
    databases.splice(databases.indexOf(rawName), 1);

    await checkpoint();
    phase("POST /api/v1/events (measured slice)", measure);
    activity = new ActivitySampler(appUrl, appName);
    await activity.start();
    const ingestCpu0 = cpuSnapshot(server.pid);
    const ingestMs = await postAll(client, sliceBodies);
    const ingestCpu = cpuSince(ingestCpu0, server.pid);
    const ingestActivity = await activity.stop();
    const ingestRate = measure / (ingestMs / 1000);
    log(`endpoint: ${int(measure)} events in ${(ingestMs / 1000).toFixed(1)} s = ${int(ingestRate)} events/s (ratio ${(ingestRate / rawRate).toFixed(2)}); ${describeCpu(ingestCpu)}`);
    log(`endpoint: ${describeActivity(ingestActivity)}`);
    sliceBodies.length = 0;
    sliceBatches.length = 0;

    // --- matrix with a short history ---------------------------------------------------------
    process.env.DATABASE_URL = appUrl;
    process.env.DATABASE_POOL_SIZE = "4";
    resetEnvCache();
    const small = await timeMatrix(appUrl, "A (after the measured slice)");

    // --- fill the rest of the history --------------------------------------------------------
    let viaEndpointFill = 0;
    let fillMs = 0;
    let viaSql = 0;
    let sqlMs = 0;
    let fillCpu: CpuUse | null = null;
    if (stream.remaining > 0) {
      const predicted = stream.remaining / ingestRate;
      phase(`fill through POST /api/v1/events (budget ${cfg.fillBudgetS} s; at the measured rate the rest needs ~${Math.round(predicted)} s)`, stream.remaining);
      const fillCpu0 = cpuSnapshot(server.pid);
      const fill = await postUntil(client, stream, performance.now() + cfg.fillBudgetS * 1000);
      fillCpu = cpuSince(fillCpu0, server.pid);
      viaEndpointFill = fill.sent;
      fillMs = fill.ms;
      log(`fill: ${int(fill.sent)} events through the endpoint in ${(fill.ms / 1000).toFixed(1)} s` +
        (fill.sent ? ` = ${int(fill.sent / (fill.ms / 1000))} events/s; ${describeCpu(fillCpu)}` : ""));
      if (stream.remaining > 0) {
        viaSql = stream.remaining;
        phase("fill the rest by SQL (generate_series INSERT of older heartbeat history into reload_event)", viaSql);
        sqlMs = await sqlFill(appUrl, viaSql, stream.produced, historyStart, startAt);
        log(`SQL fill: ${int(viaSql)} events in ${(sqlMs / 1000).toFixed(1)} s`);
      }
    }

    // --- matrix with the full history ----------------------------------------------------------
    const large = await timeMatrix(appUrl, "B (full history)");
    const final = large.db;
    const vacuumStats: VacuumStats | null = vacuum ? await vacuum.stop() : null;
    const rss: RssReport = await sampler.stop();
    clearInterval(ticker);
    await stopServer();

    // --- report ---------------------------------------------------------------------------------
    const ratio = ingestRate / rawRate;
    const growthLimit = Math.max(small.timing.p95 * TARGETS.growth, small.timing.p95 + TARGETS.growthSlackMs);
    const vacuumedGrowthLimit = Math.max(small.vacuumed.timing.p95 * TARGETS.growth, small.vacuumed.timing.p95 + TARGETS.growthSlackMs);
    const peakMb = rss.peakRssBytes / 1024 / 1024;
    const fullRun = cfg.events >= 2_000_000;
    const endpointTotal = measure + viaEndpointFill;
    const rows: string[][] = [
      [`ingest: POST /api/v1/events, ${cfg.clients} clients × ${cfg.batch}/batch (first ${int(measure)} events)`, `${int(ingestRate)} events/s`, "", ""],
      [`raw: INSERT … unnest via pg, same rows, ${cfg.clients} clients × ${cfg.batch}/batch`, `${int(rawRate)} events/s`, "", ""],
      ["ingest / raw ratio", ratio.toFixed(2), `≥ ${TARGETS.ratio}`, verdict(ratio >= TARGETS.ratio)],
      [`matrix p50 / p95 / max, ${int(small.storedEvents)} stored events (A: ${int(small.db.versionGroups)} version groups, ${int(small.drifting)} drifting)`, `${ms(small.timing.p50)} / ${ms(small.timing.p95)} / ${ms(small.timing.max)}`, `p95 ≤ ${TARGETS.matrixP95Ms} ms`, verdict(small.timing.p95 <= TARGETS.matrixP95Ms)],
      [`matrix p50 / p95 / max, ${int(large.storedEvents)} stored events (B: ${int(large.db.versionGroups)} version groups, ${int(large.drifting)} drifting)`, `${ms(large.timing.p50)} / ${ms(large.timing.p95)} / ${ms(large.timing.max)}`, `p95 ≤ ${TARGETS.matrixP95Ms} ms`, verdict(large.timing.p95 <= TARGETS.matrixP95Ms)],
      [`matrix growth: p95 B / p95 A (${(large.storedEvents / Math.max(1, small.storedEvents)).toFixed(1)}× the events)`, `${(large.timing.p95 / small.timing.p95).toFixed(2)}×`, `≤ ${TARGETS.growth}× (or +${TARGETS.growthSlackMs} ms)`, verdict(large.timing.p95 <= growthLimit)],
      [`matrix p50 / p95 / max right after VACUUM (ANALYZE) of the read model, A`, `${ms(small.vacuumed.timing.p50)} / ${ms(small.vacuumed.timing.p95)} / ${ms(small.vacuumed.timing.max)}`, `p95 ≤ ${TARGETS.matrixP95Ms} ms`, verdict(small.vacuumed.timing.p95 <= TARGETS.matrixP95Ms)],
      [`matrix p50 / p95 / max right after VACUUM (ANALYZE) of the read model, B`, `${ms(large.vacuumed.timing.p50)} / ${ms(large.vacuumed.timing.p95)} / ${ms(large.vacuumed.timing.max)}`, `p95 ≤ ${TARGETS.matrixP95Ms} ms`, verdict(large.vacuumed.timing.p95 <= TARGETS.matrixP95Ms)],
      [`matrix growth after VACUUM: p95 B / p95 A (no dead rows at either point)`, `${(large.vacuumed.timing.p95 / small.vacuumed.timing.p95).toFixed(2)}×`, `≤ ${TARGETS.growth}× (or +${TARGETS.growthSlackMs} ms)`, verdict(large.vacuumed.timing.p95 <= vacuumedGrowthLimit)],
      ["stored events (reload_event rows)", `${int(final.events)} (${int(endpointTotal)} via endpoint, ${int(viaSql)} via SQL fill)`, `${int(cfg.events)}${fullRun ? "" : " (reduced run)"}`, verdict(final.events === cfg.events)],
      ["instance_state rows", int(final.instanceStates), int(triples), verdict(final.instanceStates === triples)],
      ["matrix content (services / live instances at A and at B)", `${int(small.services)} / ${int(small.instances)} and ${int(large.services)} / ${int(large.instances)}`,
        `${int(cfg.services)} / ${int(cfg.services * cfg.instances)}`, verdict([small, large].every((p) => p.services === cfg.services && p.instances === cfg.services * cfg.instances))],
      [`app peak RSS (next start process tree, ${int(rss.samples)} samples / 200 ms)`, `${peakMb.toFixed(0)} MB (sum of VmHWM ${mb(rss.peakHwmBytes)})`, `≤ ${TARGETS.peakRssMb} MB`, verdict(peakMb <= TARGETS.peakRssMb)],
    ];
    const total = elapsed();
    console.log("");
    console.log(`## Reloadscope benchmark — ${new Date().toISOString()}`);
    console.log(`${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${mb(os.totalmem())} RAM, PostgreSQL ${pg15}, Node ${process.version}; run took ${duration(total)}`);
    console.log(`Code: ${code}`);
    console.log("");
    console.log(markdownTable(["figure", "value", "target", "result"], rows));
    console.log("");
    console.log("Notes:");
    console.log(`- event mix: ${Object.entries(stream.counts).sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ${int(n)}`).join(", ")} (${int(stream.reloads)} reloads generated)`);
    console.log(`- reloads stored: ${int(final.reloads)} (${Object.entries(final.statuses).map(([s, n]) => `${s} ${int(n)}`).join(", ")}); desired_version rows ${int(final.desired)}`);
    console.log(`- matrix totals: ${large.services} services, ${int(large.instances)} instances, ${large.drifting} drifting, ${large.problems} problems; ${cfg.matrixRuns} timed calls after ${cfg.matrixWarmup} warm-up, in the bench process (Prisma pg adapter, pool 4)`);
    console.log(`- the matrix reads the read model only; between A and B what it reads changed too: ${int(small.db.versionGroups)} → ${int(large.db.versionGroups)} (service, kind, resource, version) groups, ` +
      `${int(small.db.desired)} → ${int(large.db.desired)} desired versions, ${int(small.drifting)} → ${int(large.drifting)} drifting services (more reloads, some nacked, leave more instances on other versions)`);
    console.log(`- CPU while timing the matrix: A ${describeCpu(small.cpu)}; B ${describeCpu(large.cpu)}`);
    console.log(`- read model when the matrix was timed: A ${describeTables(small.db)}; B ${describeTables(large.db)}; after VACUUM at B: ${describeTables(large.vacuumedDb)}`);
    console.log(`- instance_state ${mb(final.instanceStateBytes)} and reload_event ${mb(final.reloadEventBytes)} (with indexes) at B`);
    const perK = (use: CpuUse, events: number) =>
      `app ${((1000 * use.appS) / events).toFixed(3)}, postgres ${((1000 * use.postgresS) / events).toFixed(3)}, bench client ${((1000 * use.benchS) / events).toFixed(3)}`;
    console.log(`- raw insert runs: ${rawRuns.map((r) => int(r.rate)).join(", ")} events/s (the median counts)`);
    console.log(`- CPU, raw phase (median run): ${describeCpu(rawCpu)}; CPU-s per 1,000 events: ${perK(rawCpu, measure)}`);
    console.log(`- CPU, endpoint phase: ${describeCpu(ingestCpu)}; CPU-s per 1,000 events: ${perK(ingestCpu, measure)}`);
    console.log(`- endpoint phase, ${describeActivity(ingestActivity)}`);
    if (viaEndpointFill > 0 && fillCpu) {
      console.log(`- fill through the endpoint: ${int(viaEndpointFill)} events at ${int(viaEndpointFill / (fillMs / 1000))} events/s; ${describeCpu(fillCpu)}; per 1,000 events: ${perK(fillCpu, viaEndpointFill)}`);
    }
    if (viaSql > 0) {
      console.log(`- NOTE: ${int(viaSql)} of the ${int(cfg.events)} events were NOT sent through the endpoint: the endpoint fill stopped at its ` +
        `${cfg.fillBudgetS} s budget (BENCH_FILL_BUDGET_S) and the rest went in by a generate_series INSERT of heartbeat history into reload_event ` +
        `(${(sqlMs / 1000).toFixed(1)} s), dated in the three days before the endpoint's events. They count as stored history for the matrix; they did not touch instance_state.`);
    }
    console.log(vacuumStats
      ? `- autovacuum is ${autovacuumOn ? "on" : "OFF"} on this server; the bench's stand-in ran ${vacuumStats.passes} passes every ${cfg.vacuumIntervalS} s with autovacuum's default thresholds (${vacuumStats.vacuums} VACUUM ANALYZE, ${vacuumStats.analyzes} ANALYZE, ${(vacuumStats.busyMs / 1000).toFixed(1)} s busy, concurrently with ingest)`
      : `- autovacuum is ${autovacuumOn ? "on" : "OFF (and no stand-in ran: read-model tables were never vacuumed or analysed)"} on this server`);
    if (client.retries > 0) console.log(`- the endpoint shed load ${client.retries} times (429/503, retried after Retry-After)`);
    console.log(`- ingest timing covers the ${int(measure)}-event slice from the first request to the last answer; the raw timing the same rows into a separate, freshly migrated database (same table, indexes and foreign keys)`);
    client.close();

    if (cfg.jsonOut) {
      fs.writeFileSync(cfg.jsonOut, JSON.stringify({ cfg, ingestRate, rawRate, rawRuns, ratio, rawCpu, ingestCpu, fillCpu, ingestActivity, vacuumStats, autovacuumOn, small, large, rss, viaEndpointFill, viaSql, totalMs: total, counts: stream.counts }, null, 2));
    }
    clearTimeout(watchdog);
    return 0;
  } finally {
    clearInterval(ticker);
    clearTimeout(watchdog);
    if (sampler) await sampler.stop().catch(() => {});
    await cleanup();
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`[bench] ${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

main()
  .then((code) => process.exit(code))
  .catch(async (error) => {
    console.error(`[bench] the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const tail = serverLogTail(20);
    if (tail.trim()) console.error(`[bench] last lines of the app's log (${serverLog}):\n${tail}`);
    await cleanup();
    process.exit(1);
  });
