// The benchmark's settings (environment variables, all optional; docs/benchmark.md lists them)
// and its targets.

/** Problems with the settings, reported by the orchestrator like any other failure. */
export const configErrors: string[] = [];

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
};
if (!["auto", "on", "off"].includes(cfg.vacuum)) configErrors.push(`BENCH_VACUUM must be auto, on or off, got ${cfg.vacuum}`);

export type BenchConfig = typeof cfg;

export const TARGETS = { ratio: 0.5, matrixP95Ms: 100, pageP95Ms: 100, peakRssMb: 500, growth: 1.25, growthSlackMs: 5 };
