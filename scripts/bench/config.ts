// The benchmark's settings (environment variables, all optional; docs/benchmark.md lists them)
// and its targets.

/** Problems with the settings, reported by the orchestrator like any other failure. */
export const configErrors: string[] = [];

/**
 * BENCH_SMOKE=1 (`npm run bench:smoke`, the CI step): every phase on a small fleet, timing
 * nothing that matters, so that the bench runs end to end and its counts are checked on every
 * change. These are its defaults; each variable still overrides its own.
 */
export const SMOKE = process.env.BENCH_SMOKE === "1";
const SMOKE_DEFAULTS: Record<string, number> = {
  BENCH_EVENTS: 70_000,
  BENCH_MEASURE_EVENTS: 20_000,
  BENCH_SERVICES: 100,
  BENCH_RAW_REPEATS: 1,
  BENCH_MATRIX_RUNS: 5,
  BENCH_MATRIX_WARMUP: 1,
  BENCH_PAGE_RUNS: 5,
  BENCH_PAGE_WARMUP: 1,
  BENCH_FILL_BUDGET_S: 120,
  BENCH_TIMEOUT_S: 420,
  BENCH_REPLAY_RUNS: 5,
  BENCH_REPLAY_SNAPSHOT_BUDGET_S: 30,
  BENCH_OTLP_BATCHES: 10,
  BENCH_METRICS_RUNS: 3,
  BENCH_ALERT_RUNS: 2,
  BENCH_TIMELINE_RUNS: 5,
  BENCH_HISTORY_INSTANCES: 100,
  BENCH_HISTORY_ROUNDS: 12,
  BENCH_SUSTAINED_STEP_S: 15,
  BENCH_SUSTAINED_BUDGET_S: 60,
  BENCH_ALERTS_SLICE: 5_000,
  // A CHECKPOINT before each measured phase evens out the figures; on a busy machine it can
  // take minutes, and the smoke measures nothing.
  BENCH_CHECKPOINT: 0,
};
/** BENCH_SUSTAINED_STEPS in the smoke: two small steps */
const SMOKE_STEPS = "1000,2000";

export function numberEnv(name: string, fallback: number): number {
  if (SMOKE && name in SMOKE_DEFAULTS) fallback = SMOKE_DEFAULTS[name]!;
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.replace(/[_,]/g, ""));
  if (!Number.isFinite(value) || value < 0) {
    configErrors.push(`${name} must be a non-negative number, got ${raw}`);
    return fallback;
  }
  return value;
}

export const cfg = {
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
  /** timed and warm-up GET /fleet requests (one at a time) */
  pageRuns: Math.floor(numberEnv("BENCH_PAGE_RUNS", 30)),
  pageWarmup: Math.floor(numberEnv("BENCH_PAGE_WARMUP", 5)),
  poolSize: Math.floor(numberEnv("BENCH_POOL_SIZE", 10)),
  timeoutS: numberEnv("BENCH_TIMEOUT_S", 1800),
  keepDb: process.env.BENCH_KEEP_DB === "1",
  jsonOut: process.env.BENCH_JSON || null,
  /** auto: stand in for autovacuum when the server has it switched off; on: always; off: never */
  vacuum: (process.env.BENCH_VACUUM || "auto") as "auto" | "on" | "off",
  vacuumIntervalS: numberEnv("BENCH_VACUUM_INTERVAL_S", 30),
  /** a day of heartbeats: this many instances (× 3 resources) of services of their own, heartbeating this many rounds of BENCH_HEARTBEAT_S */
  historyInstances: Math.floor(numberEnv("BENCH_HISTORY_INSTANCES", 2000)),
  historyRounds: Math.floor(numberEnv("BENCH_HISTORY_ROUNDS", 41)),
  /** fleet sustained: the fleet sizes tried (instances), in order; each for BENCH_SUSTAINED_STEP_S; all within BENCH_SUSTAINED_BUDGET_S */
  sustainedSteps: listEnv("BENCH_SUSTAINED_STEPS", SMOKE ? SMOKE_STEPS : "20000,40000,70000,100000,140000"),
  sustainedStepS: numberEnv("BENCH_SUSTAINED_STEP_S", 120),
  sustainedBudgetS: numberEnv("BENCH_SUSTAINED_BUDGET_S", 1200),
  /** 1: CHECKPOINT before each measured phase (no dirty buffers left from the one before); 0: skip */
  checkpoints: numberEnv("BENCH_CHECKPOINT", 1) !== 0,
  /** events of the stream sent with alert evaluation off, then as many with it on */
  alertsSlice: Math.floor(numberEnv("BENCH_ALERTS_SLICE", 100_000)),
};

function listEnv(name: string, fallback: string): number[] {
  const raw = process.env[name]?.trim() || fallback;
  const values = raw.split(",").map((v) => Number(v.trim().replace(/_/g, "")));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) {
    configErrors.push(`${name} must be a comma-separated list of instance counts, got ${raw}`);
    return fallback.split(",").map(Number);
  }
  return values;
}
if (!["auto", "on", "off"].includes(cfg.vacuum))
  configErrors.push(`BENCH_VACUUM must be auto, on or off, got ${cfg.vacuum}`);

export type BenchConfig = typeof cfg;

export const TARGETS = { ratio: 0.5, matrixP95Ms: 100, pageP95Ms: 100, peakRssMb: 500, growth: 1.25, growthSlackMs: 5 };
