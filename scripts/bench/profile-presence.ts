// What the history rules (docs/adr/0021) cost and save: heartbeat-heavy batches through the
// real POST /api/v1/events route handler on a fresh PostgreSQL database, then the history's
// size per accepted event, then the fleet at random instants with and without snapshots.
// Not part of `npm run bench`; run:
//   npx tsx --tsconfig <a tsconfig extending this one that maps "server-only" to tests/support/server-only.ts> \
//     scripts/bench/profile-presence.ts   (the react-server condition breaks next/navigation under tsx)
// Settings: PROFILE_EVENTS (default 200,000 of the bench's stream: PROFILE_SERVICES (1,000) × 20
// instances × 3 resources, heartbeats every 15 s, 15 % reload events), PROFILE_CONCURRENCY (4),
// BENCH_BATCH (500), PROFILE_REPLAY_HOURS (4: a 300-pair fleet heartbeating every 30 s for
// that long, for the replay figures), PROFILE_PART=replay (the replay figures instead of the
// ingest ones), DATABASE_URL (a server; default local).
import pg from "pg";
import { disconnectDb } from "@/lib/db/client";
import { migrate } from "@/lib/db/migrate";
import { resetEnvCache } from "@/lib/env";
import { runAsReader } from "@/lib/auth/require-actor";
import { EventStream, liveWindow } from "./generator";

const serverUrl = process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const total = Number(process.env.PROFILE_EVENTS ?? 200_000);
const batchSize = Number(process.env.BENCH_BATCH ?? 500);
const concurrency = Number(process.env.PROFILE_CONCURRENCY ?? 4);
const replayHours = Number(process.env.PROFILE_REPLAY_HOURS ?? 4);
const TOKEN = "rs_profile_presence_token_000000001";

// PROFILE_STATEMENTS=1: time every statement (pg's Client#query) and print the costliest.
const statementMs = new Map<string, { ms: number; calls: number }>();
if (process.env.PROFILE_STATEMENTS === "1") {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const text = (typeof first === "string" ? first : (first?.text ?? "")).replace(/\s+/g, " ").trim().slice(0, 70);
    const t0 = performance.now();
    const result = original.apply(this, args);
    const done = () => {
      const e = statementMs.get(text) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t0;
      e.calls++;
      statementMs.set(text, e);
    };
    if (result && typeof (result as Promise<unknown>).then === "function")
      (result as Promise<unknown>).then(done, done);
    return result;
  };
}

async function scratchDatabase(admin: pg.Client, tag: string): Promise<string> {
  const name = `reloadscope_presence_${tag}_${Date.now()}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  process.env.DATABASE_URL = url.toString();
  process.env.INGEST_TOKEN = TOKEN;
  process.env.DATABASE_POOL_SIZE = String(concurrency + 2);
  process.env.INSTANCE_STALE_SECONDS ??= "86400";
  resetEnvCache();
  return name;
}

async function post(POST: (r: Request) => Promise<Response>, events: unknown[]): Promise<number> {
  const response = await POST(
    new Request("http://127.0.0.1/api/v1/events", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(events),
    }),
  );
  const body = (await response.json()) as { accepted?: number; rejected?: unknown[] };
  if (response.status !== 200 || (body.rejected?.length ?? 0) > 0)
    throw new Error(`answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body.accepted ?? 0;
}

/** Sends batches `concurrency` at a time; returns events per second and events accepted. */
async function send(
  POST: (r: Request) => Promise<Response>,
  batches: unknown[][],
): Promise<{ perSecond: number; accepted: number; events: number }> {
  let next = 0;
  let accepted = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        const n = await post(POST, batches[next++]!);
        accepted += n;
      }
    }),
  );
  const events = batches.reduce((n, b) => n + b.length, 0);
  return { perSecond: Math.round(events / ((performance.now() - t0) / 1000)), accepted, events };
}

async function historyBytes(q: pg.Client): Promise<Record<string, number>> {
  const size = async (table: string) => {
    const { rows } = await q.query<{ bytes: string | null }>(
      `SELECT coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = to_regclass($1)), 0)
              + coalesce(pg_total_relation_size(to_regclass($1)), 0) AS bytes`,
      [table],
    );
    return Number(rows[0]?.bytes ?? 0);
  };
  return {
    reload_event: await size("reload_event"),
    reload_event_id: await size("reload_event_id"),
    presence_interval: await size("presence_interval"),
  };
}

async function main() {
  const admin = new pg.Client({ connectionString: serverUrl });
  admin.on("error", () => {}); // a dropped idle connection: the next query rejects instead
  await admin.connect();
  const made: string[] = [];
  try {
    // One part per process: the ingest token and caches belong to the first database a process uses.
    if (process.env.PROFILE_PART === "replay") {
      await replayFigures(admin, made, (await import("@/app/api/v1/events/route")).POST);
      return;
    }
    made.push(await scratchDatabase(admin, "ingest"));
    const { POST } = await import("@/app/api/v1/events/route");
    const shape = { services: Number(process.env.PROFILE_SERVICES ?? 1000), instancesPerService: 20 };
    const { startAt, endAt } = liveWindow(total, shape);
    const stream = new EventStream({ ...shape, totalEvents: total, startAt, endAt });
    const opening: unknown[][] = [];
    const steady: unknown[][] = [];
    while (stream.remaining > 0) {
      const list = stream.produced < stream.triples ? opening : steady;
      list.push(stream.take(batchSize).map((e) => e.wire));
    }
    const first = await send(POST, opening);
    statementMs.clear();
    const rest = await send(POST, steady);
    if (statementMs.size > 0) {
      for (const [text, v] of [...statementMs].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12))
        console.log(`${Math.round(v.ms)} ms\t${v.calls}\t${text}`);
    }
    const q = new pg.Client({ connectionString: process.env.DATABASE_URL });
    q.on("error", () => {}); // a dropped idle connection: the next query rejects instead
    await q.connect();
    await q.query("VACUUM ANALYZE");
    const bytes = await historyBytes(q);
    const rows = (
      await q.query<{ events: string; intervals: string }>(
        `SELECT (SELECT count(*) FROM reload_event)::text AS events,
              (SELECT count(*) FROM (SELECT 1 FROM pg_class WHERE relname = 'presence_interval') x)::text AS intervals`,
      )
    ).rows[0]!;
    const intervals =
      rows.intervals === "1"
        ? Number((await q.query<{ n: string }>(`SELECT count(*)::text AS n FROM presence_interval`)).rows[0]!.n)
        : 0;
    await q.end();
    const accepted = first.accepted + rest.accepted;
    const totalBytes = bytes.reload_event! + bytes.reload_event_id! + bytes.presence_interval!;
    console.log(
      JSON.stringify(
        {
          stream: `${total} events, batches of ${batchSize}, ${concurrency} at a time`,
          openingPerSecond: first.perSecond,
          steadyPerSecond: rest.perSecond,
          accepted,
          eventRows: Number(rows.events),
          intervalRows: intervals,
          bytes,
          bytesPerAcceptedEvent: Math.round(totalBytes / accepted),
        },
        null,
        2,
      ),
    );
    await disconnectDb();
  } finally {
    await disconnectDb().catch(() => {});
    for (const name of made) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

/** A small fleet heartbeating for hours (and a reload an hour), then getFleetAt at 40 seeded instants, with and without snapshots. */
async function replayFigures(admin: pg.Client, made: string[], POST: (r: Request) => Promise<Response>) {
  made.push(await scratchDatabase(admin, "replay"));
  const services = 10;
  const instances = 10;
  const resources = ["app.yaml", "routes.yaml", "ranker"];
  const now = Date.now();
  const start = now - replayHours * 3_600_000;
  const batches: unknown[][] = [];
  let batch: unknown[] = [];
  let n = 0;
  const push = (e: unknown) => {
    batch.push(e);
    if (batch.length >= batchSize) {
      batches.push(batch);
      batch = [];
    }
  };
  for (let t = start; t < now - 60_000; t += 30_000) {
    const hour = Math.floor((t - start) / 3_600_000);
    for (let s = 0; s < services; s++)
      for (let i = 0; i < instances; i++)
        for (const resource of resources) {
          // One instance of each service is silent for 20 minutes every hour: gaps to replay.
          if (i === 0 && (t - start) % 3_600_000 < 1_200_000) continue;
          push({
            id: `hb-${++n}`,
            environment: "prod",
            namespace: "replay",
            service: `svc-${s}`,
            instance: `i-${i}`,
            kind: "config",
            resource,
            phase: "heartbeat",
            toVersion: `v${hour}`,
            occurredAt: new Date(t + i * 100).toISOString(),
          });
        }
  }
  if (batch.length > 0) batches.push(batch);
  // One batch at a time, in time order: the stream a fleet sends.
  const sent = await send(POST, batches);
  const { takeSnapshots } = await import("@/lib/replay/snapshots");
  const { getFleetAt } = await import("@/lib/replay/queries");
  const t0 = performance.now();
  const run = await takeSnapshots({ now: new Date(now) });
  const buildMs = performance.now() - t0;
  const instants = Array.from(
    { length: 40 },
    (_, k) => new Date(start + ((k * 7919) % 40) * ((now - start) / 40) + 1_234),
  );
  const reader = { kind: "system" as const, purpose: "profile-presence" };
  const time = async () => {
    const ms: number[] = [];
    for (const at of instants) {
      const t = performance.now();
      await runAsReader(reader, () => getFleetAt(at, 1, new Date(now)));
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return { p50: Math.round(ms[Math.floor(ms.length / 2)]!), p95: Math.round(ms[Math.floor(ms.length * 0.95)]!) };
  };
  const withSnapshots = await time();
  const q = new pg.Client({ connectionString: process.env.DATABASE_URL });
  q.on("error", () => {}); // a dropped idle connection: the next query rejects instead
  await q.connect();
  await q.query(`DELETE FROM instance_state_snapshot`);
  const counts = (
    await q
      .query<{ events: string; intervals: string }>(
        `SELECT (SELECT count(*) FROM reload_event)::text AS events, (SELECT count(*) FROM presence_interval)::text AS intervals`,
      )
      .catch(() => ({ rows: [{ events: "?", intervals: "0" }] }))
  ).rows[0]!;
  await q.end();
  const without = await time();
  console.log(
    JSON.stringify(
      {
        replayFleet: `${services * instances * resources.length} pairs, heartbeats every 30 s for ${replayHours} h (${sent.events} reports, ${sent.perSecond}/s)`,
        eventRows: counts.events,
        intervalRows: counts.intervals,
        snapshotsBuilt: run.built.length,
        snapshotBuildMs: Math.round(buildMs),
        getFleetAtWithSnapshotsMs: withSnapshots,
        getFleetAtWithoutSnapshotsMs: without,
      },
      null,
      2,
    ),
  );
  await disconnectDb();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
