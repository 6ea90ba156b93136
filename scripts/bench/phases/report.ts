// Phase: the report. The figures as a markdown table with target and PASS/MISS per row, then the
// notes (event mix, reload statuses, CPU per phase, connection activity, read-model sizes,
// autovacuum), and optionally all of it as JSON (BENCH_JSON).
import fs from "node:fs";
import os from "node:os";
import { describeActivity } from "../activity";
import { cfg, TARGETS } from "../config";
import { describeCpu, type CpuUse } from "../cpu";
import { duration, int, kb, markdownTable, mb, ms, verdict } from "../format";
import type { EventStream } from "../generator";
import type { RssReport } from "../rss";
import { describeTables } from "../setup/databases";
import type { VacuumStats } from "../vacuum";
import type { FillResult } from "./fill";
import type { PageResult } from "./fleet-page";
import type { IngestResult } from "./ingest";
import type { MatrixPoint } from "./matrix";
import type { RawResult } from "./raw-insert";
import { countChecks } from "../checks";
import { describeHistory, type HistoryBytes } from "../history";
import type { AlertsIngestResult } from "./alerts-ingest";
import { gb, type HistoryDayResult } from "./history-day";
import { MAX_LAG_S, PAGE_P95_TARGET_MS, RELOAD_EVERY_S, type SustainedResult } from "./sustained";

export interface RunResults {
  /** events in the measured slice */
  measure: number;
  /** services × instances × resources: the instance_state rows expected */
  triples: number;
  pgVersion: string;
  autovacuumOn: boolean;
  /** which code ran (provenance()) */
  code: string;
  stream: EventStream;
  raw: RawResult;
  ingest: IngestResult;
  /** the matrix after the measured slice */
  small: MatrixPoint;
  fill: FillResult;
  /** the matrix with the full history */
  large: MatrixPoint;
  /** GET /fleet with the full history */
  page: PageResult;
  vacuumStats: VacuumStats | null;
  rss: RssReport;
  /** ingest with alert evaluation off, then on; null when skipped */
  alertsIngest: AlertsIngestResult | null;
  /** history tables after the measured slice (A) and with the full history (B), with the events accepted by then */
  historyA: { bytes: HistoryBytes; events: number };
  historyB: { bytes: HistoryBytes; events: number };
  historyDay: HistoryDayResult;
  sustained: SustainedResult;
  /** 429/503 answers the ingest client retried */
  retries: number;
  totalMs: number;
}

export function printReport(r: RunResults): void {
  const {
    measure,
    triples,
    raw,
    ingest,
    small,
    large,
    page,
    fill,
    rss,
    vacuumStats,
    autovacuumOn,
    stream,
    alertsIngest,
    historyA,
    historyB,
    historyDay,
    sustained,
  } = r;
  const final = large.db;
  const ratio = ingest.rate / raw.rate;
  const growthLimit = Math.max(small.timing.p95 * TARGETS.growth, small.timing.p95 + TARGETS.growthSlackMs);
  const vacuumedGrowthLimit = Math.max(
    small.vacuumed.timing.p95 * TARGETS.growth,
    small.vacuumed.timing.p95 + TARGETS.growthSlackMs,
  );
  const peakMb = rss.peakRssBytes / 1024 / 1024;
  const fullRun = cfg.events >= 2_000_000;
  const endpointTotal =
    measure + fill.viaEndpoint + (alertsIngest ? alertsIngest.off.events + alertsIngest.on.events : 0);
  const rows: string[][] = [
    [
      `ingest: POST /api/v1/events, ${cfg.clients} clients × ${cfg.batch}/batch (first ${int(measure)} events)`,
      `${int(ingest.rate)} events/s`,
      "",
      "",
    ],
    [
      `raw: INSERT … unnest via pg, same rows, ${cfg.clients} clients × ${cfg.batch}/batch`,
      `${int(raw.rate)} events/s`,
      "",
      "",
    ],
    ["ingest / raw ratio", ratio.toFixed(2), `≥ ${TARGETS.ratio}`, verdict(ratio >= TARGETS.ratio)],
    [
      `matrix p50 / p95 / max, ${int(small.storedEvents)} stored events (A: ${int(small.db.versionGroups)} version groups, ${int(small.drifting)} drifting)`,
      `${ms(small.timing.p50)} / ${ms(small.timing.p95)} / ${ms(small.timing.max)}`,
      `p95 ≤ ${TARGETS.matrixP95Ms} ms`,
      verdict(small.timing.p95 <= TARGETS.matrixP95Ms),
    ],
    [
      `matrix p50 / p95 / max, ${int(large.storedEvents)} stored events (B: ${int(large.db.versionGroups)} version groups, ${int(large.drifting)} drifting)`,
      `${ms(large.timing.p50)} / ${ms(large.timing.p95)} / ${ms(large.timing.max)}`,
      `p95 ≤ ${TARGETS.matrixP95Ms} ms`,
      verdict(large.timing.p95 <= TARGETS.matrixP95Ms),
    ],
    [
      `matrix growth: p95 B / p95 A (${(large.storedEvents / Math.max(1, small.storedEvents)).toFixed(1)}× the events)`,
      `${(large.timing.p95 / small.timing.p95).toFixed(2)}×`,
      `≤ ${TARGETS.growth}× (or +${TARGETS.growthSlackMs} ms)`,
      verdict(large.timing.p95 <= growthLimit),
    ],
    [
      `matrix p50 / p95 / max right after VACUUM (ANALYZE) of the read model, A`,
      `${ms(small.vacuumed.timing.p50)} / ${ms(small.vacuumed.timing.p95)} / ${ms(small.vacuumed.timing.max)}`,
      `p95 ≤ ${TARGETS.matrixP95Ms} ms`,
      verdict(small.vacuumed.timing.p95 <= TARGETS.matrixP95Ms),
    ],
    [
      `matrix p50 / p95 / max right after VACUUM (ANALYZE) of the read model, B`,
      `${ms(large.vacuumed.timing.p50)} / ${ms(large.vacuumed.timing.p95)} / ${ms(large.vacuumed.timing.max)}`,
      `p95 ≤ ${TARGETS.matrixP95Ms} ms`,
      verdict(large.vacuumed.timing.p95 <= TARGETS.matrixP95Ms),
    ],
    [
      `matrix growth after VACUUM: p95 B / p95 A (no dead rows at either point)`,
      `${(large.vacuumed.timing.p95 / small.vacuumed.timing.p95).toFixed(2)}×`,
      `≤ ${TARGETS.growth}× (or +${TARGETS.growthSlackMs} ms)`,
      verdict(large.vacuumed.timing.p95 <= vacuumedGrowthLimit),
    ],
    [
      `GET ${page.path} p50 / p95 / max, whole HTML (${kb(page.htmlBytes)}), ${int(cfg.services)} services, at B`,
      `${ms(page.timing.p50)} / ${ms(page.timing.p95)} / ${ms(page.timing.max)}`,
      `p95 ≤ ${TARGETS.pageP95Ms} ms`,
      verdict(page.timing.p95 <= TARGETS.pageP95Ms),
    ],
    ...(alertsIngest
      ? [
          [
            `ingest with alert evaluation off / on (${int(alertsIngest.off.events)} events each, server restarted for each)`,
            `${int(alertsIngest.off.rate)} / ${int(alertsIngest.on.rate)} events/s (on = ${(alertsIngest.on.rate / alertsIngest.off.rate).toFixed(2)}× off)`,
            "",
            "",
          ],
        ]
      : []),
    [
      `history bytes per accepted event, A (${int(historyA.events)} events)`,
      `${int(historyA.bytes.total / Math.max(1, historyA.events))} B`,
      "",
      "",
    ],
    [
      `history bytes per accepted event, B (${int(historyB.events)} events${fill.viaSql ? `, + ${int(fill.viaSql)} SQL-fill rows` : ""})`,
      `${int(historyB.bytes.total / Math.max(1, historyB.events + fill.viaSql))} B`,
      "",
      "",
    ],
    [
      `history added by a day of the bench fleet's heartbeats (${int(historyDay.benchPairs)} pairs every ${cfg.heartbeatS} s; measured on ${int(historyDay.pairs)} over ${historyDay.eventTimeS} s)`,
      gb(historyDay.perDayBenchFleet),
      "≤ 1 GB",
      verdict(historyDay.perDayBenchFleet <= 1024 ** 3),
    ],
    [
      `fleet sustained: largest fleet whose live stream is kept up with for ${cfg.sustainedStepS} s, GET /fleet p95 ≤ ${PAGE_P95_TARGET_MS} ms (tried ${sustained.steps.map((s) => int(s.instances)).join(", ")})`,
      sustained.largest ? `${int(sustained.largest)} instances` : "none",
      "≥ 100,000 instances",
      verdict(sustained.largest >= 100_000),
    ],
    [
      "stored events (reload_event rows)",
      `${int(final.events)} (${int(endpointTotal)} via endpoint, ${int(fill.viaSql)} via SQL fill)`,
      `${int(cfg.events)}${fullRun ? "" : " (reduced run)"}`,
      final.events === cfg.events ? "PASS" : "(see the count checks)",
    ],
    [
      "count checks (every count adds up)",
      `${countChecks.filter((c) => c.ok).length} of ${countChecks.length}`,
      `${countChecks.length}`,
      verdict(countChecks.every((c) => c.ok)),
    ],
    ["instance_state rows", int(final.instanceStates), int(triples), verdict(final.instanceStates === triples)],
    [
      "matrix content (services / live instances at A and at B)",
      `${int(small.services)} / ${int(small.instances)} and ${int(large.services)} / ${int(large.instances)}`,
      `${int(cfg.services)} / ${int(cfg.services * cfg.instances)}`,
      verdict([small, large].every((p) => p.services === cfg.services && p.instances === cfg.services * cfg.instances)),
    ],
    [
      `app peak RSS (next start process tree, ${int(rss.samples)} samples / 200 ms)`,
      `${peakMb.toFixed(0)} MB (sum of VmHWM ${mb(rss.peakHwmBytes)})`,
      `≤ ${TARGETS.peakRssMb} MB`,
      verdict(peakMb <= TARGETS.peakRssMb),
    ],
  ];
  console.log("");
  console.log(`## Reloadscope benchmark — ${new Date().toISOString()}`);
  console.log(
    `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${mb(os.totalmem())} RAM, PostgreSQL ${r.pgVersion}, Node ${process.version}; run took ${duration(r.totalMs)}`,
  );
  console.log(`Code: ${r.code}`);
  console.log("");
  console.log(markdownTable(["figure", "value", "target", "result"], rows));
  console.log("");
  console.log("Notes:");
  console.log(
    `- event mix: ${Object.entries(stream.counts)
      .sort((a, b) => b[1] - a[1])
      .map(([p, n]) => `${p} ${int(n)}`)
      .join(", ")} (${int(stream.reloads)} reloads generated)`,
  );
  console.log(
    `- reloads stored: ${int(final.reloads)} (${Object.entries(final.statuses)
      .map(([s, n]) => `${s} ${int(n)}`)
      .join(", ")}); desired_version rows ${int(final.desired)}`,
  );
  console.log(
    `- matrix totals: ${large.services} services, ${int(large.instances)} instances, ${large.drifting} drifting, ${large.problems} problems; ${cfg.matrixRuns} timed calls after ${cfg.matrixWarmup} warm-up, in the bench process (Prisma pg adapter, pool 4)`,
  );
  console.log(
    `- the matrix reads the read model only; between A and B what it reads changed too: ${int(small.db.versionGroups)} → ${int(large.db.versionGroups)} (service, kind, resource, version) groups, ` +
      `${int(small.db.desired)} → ${int(large.db.desired)} desired versions, ${int(small.drifting)} → ${int(large.drifting)} drifting services (more reloads, some nacked, leave more instances on other versions)`,
  );
  console.log(`- CPU while timing the matrix: A ${describeCpu(small.cpu)}; B ${describeCpu(large.cpu)}`);
  const perRequest = (s: number) => `${((1000 * s) / page.timing.runs).toFixed(1)} CPU-ms`;
  console.log(
    `- GET ${page.path}: ${page.timing.runs} timed requests after ${cfg.pageWarmup} warm-up, one at a time over one keep-alive connection, from the request to the last byte of the HTML, ` +
      `uncompressed (no Accept-Encoding): ${kb(page.htmlBytes)} of HTML, ${kb(page.gzipBytes)} gzipped, ${int(page.serviceLinks)} service links on the page; measured at B before the VACUUM`,
  );
  console.log(
    `- CPU while timing GET ${page.path}: ${describeCpu(page.cpu)}; per request: app ${perRequest(page.cpu.appS)}, postgres ${perRequest(page.cpu.postgresS)}`,
  );
  console.log(
    `- read model when the matrix was timed: A ${describeTables(small.db)}; B ${describeTables(large.db)}; after VACUUM at B: ${describeTables(large.vacuumedDb)}`,
  );
  console.log(
    `- instance_state ${mb(final.instanceStateBytes)} (with indexes) at B; history tables (with indexes, all partitions) at A: ${describeHistory(historyA.bytes)}; at B: ${describeHistory(historyB.bytes)}`,
  );
  console.log(
    `- a day of heartbeats: ${int(historyDay.pairs)} pairs (environment bench-history) sent ${int(historyDay.events)} heartbeats, ${historyDay.rounds} rounds ${cfg.heartbeatS} s apart in event time; ` +
      `history after the first round ${describeHistory(historyDay.before)}, after the last ${describeHistory(historyDay.after)}; ${gb(historyDay.perDayMeasured)} a day for these pairs, scaled to ${int(historyDay.benchPairs)}; ${describeCpu(historyDay.cpu)}`,
  );
  for (const step of sustained.steps) {
    console.log(
      `- fleet sustained, ${int(step.instances)} instances (${int(step.pairs)} pairs, a reload per service every ${RELOAD_EVERY_S / 60} min on average): offered ${int(step.offeredRate)} events/s, ` +
        `answered ${int(step.achievedRate)} events/s over ${step.windowS.toFixed(0)} s, at most ${step.maxLagS.toFixed(1)} s of events unanswered (limit ${MAX_LAG_S} s), ${step.reloads} reloads; ` +
        `GET /fleet p50 ${step.page ? ms(step.page.p50) : "—"} / p95 ${step.page ? ms(step.page.p95) : "—"} (${step.page?.runs ?? 0} requests${step.pageErrors ? `, ${step.pageErrors} failed` : ""}); ` +
        `first heartbeats of the new instances ${step.openingS.toFixed(1)} s; ${step.ingestErrors} ingest requests failed (connection reset or refused, ${int(step.lostEvents)} events); ${step.keptUp ? "kept up" : step.why}; ${describeCpu(step.cpu)}`,
    );
  }
  if (sustained.skipped.length)
    console.log(
      `- fleet sustained: not tried ${sustained.skipped.map(int).join(", ")} (a smaller fleet did not keep up, or BENCH_SUSTAINED_BUDGET_S)`,
    );
  if (alertsIngest) {
    console.log(
      `- ingest with alert evaluation off: ${describeCpu(alertsIngest.off.cpu)}; on: ${describeCpu(alertsIngest.on.cpu)}`,
    );
  }
  for (const c of countChecks.filter((x) => !x.ok)) console.log(`- COUNT CHECK FAILED: ${c.name}: ${c.detail}`);
  const perK = (use: CpuUse, events: number) =>
    `app ${((1000 * use.appS) / events).toFixed(3)}, postgres ${((1000 * use.postgresS) / events).toFixed(3)}, bench client ${((1000 * use.benchS) / events).toFixed(3)}`;
  console.log(`- raw insert runs: ${raw.runs.map((x) => int(x.rate)).join(", ")} events/s (the median counts)`);
  console.log(
    `- CPU, raw phase (median run): ${describeCpu(raw.cpu)}; CPU-s per 1,000 events: ${perK(raw.cpu, measure)}`,
  );
  console.log(
    `- CPU, endpoint phase: ${describeCpu(ingest.cpu)}; CPU-s per 1,000 events: ${perK(ingest.cpu, measure)}`,
  );
  console.log(`- endpoint phase, ${describeActivity(ingest.activity)}`);
  if (fill.viaEndpoint > 0 && fill.cpu) {
    console.log(
      `- fill through the endpoint: ${int(fill.viaEndpoint)} events at ${int(fill.viaEndpoint / (fill.ms / 1000))} events/s; ${describeCpu(fill.cpu)}; per 1,000 events: ${perK(fill.cpu, fill.viaEndpoint)}`,
    );
  }
  if (fill.viaSql > 0) {
    console.log(
      `- NOTE: ${int(fill.viaSql)} of the ${int(cfg.events)} events were NOT sent through the endpoint: the endpoint fill stopped at its ` +
        `${cfg.fillBudgetS} s budget (BENCH_FILL_BUDGET_S) and the rest went in by a generate_series INSERT of heartbeat history into reload_event ` +
        `(${(fill.sqlMs / 1000).toFixed(1)} s), dated in the three days before the endpoint's events. They count as stored history for the matrix; they did not touch instance_state.`,
    );
  }
  console.log(
    vacuumStats
      ? `- autovacuum is ${autovacuumOn ? "on" : "OFF"} on this server; the bench's stand-in ran ${vacuumStats.passes} passes every ${cfg.vacuumIntervalS} s with autovacuum's default thresholds (${vacuumStats.vacuums} VACUUM ANALYZE, ${vacuumStats.analyzes} ANALYZE, ${(vacuumStats.busyMs / 1000).toFixed(1)} s busy, concurrently with ingest)`
      : `- autovacuum is ${autovacuumOn ? "on" : "OFF (and no stand-in ran: read-model tables were never vacuumed or analysed)"} on this server`,
  );
  if (r.retries > 0) console.log(`- the endpoint shed load ${r.retries} times (429/503, retried after Retry-After)`);
  console.log(
    `- ingest timing covers the ${int(measure)}-event slice from the first request to the last answer; the raw timing the same rows into a separate, freshly migrated database (same table, indexes and foreign keys)`,
  );

  if (cfg.jsonOut) {
    fs.writeFileSync(
      cfg.jsonOut,
      JSON.stringify(
        {
          cfg,
          ingestRate: ingest.rate,
          rawRate: raw.rate,
          rawRuns: raw.runs,
          ratio,
          rawCpu: raw.cpu,
          ingestCpu: ingest.cpu,
          fillCpu: fill.cpu,
          ingestActivity: ingest.activity,
          vacuumStats,
          autovacuumOn,
          small,
          large,
          page,
          rss,
          viaEndpointFill: fill.viaEndpoint,
          viaSql: fill.viaSql,
          totalMs: r.totalMs,
          counts: stream.counts,
          alertsIngest,
          historyA,
          historyB,
          historyDay,
          sustained,
          countChecks,
        },
        null,
        2,
      ),
    );
  }
}
