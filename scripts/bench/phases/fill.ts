// Phase: the rest of the history. The stream continues through POST /api/v1/events until it
// ends or BENCH_FILL_BUDGET_S runs out; what is left goes into reload_event by generate_series
// INSERTs of heartbeat history (dated before the stream, not touching the read model).
import { cfg } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int } from "../format";
import { RESOURCES, type EventStream } from "../generator";
import type { IngestClient } from "../http";
import { log, phase, progress } from "../log";
import { withDb } from "../setup/databases";
import { state } from "../setup/state";
import { body } from "./ingest";

/** Generates and posts batches until the stream ends or the deadline passes; returns events sent. */
async function postUntil(
  client: IngestClient,
  stream: EventStream,
  deadline: number,
): Promise<{ sent: number; ms: number }> {
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: cfg.clients }, async () => {
      while (stream.remaining > 0 && performance.now() < deadline) {
        const events = stream.take(cfg.batch);
        await client.post(body(events), events.length);
        sent += events.length;
        progress.done += events.length;
      }
    }),
  );
  return { sent, ms: performance.now() - t0 };
}

/**
 * The fast path for the rest of the history: heartbeat rows straight into reload_event with
 * generate_series (history only: instance_state, reload and the rest are not touched), spread
 * over the days before the live window, pointing at the fleet's real instances.
 */
async function sqlFill(
  url: string,
  count: number,
  firstIndex: number,
  startAt: number,
  endAt: number,
): Promise<number> {
  const t0 = performance.now();
  const step = 100_000;
  await withDb(url, async (c) => {
    for (let from = 0; from < count; from += step) {
      const n = Math.min(step, count - from);
      await c.query(
        `WITH fleet AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(service_id ORDER BY id) AS sids, count(*)::int AS n FROM instance)
         INSERT INTO reload_event (id, service_id, instance_id, kind, resource, phase, to_version, occurred_at, attributes)
         SELECT 'fill-' || lpad(g::text, 9, '0'),
                fleet.sids[1 + (g % fleet.n)::int], fleet.ids[1 + (g % fleet.n)::int],
                ($3::text[])[1 + ((g / fleet.n) % 3)::int], ($4::text[])[1 + ((g / fleet.n) % 3)::int],
                'heartbeat', 'hist-' || ((g / fleet.n) % 97),
                to_timestamp(($5::float8 + random() * ($6::float8 - $5::float8)) / 1000.0), '{}'::jsonb
         FROM fleet, generate_series($1::bigint, $1::bigint + $2::bigint - 1) AS g`,
        [firstIndex + from, n, RESOURCES.map((r) => r.kind), RESOURCES.map((r) => r.resource), startAt, endAt],
      );
      progress.done += n;
    }
  });
  return performance.now() - t0;
}

export interface FillResult {
  /** events sent through the endpoint during the fill */
  viaEndpoint: number;
  ms: number;
  /** events inserted by the SQL fill */
  viaSql: number;
  sqlMs: number;
  cpu: CpuUse | null;
}

export async function fillHistory(
  client: IngestClient,
  stream: EventStream,
  appUrl: string,
  ingestRate: number,
  sqlWindow: { historyStart: number; startAt: number },
): Promise<FillResult> {
  const result: FillResult = { viaEndpoint: 0, ms: 0, viaSql: 0, sqlMs: 0, cpu: null };
  if (stream.remaining <= 0) return result;
  const predicted = stream.remaining / ingestRate;
  phase(
    `fill through POST /api/v1/events (budget ${cfg.fillBudgetS} s; at the measured rate the rest needs ~${Math.round(predicted)} s)`,
    stream.remaining,
  );
  const cpu0 = cpuSnapshot(state.server?.pid);
  const fill = await postUntil(client, stream, performance.now() + cfg.fillBudgetS * 1000);
  result.cpu = cpuSince(cpu0, state.server?.pid);
  result.viaEndpoint = fill.sent;
  result.ms = fill.ms;
  log(
    `fill: ${int(fill.sent)} events through the endpoint in ${(fill.ms / 1000).toFixed(1)} s` +
      (fill.sent ? ` = ${int(fill.sent / (fill.ms / 1000))} events/s; ${describeCpu(result.cpu)}` : ""),
  );
  if (stream.remaining > 0) {
    result.viaSql = stream.remaining;
    phase("fill the rest by SQL (generate_series INSERT of older heartbeat history into reload_event)", result.viaSql);
    result.sqlMs = await sqlFill(appUrl, result.viaSql, stream.produced, sqlWindow.historyStart, sqlWindow.startAt);
    log(`SQL fill: ${int(result.viaSql)} events in ${(result.sqlMs / 1000).toFixed(1)} s`);
  }
  return result;
}
