// Phase: the measured slice through POST /api/v1/events. The slice is generated and serialised
// once, before any timing, so the raw insert and the endpoint get the same rows; the endpoint
// then gets the same bodies from BENCH_CLIENTS keep-alive clients after a CHECKPOINT, while
// pg_stat_activity of the app's connections is sampled.
import { ActivitySampler, describeActivity, type ActivityReport } from "../activity";
import { cfg } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int, mb } from "../format";
import type { BenchEvent, EventStream } from "../generator";
import type { IngestClient } from "../http";
import { log, phase, progress } from "../log";
import { checkpoint } from "../setup/databases";
import { state } from "../setup/state";

export interface Slice {
  /** for the raw insert */
  batches: BenchEvent[][];
  /** for the endpoint: the same batches as JSON */
  bodies: { body: Buffer; count: number }[];
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const body = (events: BenchEvent[]) => Buffer.from(JSON.stringify(events.map((e) => e.wire)));

export function generateSlice(stream: EventStream, measure: number): Slice {
  phase("generating the measured slice", measure);
  const batches = chunk(stream.take(measure), cfg.batch);
  const bodies = batches.map((b) => ({ body: body(b), count: b.length }));
  const bytes = bodies.reduce((n, b) => n + b.body.length, 0);
  log(
    `slice: ${bodies.length} batches, ${mb(bytes)} of JSON (${int(bytes / measure)} bytes/event), ${stream.reloads} reloads`,
  );
  return { batches, bodies };
}

/** Posts pre-serialised bodies from `cfg.clients` concurrent loops; returns elapsed ms. */
async function postAll(client: IngestClient, bodies: { body: Buffer; count: number }[]): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: cfg.clients }, async () => {
      for (;;) {
        const b = next++;
        if (b >= bodies.length) return;
        await client.post(bodies[b]!.body, bodies[b]!.count);
        progress.done += bodies[b]!.count;
      }
    }),
  );
  return performance.now() - t0;
}

export interface IngestResult {
  rate: number;
  cpu: CpuUse;
  activity: ActivityReport;
}

export async function measureIngest(
  client: IngestClient,
  slice: Slice,
  app: { url: string; name: string },
  measure: number,
  rawRate: number,
): Promise<IngestResult> {
  await checkpoint();
  phase("POST /api/v1/events (measured slice)", measure);
  state.activity = new ActivitySampler(app.url, app.name);
  await state.activity.start();
  const cpu0 = cpuSnapshot(state.server?.pid);
  const ingestMs = await postAll(client, slice.bodies);
  const cpu = cpuSince(cpu0, state.server?.pid);
  const activity = await state.activity.stop();
  const rate = measure / (ingestMs / 1000);
  log(
    `endpoint: ${int(measure)} events in ${(ingestMs / 1000).toFixed(1)} s = ${int(rate)} events/s (ratio ${(rate / rawRate).toFixed(2)}); ${describeCpu(cpu)}`,
  );
  log(`endpoint: ${describeActivity(activity)}`);
  return { rate, cpu, activity };
}
