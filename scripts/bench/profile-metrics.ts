// Where GET /api/metrics's time goes, on an existing database (one kept with BENCH_KEEP_DB=1,
// or one filled by this script): times renderMetrics() as a whole, over PROFILE_RUNS calls
// after warm-up ones, and the body's size and samples. Not part of `npm run bench`; run:
//   PROFILE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \
//     npx tsx --conditions=react-server scripts/bench/profile-metrics.ts
// With PROFILE_FILL=<events> it first creates and migrates that database and sends the bench's
// own event stream (scripts/bench/generator.ts, 1,000 services × 20 instances) through the
// ingest path in process (parseEvents → storeEvents), no server needed. Add node's --cpu-prof
// (NODE_OPTIONS) to see the JS side.
import pg from "pg";
import { migrate } from "@/lib/db/migrate";
import { disconnectDb } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { parseEvents } from "@/lib/ingest/parse-events";
import { RELOADSCOPE_WRITER, storeEvents } from "@/lib/ingest/store-events";
import { metricsChunks, renderMetrics } from "@/lib/metrics/queries";
import { summarize } from "./format";
import { EventStream, liveWindow } from "./generator";
import { runAsReader } from "@/lib/auth/require-actor";

const url = process.env.PROFILE_DATABASE_URL;
if (!url) {
  console.error("PROFILE_DATABASE_URL is not set");
  process.exit(2);
}
const runs = Number(process.env.PROFILE_RUNS ?? 20);
const fill = Number(process.env.PROFILE_FILL ?? 0);

async function fillDatabase(events: number): Promise<void> {
  const u = new URL(url!);
  const name = u.pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(url!), { pathname: "/postgres" }).toString() });
  admin.on("error", () => {}); // a dropped idle connection: the next query rejects instead
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  await migrate(url!);
  const shape = { services: 1000, instancesPerService: 20 };
  const { startAt, endAt } = liveWindow(events, shape, { maxSpanMs: 0.8 * 86_400_000 });
  const stream = new EventStream({ ...shape, totalEvents: events, startAt, endAt });
  const t0 = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (stream.remaining > 0) {
        const batch = stream.take(500);
        const now = new Date();
        const parsed = parseEvents(JSON.parse(JSON.stringify(batch.map((e) => e.wire))), "json", 10_000, {
          now,
          retentionMs: 30 * 86_400_000,
        });
        if (parsed.rejected.length) throw new Error(`rejected: ${JSON.stringify(parsed.rejected.slice(0, 3))}`);
        await storeEvents(
          parsed.events.map((p) => p.event),
          { now, writer: RELOADSCOPE_WRITER },
        );
        sent += batch.length;
        if (sent % 100_000 < 500) console.log(`${sent} events, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    }),
  );
  console.log(`filled ${sent} events (${stream.reloads} reloads) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

async function main() {
  process.env.DATABASE_URL = url;
  process.env.INSTANCE_STALE_SECONDS ??= "86400";
  resetEnvCache();
  if (fill > 0) await fillDatabase(fill);
  for (let i = 0; i < 3; i++) await renderMetrics();
  const times: number[] = [];
  let chunks: string[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    chunks = await renderMetrics();
    times.push(performance.now() - t0);
  }
  // One more scrape, streamed: when its first and last chunks were ready.
  const t0 = performance.now();
  let firstMs = 0;
  for await (const chunk of metricsChunks()) {
    if (firstMs === 0 && chunk.length > 0) firstMs = performance.now() - t0;
  }
  console.log(
    `streamed: first chunk after ${firstMs.toFixed(1)} ms, last after ${(performance.now() - t0).toFixed(1)} ms`,
  );
  const body = chunks.join("");
  const t = summarize(times);
  const samples = body.split("\n").filter((l) => l && !l.startsWith("#")).length;
  console.log(
    `renderMetrics: p50 ${t.p50.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms, max ${t.max.toFixed(1)} ms; ${(body.length / 1e6).toFixed(2)} MB, ${samples} samples, ${chunks.length} chunks`,
  );
  if (process.env.PROFILE_OUT) (await import("node:fs")).writeFileSync(process.env.PROFILE_OUT, body);
  await disconnectDb();
}

runAsReader({ kind: "system", purpose: "profile" }, main).catch((error) => {
  console.error(error);
  process.exit(1);
});
