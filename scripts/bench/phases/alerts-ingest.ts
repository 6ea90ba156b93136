// Phase: ingest with alert evaluation off, then on, in one run (docs/benchmark.md): the server is
// restarted with ALERT_EVAL_INTERVAL_SECONDS=0 (no evaluation in the process), BENCH_ALERTS_SLICE
// events of the stream go through POST /api/v1/events, then it is restarted as configured
// (evaluation every 10 s and after ingest, as in production) and as many again. Both halves
// start on a freshly started process, so both pay the same warm-up.
import { cfg } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int } from "../format";
import type { EventStream } from "../generator";
import type { IngestClient } from "../http";
import { log, phase, progress } from "../log";
import { state } from "../setup/state";
import { body } from "./ingest";

export interface AlertsIngestHalf {
  events: number;
  rate: number;
  cpu: CpuUse;
}

export interface AlertsIngestResult {
  off: AlertsIngestHalf;
  on: AlertsIngestHalf;
}

async function half(client: IngestClient, stream: EventStream, label: string): Promise<AlertsIngestHalf> {
  const events = Math.min(cfg.alertsSlice, stream.remaining);
  phase(`ingest with alert evaluation ${label}`, events);
  let left = events;
  const cpu0 = cpuSnapshot(state.server?.pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: cfg.clients }, async () => {
      while (left > 0) {
        const batch = stream.take(Math.min(cfg.batch, left));
        left -= batch.length;
        await client.post(body(batch), batch.length);
        progress.done += batch.length;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(cpu0, state.server?.pid);
  const result = { events, rate: events / seconds, cpu };
  log(
    `ingest with alert evaluation ${label}: ${int(events)} events in ${seconds.toFixed(1)} s = ${int(result.rate)} events/s; ${describeCpu(cpu)}`,
  );
  return result;
}

export async function measureAlertsIngest(
  client: IngestClient,
  stream: EventStream,
  restart: (env: Record<string, string>) => Promise<void>,
): Promise<AlertsIngestResult | null> {
  if (cfg.alertsSlice < 1 || stream.remaining < 2 * cfg.batch) {
    log("ingest with alert evaluation on vs off: skipped (BENCH_ALERTS_SLICE=0 or the stream has too few events left)");
    return null;
  }
  await restart({ ALERT_EVAL_INTERVAL_SECONDS: "0" });
  const off = await half(client, stream, "off (ALERT_EVAL_INTERVAL_SECONDS=0)");
  await restart({});
  const on = await half(client, stream, "on (as configured)");
  log(`ingest with alert evaluation on / off: ${(on.rate / off.rate).toFixed(2)}`);
  return { off, on };
}
