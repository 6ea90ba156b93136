// `npm run bench`: fills a fresh database through POST /api/v1/events and reports, in one run
// on one machine (docs/benchmark.md):
//   - events/s through the endpoint (batches of 500, 4 concurrent clients) over a measured
//     slice, beside events/s for the same rows inserted straight into reload_event with pg
//     (the ratio is the figure; target ≥ 0.5);
//   - getFleetMatrix time (p50/p95/max over 30+ calls) for 1,000 services × 20 instances ×
//     3 resources, after the slice and again with the full history (default 2,000,000 events),
//     so the two p95s show whether the matrix's cost grows with stored events (target ≤ 100 ms);
//   - GET /fleet end to end (the server's complete HTML) with the full history (target p95 ≤ 100 ms);
//   - the fleet at a random instant over the full history (snapshot + events since; target p95 ≤ 300 ms);
//   - the app's peak resident memory (the `next start` process tree, sampled every 200 ms;
//     target ≤ 500 MB).
// It talks only to 127.0.0.1, creates its databases and drops them again (also on failure),
// and stops by itself. Misses are reported, not failed on; a broken run exits non-zero.
// This file is the order of the phases; each phase is a module in scripts/bench/phases.
import { randomBytes } from "node:crypto";
import os from "node:os";
import { cfg, configErrors } from "./bench/config";
import { int } from "./bench/format";
import { EventStream, liveWindow, RESOURCES } from "./bench/generator";
import { IngestClient } from "./bench/http";
import { elapsed, log, startTicker } from "./bench/log";
import { fillHistory } from "./bench/phases/fill";
import { timeFleetPage } from "./bench/phases/fleet-page";
import { generateSlice, measureIngest } from "./bench/phases/ingest";
import { timeMatrix, timeMatrixAsIs, timeMatrixVacuumed, useAppDatabase } from "./bench/phases/matrix";
import { measureRawInsert } from "./bench/phases/raw-insert";
import { printReport } from "./bench/phases/report";
import { timeReplay } from "./bench/phases/replay";
import { timeTimeline } from "./bench/phases/timeline";
import { measureOtlp } from "./bench/phases/otlp";
import { timeMetrics } from "./bench/phases/metrics";
import { timeAlerts } from "./bench/phases/alerts";
import { seedRawFleet } from "./bench/raw";
import { mergeReports, RssSampler, type RssReport } from "./bench/rss";
import { historyBytes } from "./bench/history";
import { measureAlertsIngest, type AlertsIngestResult } from "./bench/phases/alerts-ingest";
import { measureHistoryDay } from "./bench/phases/history-day";
import { measureSustained } from "./bench/phases/sustained";
import { cleanup } from "./bench/setup/cleanup";
import { assertLocal, createDatabase, serverSettings } from "./bench/setup/databases";
import { freePort, provenance, serverLogTail, startServer, stopServer, waitForServer } from "./bench/setup/server";
import { state } from "./bench/setup/state";
import { VacuumStandIn } from "./bench/vacuum";
import { runAsReader } from "@/lib/auth/require-actor";
import { countChecks, failedChecks } from "./bench/checks";
import { checkCounts } from "./bench/phases/counts";
import { benchSession, BENCH_USER } from "./bench/setup/session";

/** Event time stays inside the ingest's retention window (30 days), with the SQL fill's three days before it. */
const MAX_EVENT_SPAN_MS = 26 * 24 * 3600_000;

/**
 * `npm run bench -- --phase <name>`: build the fleet as usual (setup, measured slice, fill),
 * then run only that timed phase and print no report. Names: matrix, fleet-page, replay,
 * timeline, otlp, metrics, alerts, alerts-ingest, history, sustained.
 */
const ONLY_PHASE = (() => {
  const i = process.argv.indexOf("--phase");
  return i >= 0 ? (process.argv[i + 1] ?? "") : null;
})();
const PHASES = [
  "matrix",
  "fleet-page",
  "replay",
  "timeline",
  "otlp",
  "metrics",
  "alerts",
  "alerts-ingest",
  "history",
  "sustained",
];
if (ONLY_PHASE !== null && !PHASES.includes(ONLY_PHASE))
  configErrors.push(`--phase must be one of ${PHASES.join(", ")}, got ${ONLY_PHASE || "nothing"}`);
const runs = (name: string) => ONLY_PHASE === null || ONLY_PHASE === name;

async function main(): Promise<number> {
  if (configErrors.length > 0) throw new Error(configErrors.join("; "));
  assertLocal(cfg.serverUrl);
  const triples = cfg.services * cfg.instances * RESOURCES.length;
  if (cfg.batch < 1 || cfg.clients < 1 || cfg.matrixRuns < 1 || cfg.pageRuns < 1) {
    throw new Error("BENCH_BATCH, BENCH_CLIENTS, BENCH_MATRIX_RUNS and BENCH_PAGE_RUNS must be at least 1");
  }
  if (cfg.events < triples)
    throw new Error(`BENCH_EVENTS must be at least ${int(triples)} (one heartbeat per instance × resource)`);
  const measure = Math.min(cfg.measureEvents, cfg.events);
  const { version: pgVersion, autovacuumOn } = await serverSettings();
  const standIn = cfg.vacuum === "on" || (cfg.vacuum === "auto" && !autovacuumOn);
  log(
    `Reloadscope benchmark: ${int(cfg.events)} events, ${cfg.services} services × ${cfg.instances} instances × ${RESOURCES.length} resources, ` +
      `measured slice ${int(measure)}, ${cfg.clients} clients × ${cfg.batch}/batch; ${os.cpus().length} CPUs, PostgreSQL ${pgVersion}`,
  );

  const watchdog = setTimeout(() => {
    console.error(`[bench] gave up after BENCH_TIMEOUT_S=${cfg.timeoutS} s`);
    void cleanup().finally(() => process.exit(3));
  }, cfg.timeoutS * 1000);
  const ticker = startTicker(() => state.sampler);

  try {
    // --- setup: two fresh databases, the app on a free port ---------------------------------
    const tag = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const appName = `reloadscope_bench_${tag}`;
    const rawName = `${appName}_raw`;
    const appUrl = await createDatabase(appName);
    const rawUrl = await createDatabase(rawName);
    log(`databases ${appName} (through the app) and ${rawName} (raw inserts) created and migrated`);
    // lib/ in this process (the matrix, replay, timeline and alert phases, the bench's user) reads the app's database.
    useAppDatabase(appUrl);
    if (standIn) {
      state.vacuum = new VacuumStandIn(appUrl, cfg.vacuumIntervalS * 1000, log);
      state.vacuum.start();
      log(
        `the server runs with autovacuum = ${autovacuumOn ? "on" : "off"}: a stand-in applies autovacuum's default thresholds to ${appName} every ${cfg.vacuumIntervalS} s (BENCH_VACUUM=off to measure without)`,
      );
    } else if (!autovacuumOn) {
      log(
        "WARNING: the server runs with autovacuum = off and BENCH_VACUUM=off: dead rows and stale statistics will pile up in the read model",
      );
    }

    // Event time runs at the modelled fleet's own rate (a heartbeat per instance × resource
    // every BENCH_HEARTBEAT_S seconds, plus reloads) and ends a minute before the start, so no
    // event is in the future and the gaps between one instance's events are those of a live
    // fleet; capped below the app's INSTANCE_STALE_SECONDS so the whole fleet stays live in the
    // matrix (and inside the retention window). History added by the SQL fill, if any, lies in
    // the three days before that.
    const staleMs = (Number(process.env.INSTANCE_STALE_SECONDS) || 86_400) * 1000;
    const shape = { services: cfg.services, instancesPerService: cfg.instances };
    const { startAt, endAt, eventsPerSecond } = liveWindow(cfg.events, shape, {
      heartbeatS: cfg.heartbeatS,
      maxSpanMs: Math.min(0.8 * staleMs, MAX_EVENT_SPAN_MS),
    });
    const historyStart = startAt - 3 * 24 * 3600_000;
    const stream = new EventStream({ ...shape, totalEvents: cfg.events, startAt, endAt });
    log(
      `event time: ${new Date(startAt).toISOString()} → ${new Date(endAt).toISOString()} (${int(eventsPerSecond)} events per second of event time: ` +
        `a heartbeat per instance × resource every ${cfg.heartbeatS} s, plus reloads)`,
    );
    await seedRawFleet(rawUrl, stream);

    const token = `bench-${randomBytes(16).toString("hex")}`;
    const port = await freePort();
    const server = startServer(appUrl, port, token);
    state.sampler = new RssSampler(server.pid!, 200);
    const client = new IngestClient(port, token, cfg.clients);
    const readyMs = await waitForServer(client, server);
    // The server is restarted by the alert evaluation phase; memory is sampled across every process it ran as.
    const rssParts: RssReport[] = [];
    const restart = async (extraEnv: Record<string, string>) => {
      rssParts.push(await state.sampler!.stop());
      await stopServer();
      const again = startServer(appUrl, port, token, extraEnv);
      state.sampler = new RssSampler(again.pid!, 200);
      const ms = await waitForServer(client, again);
      log(
        `next start restarted (pid ${again.pid}${
          Object.keys(extraEnv).length
            ? `, ${Object.entries(extraEnv)
                .map(([k, v]) => `${k}=${v}`)
                .join(" ")}`
            : ""
        }) in ${(ms / 1000).toFixed(1)} s`,
      );
    };
    const stopSampling = async () => mergeReports([...rssParts, await state.sampler!.stop()]);
    const warm = await client.request("POST", "/api/v1/events", Buffer.from("[]"));
    if (warm.status !== 400)
      throw new Error(`warm-up POST [] answered ${warm.status} (expected 400 empty_batch): ${warm.text}`);
    // Pages need a signed-in caller (docs/adr/0017): a viewer of the bench's own, signed in as a browser does.
    const cookie = await benchSession(port);
    log(`signed in as ${BENCH_USER} (viewer) through /api/auth/callback/credentials`);
    const code = provenance();
    log(`code under test: ${code}`);
    log(
      `next start (pid ${server.pid}) answers on 127.0.0.1:${port} after ${(readyMs / 1000).toFixed(1)} s; log: ${state.serverLog}`,
    );

    // --- the measured slice: generated once, the same rows for both paths ------------------
    const slice = generateSlice(stream, measure);
    const raw = await measureRawInsert(rawName, rawUrl, slice.batches, measure);
    const ingest = await measureIngest(client, slice, { url: appUrl, name: appName }, measure, raw.rate);
    slice.bodies.length = 0;
    slice.batches.length = 0;
    // History bytes per accepted event: everything stored so far came through the endpoint.
    const historyA = { bytes: await historyBytes(appUrl), events: client.accepted };

    // --- matrix with a short history, the rest of the history, then matrix and page with all of it
    if (ONLY_PHASE !== null) {
      if (runs("alerts-ingest")) await measureAlertsIngest(client, stream, restart);
      const onlyFill = await fillHistory(client, stream, appUrl, ingest.rate, { historyStart, startAt });
      await checkCounts(appUrl, { stream, client, fill: onlyFill, triples, small: null, large: null });
      if (runs("matrix"))
        await timeMatrixVacuumed(appUrl, "B (full history)", await timeMatrixAsIs(appUrl, "B (full history)"));
      if (runs("fleet-page")) await timeFleetPage(port, cookie);
      if (runs("replay")) await timeReplay(appUrl);
      if (runs("timeline"))
        await timeTimeline(
          async (events) => void (await client.post(Buffer.from(JSON.stringify(events)), events.length)),
        );
      if (runs("otlp")) await measureOtlp(port, token, appUrl);
      if (runs("metrics")) await timeMetrics(port);
      if (runs("alerts")) await timeAlerts();
      if (runs("history")) await measureHistoryDay(client, appUrl, triples);
      if (runs("sustained")) await measureSustained(client, port, cookie);
      await stopSampling();
      clearInterval(ticker);
      await stopServer();
      client.close();
      clearTimeout(watchdog);
      return reportFailedChecks();
    }
    const small = await timeMatrix(appUrl, "A (after the measured slice)");
    // Ingest with alert evaluation off, then on (two slices of the stream, the server restarted for each).
    const alertsIngest: AlertsIngestResult | null = await measureAlertsIngest(client, stream, restart);
    const fill = await fillHistory(client, stream, appUrl, ingest.rate, { historyStart, startAt });
    const largeAsIs = await timeMatrixAsIs(appUrl, "B (full history)");
    const page = await timeFleetPage(port, cookie); // the read model as the matrix B figure saw it, before the VACUUM
    const large = await timeMatrixVacuumed(appUrl, "B (full history)", largeAsIs);
    // Before the phases below add events of their own.
    await checkCounts(appUrl, { stream, client, fill, triples, small, large });
    const historyB = { bytes: await historyBytes(appUrl), events: client.accepted };
    // The fleet at random instants over the full history (docs/adr/0010); it logs its own figures.
    await timeReplay(appUrl);
    // A reload across 2,000 instances through the endpoint, then its timeline assembled; it logs its own figures.
    await timeTimeline(async (events) => void (await client.post(Buffer.from(JSON.stringify(events)), events.length)));
    // Spans through /v1/traces beside the raw insert of the same rows (docs/adr/0008); it logs its own figures.
    await measureOtlp(port, token, appUrl);
    // One scrape of GET /api/metrics for the whole fleet (DESIGN.md "Metrics"); it logs its own figures.
    await timeMetrics(port);
    // One full alert evaluation pass over the fleet (docs/adr/0014); it logs its own figures.
    await timeAlerts();
    // History a day of heartbeats adds, on a fleet of its own (docs/adr/0021); then the largest fleet the live stream keeps up with.
    const historyDay = await measureHistoryDay(client, appUrl, triples);
    const sustained = await measureSustained(client, port, cookie);
    const vacuumStats = state.vacuum ? await state.vacuum.stop() : null;
    const rss = await stopSampling();
    clearInterval(ticker);
    await stopServer();

    printReport({
      measure,
      triples,
      pgVersion,
      autovacuumOn,
      code,
      stream,
      raw,
      ingest,
      small,
      fill,
      large,
      page,
      vacuumStats,
      rss,
      alertsIngest,
      historyA,
      historyB,
      historyDay,
      sustained,
      retries: client.retries,
      totalMs: elapsed(),
    });
    client.close();
    clearTimeout(watchdog);
    return reportFailedChecks();
  } finally {
    clearInterval(ticker);
    clearTimeout(watchdog);
    if (state.sampler) await state.sampler.stop().catch(() => {});
    await cleanup();
  }
}

/** Exit code: 1 when any count did not add up (checks.ts), else 0. */
function reportFailedChecks(): number {
  const failed = failedChecks();
  log(`count checks: ${countChecks.length - failed.length} passed, ${failed.length} failed`);
  for (const c of failed) console.error(`[bench] count check failed: ${c.name}: ${c.detail}`);
  return failed.length > 0 ? 1 : 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`[bench] ${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// The bench reads the query modules directly, as the pages do, under a reader of its own (docs/adr/0017).
runAsReader({ kind: "system", purpose: "bench" }, main)
  .then((code) => process.exit(code))
  .catch(async (error) => {
    console.error(`[bench] the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const tail = serverLogTail(20);
    if (tail.trim()) console.error(`[bench] last lines of the app's log (${state.serverLog}):\n${tail}`);
    await cleanup();
    process.exit(1);
  });
