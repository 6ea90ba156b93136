// Phase: "history added by a day of the bench fleet's heartbeats" (docs/adr/0021, target ≤ 1 GB).
// A fleet of its own (BENCH_HISTORY_INSTANCES instances × 3 resources, in services of 20, in
// environment bench-history) heartbeats through POST /api/v1/events for BENCH_HISTORY_ROUNDS
// rounds of BENCH_HEARTBEAT_S seconds of event time, reporting the versions it runs (nothing
// changes). The first round creates the pairs; the history tables' growth (history.ts) from
// the end of the first round to the end of the last, over that event time, scaled to a day and
// to the bench fleet's pairs, is the figure. Event time ends a minute ago, each pair's
// heartbeats BENCH_HEARTBEAT_S apart, the rounds sent one after another, as a live fleet sends them.
import { cfg } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int, mb } from "../format";
import { RESOURCES } from "../generator";
import { describeHistory, historyBytes, type HistoryBytes } from "../history";
import type { IngestClient } from "../http";
import { log, phase, progress } from "../log";
import { state } from "../setup/state";
import { VacuumStandIn } from "../vacuum";

const PER_SERVICE = 20;

export interface HistoryDayResult {
  pairs: number;
  rounds: number;
  /** event time between the end of the first round and the end of the last */
  eventTimeS: number;
  before: HistoryBytes;
  after: HistoryBytes;
  /** history bytes a day of these pairs' heartbeats adds */
  perDayMeasured: number;
  /** the same for the bench fleet's pairs (services × instances × 3) */
  perDayBenchFleet: number;
  benchPairs: number;
  events: number;
  cpu: CpuUse;
}

export async function measureHistoryDay(
  client: IngestClient,
  url: string,
  benchPairs: number,
): Promise<HistoryDayResult> {
  const instances = Math.max(1, cfg.historyInstances);
  const rounds = Math.max(2, cfg.historyRounds);
  const pairs = instances * RESOURCES.length;
  const periodMs = cfg.heartbeatS * 1000;
  const end = Date.now() - 60_000 - periodMs;
  const start = end - (rounds - 1) * periodMs;
  const run = Date.now().toString(36);
  // The static part of each pair's heartbeat, made once.
  const heads = Array.from({ length: pairs }, (_, p) => {
    const i = Math.floor(p / RESOURCES.length);
    const r = RESOURCES[p % RESOURCES.length]!;
    const s = Math.floor(i / PER_SERVICE);
    return JSON.stringify({
      environment: "bench-history",
      namespace: "history",
      service: `hist-${String(s).padStart(5, "0")}`,
      instance: `hist-${String(s).padStart(5, "0")}-${String(i % PER_SERVICE).padStart(2, "0")}`,
      kind: r.kind,
      resource: r.resource,
      phase: "heartbeat",
      toVersion: `${r.prefix}hist-1`,
    }).slice(0, -1);
  });
  phase(
    `history: a day of heartbeats, measured on ${int(instances)} instances × ${RESOURCES.length} resources over ${rounds} rounds of ${cfg.heartbeatS} s`,
    pairs * rounds,
  );
  // Event time runs ~60× faster here than on a real fleet, so autovacuum (or the stand-in on
  // its real-time clock) would see almost none of it. Its pass runs once per 60 s of event
  // time instead, autovacuum_naptime's default, with autovacuum's own thresholds: the growth
  // measured is what stays after vacuum, not dead row versions a vacuum reclaims.
  const vacuum = state.vacuum ?? new VacuumStandIn(url, 0, log);
  const roundsPerNap = Math.max(1, Math.round(60_000 / periodMs));
  let before: HistoryBytes | null = null;
  let cpu0 = cpuSnapshot(state.server?.pid);
  let seq = 0;
  for (let round = 0; round < rounds; round++) {
    const roundStart = start + round * periodMs;
    const bodies: { body: Buffer; count: number }[] = [];
    for (let from = 0; from < pairs; from += cfg.batch) {
      const parts: string[] = [];
      for (let p = from; p < Math.min(pairs, from + cfg.batch); p++) {
        const at = new Date(roundStart + Math.floor((p / pairs) * periodMs)).toISOString();
        parts.push(`${heads[p]},"id":"hist-${run}-${++seq}","occurredAt":"${at}"}`);
      }
      bodies.push({ body: Buffer.from(`[${parts.join(",")}]`), count: parts.length });
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: cfg.clients }, async () => {
        for (let b = next++; b < bodies.length; b = next++) {
          await client.post(bodies[b]!.body, bodies[b]!.count);
          progress.done += bodies[b]!.count;
        }
      }),
    );
    if (round === 0 || (round + 1) % roundsPerNap === 0 || round === rounds - 1) await vacuum.passNow();
    if (round === 0) {
      before = await historyBytes(url);
      cpu0 = cpuSnapshot(state.server?.pid);
    }
  }
  const cpu = cpuSince(cpu0, state.server?.pid);
  const after = await historyBytes(url);
  const eventTimeS = ((rounds - 1) * periodMs) / 1000;
  const perDayMeasured = (Math.max(0, after.total - before!.total) / eventTimeS) * 86_400;
  const perDayBenchFleet = (perDayMeasured / pairs) * benchPairs;
  const result: HistoryDayResult = {
    pairs,
    rounds,
    eventTimeS,
    before: before!,
    after,
    perDayMeasured,
    perDayBenchFleet,
    benchPairs,
    events: pairs * rounds,
    cpu,
  };
  log(
    `history: ${int(pairs)} pairs heartbeating for ${eventTimeS} s of event time added ${mb(after.total - before!.total)} ` +
      `(${describeHistory(before!)} → ${describeHistory(after)}): ${gb(perDayMeasured)} a day, ${gb(perDayBenchFleet)} a day for the bench fleet's ${int(benchPairs)} pairs; ${describeCpu(cpu)}`,
  );
  return result;
}

export const gb = (bytes: number) =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${(bytes / 1024 ** 2).toFixed(1)} MB`;
