// npm run test:faults — ingest loses and duplicates nothing under faults (DESIGN.md "Reload
// events": an accepted event is committed before the answer).
//
// Against the built app (`npm test` builds it first) and the local PostgreSQL at DATABASE_URL
// (default postgresql://postgres@127.0.0.1:5432/postgres): a fresh database, migrated;
// `next start` on a free 127.0.0.1 port; a retrying exporter (6 senders, batches of 50–150
// events with unique ids) sends 30,000 events while PostgreSQL is restarted, the app is
// SIGKILLed and started again, PostgreSQL is stopped as if it crashed and started 5 s later,
// and the app's backends are terminated (pg_terminate_backend) six times. Then it counts rows:
// every event answered 200 is stored exactly once, no answer was a 500, and the server logged
// no uncaughtException or unhandledRejection. Then the dispatch rounds (tests/faults/dispatch.ts):
// the app SIGKILLed, PostgreSQL stopped immediately, and the postmaster SIGKILLed, each while a
// local reload target holds a delivery's POST.
//
// It restarts the PostgreSQL server, so it runs alone, after `npm test`, never inside it. It
// needs root or the cluster's owner and Debian's pg_ctlcluster, and says so rather than
// pretending. Whatever happens, PostgreSQL is left running and the database is dropped.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@/scripts/next-server";
import { checkRun } from "../support/check-run";
import { App } from "./app";
import { dispatchCrashRounds } from "./dispatch";
import { cellKey, EventSource, Exporter, sleep } from "./exporter";
import {
  crashPostgres,
  createMigratedDatabase,
  dropDatabase,
  ensureRunning,
  findCluster,
  localServerUrl,
  restartPostgres,
  startPostgres,
  terminateBackends,
  waitUntilAccepting,
  withClient,
  type Cluster,
} from "./postgres";

const EVENTS = 30_000;
const SENDERS = 6;
/** events per second: the run lasts about 70 s plus the outages, so every fault meets traffic */
const RATE = 430;
const SEND_DEADLINE_MS = 4 * 60_000;
const OUTAGE_MS = 5_000;
/** How long the app stays down after its SIGKILL before it is started again. */
const APP_DOWN_MS = 2_000;
const SEED = 20261123;
/** Shares of the run at which the app's backends are terminated (after the crash, so traffic is steady again). */
const TERMINATE_AT = [0.72, 0.76, 0.8, 0.84, 0.88, 0.92];
const TOKEN = "rs_faults_token_for_the_fault_test_0001";

const run = checkRun("faults");
const { check, log } = run;

const runTag = `flt${process.pid}${Date.now().toString(36)}`;
const databaseName = `reloadscope_faults_${process.pid}_${Date.now().toString(36)}`;
const logFile = path.join(os.tmpdir(), `reloadscope-faults-${process.pid}.log`);

let serverUrl: URL | null = null;
let cluster: Cluster | null = null;
let app: App | null = null;
let databaseCreated = false;
let cleaning: Promise<void> | null = null;

/** Leaves the machine as it was: app stopped, PostgreSQL running, the test database dropped. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await app
      ?.kill("SIGTERM")
      .catch((error) => console.error(`[faults] could not stop the app: ${(error as Error).message}`));
    if (cluster && serverUrl) {
      const name = `PostgreSQL ${cluster.version}/${cluster.name} left running`;
      await run.checkDone(name, ensureRunning(cluster, serverUrl));
    }
    if (databaseCreated && serverUrl) {
      await run.checkDone(`test database ${databaseName} dropped`, dropDatabase(serverUrl, databaseName));
    }
  })();
  return cleaning;
}

run.finishOnSignals(cleanup);

async function main(): Promise<void> {
  // Preconditions: a build, a local PostgreSQL this process may restart.
  if (!fs.existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    check(
      "the app is built",
      false,
      "no .next/BUILD_ID: run `npm test` (it builds first) or `npm run build` before `npm run test:faults`",
    );
    return;
  }
  try {
    serverUrl = localServerUrl(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  } catch (error) {
    check("DATABASE_URL is a local PostgreSQL", false, (error as Error).message);
    return;
  }
  const found = findCluster(Number(serverUrl.port || 5432));
  if (typeof found === "string") {
    check("PostgreSQL can be restarted from here", false, found);
    return;
  }
  cluster = found;
  await waitUntilAccepting(serverUrl, 30_000);
  log(`PostgreSQL ${cluster.version}/${cluster.name} on 127.0.0.1:${cluster.port}; database ${databaseName}`);

  const dbUrl = await createMigratedDatabase(serverUrl, databaseName);
  databaseCreated = true;
  app = new App({ port: await freePort(), databaseUrl: dbUrl, ingestToken: TOKEN, logFile });
  await app.start();
  log(`app on ${app.baseUrl} (log: ${logFile}); sending ${EVENTS} events with ${SENDERS} senders`);

  const source = new EventSource(runTag, EVENTS, SEED);
  const exporter = new Exporter(source, {
    port: Number(new URL(app.baseUrl).port),
    token: TOKEN,
    senders: SENDERS,
    rate: RATE,
    deadline: Date.now() + SEND_DEADLINE_MS,
    seed: SEED,
  });
  const sending = exporter.run().finally(() => source.end());

  // The faults, each once the run has made a given share of its events, so traffic is flowing
  // (the source says when; false when sending ended first).
  const faults: string[] = [];
  const whenMade = (share: number) => source.whenMade(Math.ceil(share * EVENTS));
  const inFlight = () =>
    `${source.made} events made, ${exporter.stats.eventsAcknowledged} acknowledged, ${exporter.stats.retries} retries, ${exporter.stats.networkErrors} network errors`;
  const injecting = (async () => {
    if (await whenMade(0.15)) {
      log(`PostgreSQL restart (fast shutdown) — ${inFlight()}`);
      await restartPostgres(cluster!);
      faults.push("PostgreSQL restarted");
    }
    if (await whenMade(0.4)) {
      log(`app SIGKILL — ${inFlight()}`);
      await app!.kill("SIGKILL");
      await sleep(APP_DOWN_MS); // how long the app stays down: the shape of the fault, not a wait for a state
      await app!.start();
      log(`app started again — ${inFlight()}`);
      faults.push("app SIGKILLed and started again");
    }
    if (await whenMade(0.65)) {
      log(`PostgreSQL stopped as if crashed (immediate shutdown) for ${OUTAGE_MS / 1000} s — ${inFlight()}`);
      await crashPostgres(cluster!);
      await sleep(OUTAGE_MS); // how long the database stays down: the shape of the fault
      await startPostgres(cluster!);
      log(`PostgreSQL started again — ${inFlight()}`);
      faults.push("PostgreSQL crashed and started again after 5 s");
    }
    // The app's connections killed under load, the server staying up (DESIGN.md "Reload events": 503, never 500):
    // each lost connection must answer 503 (the contract check below), never 500.
    let terminated = 0;
    for (const share of TERMINATE_AT) {
      if (!(await whenMade(share))) break;
      const count = await terminateBackends(dbUrl);
      log(`pg_terminate_backend: ${count} app backends terminated — ${inFlight()}`);
      if (count > 0) terminated++;
    }
    if (terminated === TERMINATE_AT.length) faults.push(`the app's backends terminated ${terminated} times`);
  })();
  await Promise.all([sending, injecting]);
  const { stats } = exporter;
  log(
    `sending done: ${inFlight()}; ${stats.attempts} requests, answers ${JSON.stringify(Object.fromEntries(stats.statuses))}`,
  );

  check(
    `faults injected while events were in flight: PostgreSQL restart, app SIGKILL, PostgreSQL crash with 5 s down, ${TERMINATE_AT.length} × pg_terminate_backend`,
    faults.length === 4,
    faults.length === 4 ? undefined : `only: ${faults.join("; ") || "none"} (the exporter finished first)`,
  );
  check(
    `every batch answered 200 before the deadline (${stats.batchesAcknowledged} batches, ${stats.retries} retries)`,
    exporter.unacknowledged.length === 0 && source.made === EVENTS && stats.refused.length === 0,
    exporter.unacknowledged.length || source.made < EVENTS || stats.refused.length
      ? `${exporter.unacknowledged.length} batches unanswered at the deadline; ${EVENTS - source.made} events never sent; refused: ${stats.refused.slice(0, 3).join(" | ")}`
      : undefined,
  );
  check(
    "every 200 accounts for its whole batch (accepted + duplicates = events, none rejected)",
    stats.badAnswers.length === 0,
    stats.badAnswers.slice(0, 5).join("\n") || undefined,
  );
  check(
    "outages answered 503 or 429 with Retry-After (or no connection), never another 5xx",
    stats.contractViolations.length === 0,
    stats.contractViolations.length
      ? `${stats.contractViolations.length} answers, e.g.:\n${stats.contractViolations.slice(0, 3).join("\n")}`
      : undefined,
  );

  // A lost connection is an error of a request, never of the process:
  // Next logs both as "⨯ uncaughtException: …" / "⨯ unhandledRejection: …".
  const uncaught = app.logLines(/\b(uncaughtException|unhandledRejection)\b/);
  check(
    "0 uncaughtException / unhandledRejection lines in the server log",
    uncaught.length === 0,
    uncaught.length ? `${uncaught.length}, e.g.:\n${uncaught.slice(0, 3).join("\n")}` : undefined,
  );

  // Count what the database kept. A row of either source of liveness: a version heard from first to last.
  type HeardRow = {
    service: string;
    instance: string;
    kind: string;
    resource: string;
    version: string;
    first: Date;
    last: Date;
  };
  await ensureRunning(cluster, serverUrl);
  const stored = await withClient(new URL(dbUrl), async (client) => {
    const ids = (await client.query<{ id: string }>(`SELECT id FROM reload_event`)).rows.map((r) => r.id);
    const cells = (
      await client.query<{ service: string; instance: string; kind: string; resource: string }>(
        `SELECT s.name AS service, i.instance_key AS instance, st.kind, st.resource
         FROM instance_state st JOIN instance i ON i.id = st.instance_id JOIN service s ON s.id = st.service_id`,
      )
    ).rows.map((r) => cellKey(r));
    const intervals = (
      await client.query<HeardRow>(
        `SELECT s.name AS service, i.instance_key AS instance, p.kind, p.resource, p.version, p.first_heard_at AS first, p.last_heard_at AS last
         FROM presence_interval p JOIN instance i ON i.id = p.instance_id JOIN service s ON s.id = p.service_id`,
      )
    ).rows;
    // Stored reports name a version at an instant too (a heartbeat stored while a reload of its
    // resource was under way, say): liveness is judged from intervals and stored events alike.
    const reports = (
      await client.query<HeardRow>(
        `SELECT s.name AS service, i.instance_key AS instance, e.kind, e.resource, e.to_version AS version, e.occurred_at AS first, e.occurred_at AS last
         FROM reload_event e JOIN instance i ON i.id = e.instance_id JOIN service s ON s.id = e.service_id
         WHERE e.to_version IS NOT NULL AND e.phase IN ('heartbeat', 'applied', 'acked')`,
      )
    ).rows;
    return { ids, cells: new Set(cells), intervals: [...intervals, ...reports] };
  });
  const storedIds = new Set(stored.ids);
  // A heartbeat that changed nothing is kept as its pair's presence, not as a row (docs/adr/0021):
  // an interval of its version, or a stored report of that version, holds its time (the last
  // heard time is kept to 60 s, so a confirming heartbeat within 60 s of the pair's last
  // report, stored or presence, writes nothing).
  const presence = new Map<string, { version: string; first: number; last: number }[]>();
  for (const p of stored.intervals) {
    const key = cellKey(p);
    presence.set(key, [
      ...(presence.get(key) ?? []),
      { version: p.version, first: p.first.getTime(), last: p.last.getTime() },
    ]);
  }
  const absorbed = (id: string) => {
    const hb = source.heartbeats.get(id);
    return (
      !!hb &&
      (presence.get(hb.cell) ?? []).some(
        (p) => p.version === hb.version && p.first <= hb.at && hb.at <= p.last + 60_000,
      )
    );
  };
  const keptAsPresence = [...exporter.acknowledged].filter((id) => !storedIds.has(id) && absorbed(id)).length;
  const lost = [...exporter.acknowledged].filter((id) => !storedIds.has(id) && !absorbed(id));
  const duplicated = stored.ids.length - storedIds.size;
  const phantom = stored.ids.filter((id) => !source.sent.has(id));
  const unacknowledgedStored = exporter.unacknowledged.flatMap((b) => b.ids).filter((id) => storedIds.has(id)).length;
  log(
    `reload_event: ${stored.ids.length} rows, ${storedIds.size} distinct ids; ${keptAsPresence} heartbeats kept as presence; acknowledged ${exporter.acknowledged.size}; ` +
      `reported accepted ${stats.acceptedReported} + duplicates ${stats.duplicatesReported}`,
  );

  check(
    `0 lost: all ${exporter.acknowledged.size} acknowledged events are stored (or kept as presence)`,
    lost.length === 0,
    lost.length ? `${lost.length} lost, e.g. ${lost.slice(0, 5).join(", ")}` : undefined,
  );
  const acknowledgedRows = exporter.acknowledged.size - keptAsPresence;
  check(
    `0 duplicated, none extra: ${stored.ids.length} rows = ${storedIds.size} distinct ids = acknowledged events stored as rows (+ ${unacknowledgedStored} stored from unanswered batches)`,
    duplicated === 0 && stored.ids.length === acknowledgedRows + unacknowledgedStored,
    duplicated
      ? `${duplicated} ids stored twice`
      : stored.ids.length !== acknowledgedRows + unacknowledgedStored
        ? "row count differs"
        : undefined,
  );
  check(
    "no row that was never sent",
    phantom.length === 0,
    phantom.length ? `${phantom.length}, e.g. ${phantom.slice(0, 5).join(", ")}` : undefined,
  );
  check(
    `answers never overcount: accepted reported (${stats.acceptedReported}) <= rows stored (${stored.ids.length}) + heartbeats kept as presence (${keptAsPresence})`,
    stats.acceptedReported <= stored.ids.length + keptAsPresence,
  );
  // The read model is written in the same transaction as the events (ADR 0003).
  const expectedCells = new Set(
    [...exporter.acknowledged]
      .map((id) => source.sent.get(id))
      .filter((c): c is string => c !== null && c !== undefined),
  );
  const missingCells = [...expectedCells].filter((c) => !stored.cells.has(c));
  check(
    `read model: each of the ${expectedCells.size} instance × resource pairs acknowledged has its instance_state row`,
    missingCells.length === 0,
    missingCells.length
      ? `${missingCells.length} missing, e.g. ${missingCells
          .slice(0, 3)
          .map((c) => c.split("\u0000").join(" / "))
          .join(", ")}`
      : undefined,
  );

  // Dispatch while the app or PostgreSQL dies during a delivery (DESIGN.md "Dispatch").
  await dispatchCrashRounds({ app, cluster, serverUrl, dbUrl, token: TOKEN, check, log });
}

main()
  .catch((error) => {
    check("the run completed", false, (error as Error).stack ?? String(error));
    if (app) console.error(`[faults] app log tail:\n${app.logTail()}`);
  })
  .then(cleanup)
  .then(() => {
    if (run.failed() && app) console.log(`[faults] app log: ${logFile}`);
    else fs.rmSync(logFile, { force: true });
    run.finish(0);
  });
