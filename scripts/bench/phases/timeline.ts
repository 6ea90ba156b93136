// Phase: "timeline of a reload across 2,000 instances, assembled" (docs/benchmark.md, target p95 ≤ 200 ms).
// One reload with 2,000 named targets (1,980 ack, 10 NACK, 10 never report; ~6,000 events)
// goes in through POST /api/v1/events like any other; then getReloadTimelineData +
// buildTimelineModel (the reads and the assembly /reloads/[id] does: lanes, groups,
// critical path, diagnosis, time-to-ack histogram) run in this process against the
// benchmark database, warm-up calls first, then timed ones. It logs its own figures.
//
// Alone, against a scratch database on the local PostgreSQL (created, migrated, dropped):
//   tsx --conditions=react-server scripts/bench/phases/timeline.ts
import { pathToFileURL } from "node:url";
import { buildTimelineModel } from "@/lib/reloads/timeline-model";
import { getReloadTimelineData } from "@/lib/reloads/timeline-queries";
import { numberEnv } from "../config";
import { ms, summarize, type Timing } from "../format";
import { log, phase } from "../log";

export const TIMELINE_INSTANCES = 2000;
const WARMUP = 5;
const RUNS = Math.max(1, Math.floor(numberEnv("BENCH_TIMELINE_RUNS", 40)));

export interface TimelineResult {
  timing: Timing;
  instances: number;
  events: number;
}

/** The reload's events, oldest first: dispatched with its targets, then each target's steps. */
export function bigReloadEvents(now: number, reloadId: string): Record<string, unknown>[] {
  const start = now - 20 * 60_000;
  const iso = (t: number) => new Date(t).toISOString();
  const names = Array.from({ length: TIMELINE_INSTANCES }, (_, i) => `bench-timeline-${String(i).padStart(4, "0")}`);
  const common = {
    environment: "bench",
    namespace: "timeline",
    service: "big-reload",
    kind: "config",
    resource: "routes.yaml",
    reloadId,
    fromVersion: "v1",
    toVersion: "v2",
  };
  let n = 0;
  const id = () => `${reloadId}-${++n}`;
  const events: Record<string, unknown>[] = [
    { ...common, id: id(), phase: "requested", initiator: "pipeline:bench", occurredAt: iso(start) },
    { ...common, id: id(), phase: "dispatched", targets: names, occurredAt: iso(start + 1000) },
  ];
  names.forEach((instance, i) => {
    if (i >= TIMELINE_INSTANCES - 10) return;
    const t = start + 1100 + (i % 97) * 13;
    const one = { ...common, instance, traceId: "4bf92f3577b34da6a3ce929d0e0e4736" };
    events.push({ ...one, id: id(), phase: "received", occurredAt: iso(t) });
    if (i >= TIMELINE_INSTANCES - 20) {
      events.push({
        ...one,
        id: id(),
        phase: "nacked",
        error: `line ${i}: unknown field "f${i}"`,
        occurredAt: iso(t + 9),
      });
      return;
    }
    events.push({ ...one, id: id(), phase: "applied", durationMs: 30 + (i % 40), occurredAt: iso(t + 20) });
    events.push({ ...one, id: id(), phase: "acked", occurredAt: iso(t + 90) });
  });
  return events;
}

/**
 * Sends the reload through `send` (batches of ≤ 2,500 events), finds its key, then times the
 * assembled timeline. lib/'s database client must already point at the database `send` fills.
 */
export async function timeTimeline(
  send: (events: Record<string, unknown>[]) => Promise<void>,
): Promise<TimelineResult> {
  const { sql } = await import("@/lib/db/client");
  const reloadId = `rl-bench-timeline-${Date.now().toString(36)}`;
  phase(
    `timeline of a reload across ${TIMELINE_INSTANCES} instances: ingest, then ${WARMUP} warm-up + ${RUNS} timed assemblies`,
  );
  const events = bigReloadEvents(Date.now(), reloadId);
  for (let i = 0; i < events.length; i += 2500) await send(events.slice(i, i + 2500));
  const [row] = await sql().query<{ key: string }[]>(
    `SELECT id::text AS key FROM reload WHERE reload_id = $1`,
    reloadId,
  );
  if (!row) throw new Error(`the timeline reload ${reloadId} was not stored`);

  const assemble = async () => {
    const data = await getReloadTimelineData(row.key);
    if (!data) throw new Error(`reload ${row.key} vanished`);
    return { data, model: buildTimelineModel(data, new Date()) };
  };
  for (let i = 0; i < WARMUP; i++) await assemble();
  const samples: number[] = [];
  let last: Awaited<ReturnType<typeof assemble>> | null = null;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    last = await assemble();
    samples.push(performance.now() - t0);
  }
  const timing = summarize(samples);
  const lanes = last!.model.timeline.instances.length;
  if (lanes !== TIMELINE_INSTANCES)
    throw new Error(`the timeline has ${lanes} instance lanes, expected ${TIMELINE_INSTANCES}`);
  log(
    `timeline (${TIMELINE_INSTANCES} instances, ${last!.data.events.length} events, assembled): p50 ${ms(timing.p50)}, p95 ${ms(timing.p95)}, max ${ms(timing.max)} ` +
      `(target p95 ≤ 200 ms${timing.p95 <= 200 ? ", met" : ", MISSED"})`,
  );
  return { timing, instances: lanes, events: last!.data.events.length };
}

/** Alone: a scratch database, the in-process ingest route with a token from the environment, then the phase. */
async function runAlone(): Promise<void> {
  const { randomBytes } = await import("node:crypto");
  const { createDatabase, dropDatabase } = await import("../setup/databases");
  const { resetEnvCache } = await import("@/lib/env");
  const name = `reloadscope_bench_timeline_${randomBytes(4).toString("hex")}`;
  const url = await createDatabase(name);
  const token = `bench-timeline-${randomBytes(12).toString("hex")}`;
  process.env.DATABASE_URL = url;
  process.env.DATABASE_POOL_SIZE = "4";
  process.env.INGEST_TOKEN = token;
  resetEnvCache();
  const { disconnectDb } = await import("@/lib/db/client");
  const { POST } = await import("@/app/api/v1/events/route");
  try {
    await timeTimeline(async (events) => {
      const response = await POST(
        new Request("http://127.0.0.1/api/v1/events", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(events),
        }),
      );
      const answer = (await response.json()) as { accepted?: number; rejected?: unknown[] };
      if (response.status !== 200 || answer.accepted !== events.length)
        throw new Error(`ingest answered ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    });
  } finally {
    await disconnectDb();
    await dropDatabase(name);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runAlone().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
