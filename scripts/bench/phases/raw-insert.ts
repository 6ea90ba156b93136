// Phase: the baseline. The measured slice inserted straight into reload_event of a separate,
// freshly migrated database (pg, INSERT … unnest), BENCH_RAW_REPEATS times into a truncated
// table after a CHECKPOINT; the median run counts. The raw database is dropped afterwards.
import { cfg } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int } from "../format";
import type { BenchEvent } from "../generator";
import { log, phase, progress } from "../log";
import { rawInsert } from "../raw";
import { checkpoint, dropDatabase, withDb } from "../setup/databases";
import { state } from "../setup/state";

export interface RawRun {
  rate: number;
  cpu: CpuUse;
}

export interface RawResult {
  runs: RawRun[];
  /** events/s of the median run */
  rate: number;
  /** CPU of the median run */
  cpu: CpuUse;
}

export async function measureRawInsert(
  rawName: string,
  rawUrl: string,
  sliceBatches: BenchEvent[][],
  measure: number,
): Promise<RawResult> {
  const runs: RawRun[] = [];
  for (let r = 1; r <= cfg.rawRepeats; r++) {
    if (r > 1) await withDb(rawUrl, (c) => c.query("TRUNCATE reload_event"));
    await checkpoint();
    phase(`raw INSERT … unnest via pg into ${rawName}, run ${r} of ${cfg.rawRepeats}`, measure);
    const cpu0 = cpuSnapshot(state.server?.pid);
    const rawMs = await rawInsert(rawUrl, sliceBatches, cfg.clients, (n) => (progress.done += n));
    const cpu = cpuSince(cpu0, state.server?.pid);
    runs.push({ rate: measure / (rawMs / 1000), cpu });
    log(
      `raw run ${r}: ${int(measure)} events in ${(rawMs / 1000).toFixed(1)} s = ${int(measure / (rawMs / 1000))} events/s; ${describeCpu(cpu)}`,
    );
    const rawCount = await withDb(rawUrl, async (c) =>
      Number((await c.query("SELECT count(*) AS n FROM reload_event")).rows[0].n),
    );
    if (rawCount !== measure) throw new Error(`raw database holds ${rawCount} events, expected ${measure}`);
  }
  const median = [...runs].sort((a, b) => a.rate - b.rate)[Math.floor((runs.length - 1) / 2)]!;
  // Dropped now, so its autovacuum does not run during the endpoint phase.
  await dropDatabase(rawName);
  return { runs, rate: median.rate, cpu: median.cpu };
}
