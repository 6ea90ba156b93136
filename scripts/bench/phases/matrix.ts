// Phase: getFleetMatrix() with no filters, called in this process (it imports lib/;
// `tsx --conditions=react-server` makes `server-only` a no-op) against the benchmark database:
// warm-up calls, then timed ones; then the same right after VACUUM (ANALYZE) of the read model.
import { resetEnvCache } from "@/lib/env";
import { NO_FLEET_FILTERS } from "@/lib/fleet/filters";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { cfg } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int, ms, summarize, type Timing } from "../format";
import { log, phase, progress } from "../log";
import { dbFigures, describeTables, withDb, type DbFigures } from "../setup/databases";
import { state } from "../setup/state";

export interface MatrixRun {
  timing: Timing;
  cpu: CpuUse;
  services: number;
  instances: number;
  drifting: number;
  problems: number;
}

export interface MatrixAsIs extends MatrixRun {
  storedEvents: number;
  db: DbFigures;
}

export interface MatrixPoint extends MatrixAsIs {
  /** the same calls right after VACUUM (ANALYZE) of the read model: no dead rows, fresh statistics */
  vacuumed: MatrixRun;
  vacuumedDb: DbFigures;
}

/** Points lib/'s Prisma client (in this process) at the benchmark database. */
export function useAppDatabase(appUrl: string): void {
  process.env.DATABASE_URL = appUrl;
  process.env.DATABASE_POOL_SIZE = "4";
  resetEnvCache();
}

async function matrixRun(label: string): Promise<MatrixRun> {
  for (let i = 0; i < cfg.matrixWarmup; i++) await getFleetMatrix(NO_FLEET_FILTERS);
  const cpu0 = cpuSnapshot(state.server?.pid);
  const samples: number[] = [];
  let last: Awaited<ReturnType<typeof getFleetMatrix>> | null = null;
  for (let i = 0; i < cfg.matrixRuns; i++) {
    const t0 = performance.now();
    last = await getFleetMatrix(NO_FLEET_FILTERS);
    samples.push(performance.now() - t0);
    progress.done = i + 1;
  }
  const cpu = cpuSince(cpu0, state.server?.pid);
  const timing = summarize(samples);
  log(
    `matrix ${label}: p50 ${ms(timing.p50)}, p95 ${ms(timing.p95)}, max ${ms(timing.max)}; ` +
      `${last!.totals.services} services, ${last!.totals.instances} instances, ${last!.totals.drifting} drifting; ${describeCpu(cpu)}`,
  );
  return {
    timing,
    cpu,
    services: last!.totals.services,
    instances: last!.totals.instances,
    drifting: last!.totals.drifting,
    problems: last!.totals.problems,
  };
}

/** The matrix on the read model as ingest left it. */
export async function timeMatrixAsIs(url: string, label: string): Promise<MatrixAsIs> {
  const figures = await dbFigures(url);
  phase(
    `matrix ${label}: ${cfg.matrixWarmup} warm-up + ${cfg.matrixRuns} timed getFleetMatrix calls, ${int(figures.events)} stored events`,
  );
  log(`read model: ${describeTables(figures)}`);
  const asIs = await matrixRun(label);
  return { ...asIs, storedEvents: figures.events, db: figures };
}

/**
 * The same again with the read model just vacuumed: separates "grows with stored events"
 * from "grows with dead rows not yet vacuumed".
 */
export async function timeMatrixVacuumed(url: string, label: string, asIs: MatrixAsIs): Promise<MatrixPoint> {
  await withDb(url, (c) => c.query("VACUUM (ANALYZE) service, instance, instance_state, desired_version"));
  const vacuumedDb = await dbFigures(url);
  phase(`matrix ${label} after VACUUM (ANALYZE) of the read model`);
  const vacuumed = await matrixRun(`${label}, vacuumed`);
  return { ...asIs, vacuumed, vacuumedDb };
}

export async function timeMatrix(url: string, label: string): Promise<MatrixPoint> {
  return timeMatrixVacuumed(url, label, await timeMatrixAsIs(url, label));
}
