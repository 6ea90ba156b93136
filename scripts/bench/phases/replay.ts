// Phase: the fleet at a random instant (docs/adr/0010), called in this process
// against the benchmark database with its full history: the snapshot job first (bounded by
// BENCH_REPLAY_SNAPSHOT_BUDGET_S; its rate is a figure too), then getFleetAt (page 1, 100
// services) at seeded random instants over the stored history. p95 is reported for the oldest
// and the newest third of those instants separately: the cost must not grow with history.
// Also runnable alone: `BENCH_REPLAY_DB_URL=postgres://… npx tsx --conditions=react-server scripts/bench/phases/replay.ts`.
import { resetEnvCache } from "@/lib/env";
import { seededRandom } from "@/lib/random";
import { getFleetAt } from "@/lib/replay/queries";
import { takeSnapshots } from "@/lib/replay/snapshots";
import { numberEnv } from "../config";
import { int, ms, summarize, verdict, type Timing } from "../format";
import { log, phase, progress } from "../log";
import { withDb } from "../setup/databases";

export const REPLAY_TARGET_P95_MS = 300;

export interface ReplayResult {
  storedEvents: number;
  snapshots: { built: number; rows: number; seconds: number; bytes: number };
  timing: Timing;
  oldest: Timing;
  newest: Timing;
  /** How many of the timed instants had a snapshot to start from. */
  fromSnapshot: number;
  eventsFolded: Timing;
}

export async function timeReplay(
  url: string,
  options: { runs?: number; warmup?: number; snapshotBudgetS?: number } = {},
): Promise<ReplayResult> {
  const runs = options.runs ?? Math.max(1, Math.floor(numberEnv("BENCH_REPLAY_RUNS", 60)));
  const warmup = options.warmup ?? 5;
  const budgetS = options.snapshotBudgetS ?? numberEnv("BENCH_REPLAY_SNAPSHOT_BUDGET_S", 600);
  const span = await withDb(url, async (c) => {
    const r = await c.query<{ first: Date; last: Date; events: string }>(
      `SELECT min(occurred_at) AS first, max(occurred_at) AS last, count(*)::text AS events FROM reload_event`,
    );
    return r.rows[0]!;
  });
  phase(`replay: snapshot job over ${int(Number(span.events))} stored events (budget ${budgetS} s)`);
  const t0 = performance.now();
  const run = await takeSnapshots({ budgetMs: budgetS * 1000 });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = await withDb(url, async (c) => {
    const r = await c.query<{ bytes: string }>(
      `SELECT pg_total_relation_size('instance_state_snapshot_row')::text AS bytes`,
    );
    return Number(r.rows[0]!.bytes);
  });
  const rows = run.built.reduce((n, b) => n + b.rows, 0);
  log(
    `replay: ${run.built.length} snapshots built in ${seconds.toFixed(1)} s (${int(rows)} rows, ${(bytes / 1024 / 1024).toFixed(0)} MB with its index)`,
  );

  const from = new Date(span.first).getTime();
  const to = new Date(span.last).getTime();
  const random = seededRandom(20261123);
  const instants = Array.from({ length: runs }, () => new Date(from + random() * (to - from)));
  phase(`replay: ${warmup} warm-up + ${runs} timed getFleetAt calls at random instants`, runs);
  for (let i = 0; i < warmup; i++) await getFleetAt(instants[i % instants.length]!, 1);
  const samples: { at: number; ms: number; snapshot: boolean; folded: number }[] = [];
  for (const at of instants) {
    const start = performance.now();
    const frame = await getFleetAt(at, 1);
    samples.push({
      at: at.getTime(),
      ms: performance.now() - start,
      snapshot: frame.basis.snapshotAt !== null,
      folded: frame.basis.eventsFolded,
    });
    progress.done = samples.length;
  }
  const byTime = [...samples].sort((a, b) => a.at - b.at);
  const third = Math.max(1, Math.floor(byTime.length / 3));
  const result: ReplayResult = {
    storedEvents: Number(span.events),
    snapshots: { built: run.built.length, rows, seconds, bytes },
    timing: summarize(samples.map((s) => s.ms)),
    oldest: summarize(byTime.slice(0, third).map((s) => s.ms)),
    newest: summarize(byTime.slice(-third).map((s) => s.ms)),
    fromSnapshot: samples.filter((s) => s.snapshot).length,
    eventsFolded: summarize(samples.map((s) => s.folded)),
  };
  log(
    `replay: p50 ${ms(result.timing.p50)}, p95 ${ms(result.timing.p95)} (target ≤ ${REPLAY_TARGET_P95_MS} ms: ${verdict(result.timing.p95 <= REPLAY_TARGET_P95_MS)}); ` +
      `oldest third p95 ${ms(result.oldest.p95)}, newest third p95 ${ms(result.newest.p95)}; ${result.fromSnapshot}/${runs} from a snapshot, ` +
      `events folded p50 ${int(result.eventsFolded.p50)} / p95 ${int(result.eventsFolded.p95)}`,
  );
  return result;
}

// Run alone against an existing (filled) database.
if (process.argv[1]?.endsWith("phases/replay.ts") && process.env.BENCH_REPLAY_DB_URL) {
  process.env.DATABASE_URL = process.env.BENCH_REPLAY_DB_URL;
  process.env.DATABASE_POOL_SIZE = "4";
  resetEnvCache();
  timeReplay(process.env.BENCH_REPLAY_DB_URL)
    .then(() => process.exit(0))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
