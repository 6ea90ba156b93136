// The fault test's dispatch rounds (DESIGN.md "Dispatch"): a reload target on
// 127.0.0.1 holds a delivery's POST while the app is SIGKILLed, while PostgreSQL is stopped
// as if it crashed (immediate shutdown), and while the postmaster is killed with SIGKILL.
// After each, the stage must complete, reach the target at most twice and always under one
// delivery id (`<reloadId>/<stage>`, signed in the body), and every attempt, the one whose
// outcome is unknown included, must be on the reload's timeline. The app's dispatch
// recovery (lib/dispatch/recover.ts) finds an abandoned delivery within seconds of the next
// start; the resend's delay after the app answers again is reported and bounded.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { App } from "./app";
import { sleep } from "./exporter";
import { crashPostgres, startPostgres, waitUntilAccepting, withClient, type Cluster } from "./postgres";
import { HoldingTarget, type Arrival } from "./target";

const SERVICE = { environment: "prod", namespace: "payments", service: "checkout-api" };
const INSTANCES = ["checkout-api-1", "checkout-api-2", "checkout-api-3"];
/** "within seconds of the next start": the crash probe measured 131–197 s. */
const RESEND_BOUND_MS = 30_000;
const APP_DOWN_MS = 2_000;
const POSTGRES_DOWN_MS = 3_000;
/** The app's POST timeout for these rounds: longer than any hold, so no attempt ends by the sender's own timeout. */
const DISPATCH_TIMEOUT_MS = "60000";

export interface DispatchRoundContext {
  app: App;
  cluster: Cluster;
  serverUrl: URL;
  dbUrl: string;
  token: string;
  check: (name: string, ok: boolean, detail?: string) => void;
  log: (message: string) => void;
}

interface Seeded {
  id: string;
  reloadId: string;
  resource: string;
}

/** Runs tests/faults/dispatch-seed.ts with the app's code (server-only modules need react-server). */
async function seed(ctx: DispatchRoundContext, args: string[]): Promise<Record<string, unknown>> {
  const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
  const { stdout } = await promisify(execFile)(
    tsx,
    ["--conditions=react-server", "tests/faults/dispatch-seed.ts", ...args],
    {
      env: { ...process.env, DATABASE_URL: ctx.dbUrl, DATABASE_POOL_SIZE: "2" },
      timeout: 120_000,
    },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
}

/** POST /api/v1/events until answered 200, as a service's reporter would (503/429 and lost connections retried). */
async function report(ctx: DispatchRoundContext, events: Record<string, unknown>[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    const answer = await fetch(`${ctx.app.baseUrl}/api/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${ctx.token}`, "content-type": "application/json" },
      body: JSON.stringify(events),
    }).then(
      async (r) => ({ status: r.status, text: await r.text() }),
      (error: Error) => ({ status: 0, text: error.message }),
    );
    if (answer.status === 200) return;
    if (![0, 429, 503].includes(answer.status) || Date.now() > deadline)
      throw new Error(`reporting ${events.length} events: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
    await sleep(wait);
  }
}

/** What the instances of a stage report after a 202: received, applied, acked. */
function acks(arrival: Arrival, resource: string): Record<string, unknown>[] {
  let t = Date.now() - 2_000;
  return arrival.instances.flatMap((instance) =>
    (["received", "applied", "acked"] as const).map((phase) => ({
      id: `${arrival.reloadId}-${arrival.stage}-${instance}-${phase}`,
      reloadId: arrival.reloadId,
      ...SERVICE,
      instance,
      kind: "config",
      resource,
      phase,
      fromVersion: "v1",
      toVersion: "v2",
      occurredAt: new Date((t += 5)).toISOString(),
    })),
  );
}

async function readDb<T>(ctx: DispatchRoundContext, query: string, params: unknown[]): Promise<T[]> {
  return withClient(new URL(ctx.dbUrl), async (client) => (await client.query(query, params)).rows as T[]);
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null); // the database may be coming back
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

/** The postmaster's pid, from the cluster's data directory (pg_lsclusters). */
function postmasterPid(cluster: Cluster): number {
  const line = execFileSync("pg_lsclusters", ["--no-header"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => cols[0] === cluster.version && cols[1] === cluster.name);
  const dataDir = line?.[5];
  if (!dataDir) throw new Error(`no data directory for cluster ${cluster.version}/${cluster.name}`);
  return Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
}

/** After a SIGKILL of the postmaster its backends exit on their own; until then a start is refused, so it is tried again. */
async function startAfterKill(cluster: Cluster, serverUrl: URL): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await startPostgres(cluster);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
  await waitUntilAccepting(serverUrl, 60_000);
}

type Fault = "app-sigkill" | "postgres-immediate" | "postmaster-sigkill";

interface Round {
  fault: Fault;
  mode: "all" | "canary";
  /** the stage whose POST is held when the fault strikes */
  stage: "all" | "canary" | "rest";
  request: Seeded;
}

export async function dispatchCrashRounds(ctx: DispatchRoundContext): Promise<void> {
  const { app, log, check } = ctx;
  const uncaught = /\b(uncaughtException|unhandledRejection)\b/;
  const uncaughtBefore = app.logLines(uncaught).length;
  // The app again, with a POST timeout longer than any hold below.
  process.env.DISPATCH_TIMEOUT_MS = DISPATCH_TIMEOUT_MS;
  await app.kill("SIGTERM");
  await app.start();

  // The service's instances, reporting each round's resource at v1.
  const specs: { fault: Fault; mode: "all" | "canary"; stage: Round["stage"] }[] = [
    { fault: "app-sigkill", mode: "canary", stage: "canary" },
    { fault: "postgres-immediate", mode: "canary", stage: "rest" },
    { fault: "postmaster-sigkill", mode: "all", stage: "all" },
  ];
  const resources = specs.map((_, i) => `faults-dispatch-${i}.yaml`);
  await report(
    ctx,
    resources.flatMap((resource) =>
      INSTANCES.map((instance) => ({
        id: `faults-dispatch-hb-${resource}-${instance}-${Date.now()}`,
        ...SERVICE,
        instance,
        kind: "config",
        resource,
        phase: "heartbeat",
        toVersion: "v1",
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
      })),
    ),
  );
  const seeded = (await seed(ctx, [
    "seed",
    INSTANCES.join(","),
    ...specs.map((s, i) => `${resources[i]}:${s.mode}`),
  ])) as { secret: string; requests: Seeded[] };
  const rounds: Round[] = specs.map((s, i) => ({ ...s, request: seeded.requests[i]! }));

  // The target holds the first POST of each round's chosen stage; it answers everything else
  // at once with 202, and its instances then report (a held POST reports when released).
  const resourceOf = new Map(rounds.map((r) => [r.request.reloadId, r.request.resource]));
  const holdFor = new Set(rounds.map((r) => `${r.request.reloadId}/${r.stage}`));
  const answer = { status: 202, after: (a: Arrival) => report(ctx, acks(a, resourceOf.get(a.reloadId)!)) };
  const target = await new HoldingTarget(seeded.secret, (a) => {
    const key = `${a.reloadId}/${a.stage}`;
    if (holdFor.delete(key)) return "hold";
    return answer;
  }).start();
  try {
    await seed(ctx, ["target", target.url]);
    for (const round of rounds) await runRound(ctx, target, round, answer);
  } finally {
    await target.close();
  }
  log(`dispatch rounds done; the target saw ${target.arrivals.length} deliveries: ${target.describe()}`);
  const during = app.logLines(uncaught).slice(uncaughtBefore);
  check(
    "dispatch rounds: 0 uncaughtException / unhandledRejection lines in the server log",
    during.length === 0,
    during.slice(0, 3).join("\n") || undefined,
  );
}

async function runRound(
  ctx: DispatchRoundContext,
  target: HoldingTarget,
  round: Round,
  answer: { status: number; after: (a: Arrival) => Promise<void> },
): Promise<void> {
  const { app, cluster, serverUrl, log, check } = ctx;
  const { request } = round;
  const name = `dispatch, ${round.fault} while the target holds the ${round.stage} POST`;
  try {
    await seed(ctx, ["enqueue", request.id]);
    const held = await target.waitFor(
      `the ${round.stage} POST of ${request.reloadId}`,
      (a) => a.reloadId === request.reloadId && a.stage === round.stage,
      60_000,
    );
    let restartedAt = Date.now();
    if (round.fault === "app-sigkill") {
      log(`${name}: app SIGKILL`);
      await app.kill("SIGKILL");
      await sleep(APP_DOWN_MS); // how long the app stays down: the shape of the fault
      await app.start();
      restartedAt = Date.now();
      log(`${name}: app answering again`);
    } else {
      if (round.fault === "postgres-immediate") {
        log(`${name}: PostgreSQL immediate stop for ${POSTGRES_DOWN_MS / 1000} s`);
        await crashPostgres(cluster);
        await sleep(POSTGRES_DOWN_MS); // the outage's length: the shape of the fault
        await startPostgres(cluster);
        await waitUntilAccepting(serverUrl, 60_000);
        restartedAt = Date.now();
        // Answered after the database is back: the sender records it, unless its lease lapsed first.
        target.release(held.n, answer);
      } else {
        const pid = postmasterPid(cluster);
        log(`${name}: kill -9 of the postmaster (${pid})`);
        process.kill(pid, "SIGKILL");
        // Answered while the database is down: the sender keeps trying to record the answer.
        target.release(held.n, answer);
        await sleep(POSTGRES_DOWN_MS); // the outage's length: the shape of the fault
        await startAfterKill(cluster, serverUrl);
        restartedAt = Date.now();
      }
      log(`${name}: PostgreSQL accepting again`);
    }

    if (round.fault === "app-sigkill") {
      const again = await target.waitFor(
        `the ${round.stage} POST again`,
        (a) => a.reloadId === request.reloadId && a.stage === round.stage && a.n > held.n,
        RESEND_BOUND_MS + 60_000,
      );
      const afterMs = again.arrivedAt - restartedAt;
      check(
        `${name}: the stage is sent again ${(afterMs / 1000).toFixed(1)} s after the app answers again (bound ${RESEND_BOUND_MS / 1000} s)`,
        afterMs <= RESEND_BOUND_MS,
      );
    }

    const final = await until(`request ${request.id} to end`, 180_000, async () => {
      const [row] = await readDb<{ status: string; status_reason: string | null }>(
        ctx,
        `SELECT status, status_reason FROM reload_request WHERE id = $1`,
        [request.id],
      );
      return row &&
        ["succeeded", "failed", "partially_failed", "invalidated", "expired", "rolled_back"].includes(row.status)
        ? row
        : null;
    });
    check(
      `${name}: the request succeeds after the restart`,
      final.status === "succeeded",
      final.status === "succeeded" ? undefined : `${final.status}: ${final.status_reason}`,
    );

    const seen = target.arrivals.filter((a) => a.reloadId === request.reloadId);
    const byStage = new Map<string, Arrival[]>();
    for (const a of seen) byStage.set(a.stage, [...(byStage.get(a.stage) ?? []), a]);
    const counts = [...byStage].map(([stage, list]) => `${stage} ×${list.length}`).join(", ");
    check(
      `${name}: each stage reached the target at most twice (${counts})`,
      [...byStage.values()].every((list) => list.length <= 2),
    );
    const badIds = seen.filter((a) => a.deliveryId !== `${request.reloadId}/${a.stage}` || !a.signatureValid);
    check(
      `${name}: every delivery of a stage carried its one delivery id, signed`,
      badIds.length === 0,
      badIds
        .map((a) => `#${a.n} ${a.stage}: ${a.deliveryId}${a.signatureValid ? "" : " (bad signature)"}`)
        .join("\n") || undefined,
    );

    // Every attempt is on the timeline, the unknown ones as such; and every POST the target saw is an attempt.
    const attempts = await readDb<{ stage: string; attempt: number; outcome: string }>(
      ctx,
      `SELECT stage, attempt, outcome FROM dispatch_attempt WHERE request_id = $1 ORDER BY id`,
      [request.id],
    );
    const expectedIds = attempts.map(
      (a) =>
        `rsreq-${request.id}-dispatch-${a.stage}-${a.attempt}${a.outcome === "delivered" ? "" : a.outcome === "unknown" ? "-unknown" : "-failed"}`,
    );
    const timeline = await until("every attempt on the timeline", 60_000, async () => {
      const rows = await readDb<{ id: string; error: string | null }>(
        ctx,
        `SELECT id, error FROM reload_event WHERE reload_id = $1 AND instance_id IS NULL`,
        [request.reloadId],
      );
      const ids = new Set(rows.map((r) => r.id));
      return expectedIds.every((id) => ids.has(id)) ? rows : null;
    }).catch(() => null);
    check(
      `${name}: the timeline shows every attempt (${attempts.map((a) => `${a.stage} #${a.attempt} ${a.outcome}`).join(", ")})`,
      timeline !== null && attempts.every((a) => a.outcome !== "sending"),
      timeline === null ? `expected events ${expectedIds.join(", ")}` : undefined,
    );
    const heldStage = attempts.filter((a) => a.stage === round.stage);
    check(
      `${name}: every POST the target saw is an attempt on record (${byStage.get(round.stage)?.length ?? 0} seen, ${heldStage.length} attempts)`,
      [...byStage].every(([stage, list]) => list.length <= attempts.filter((a) => a.stage === stage).length),
    );
    if (round.fault === "app-sigkill") {
      const unknown = timeline?.find((e) => e.id === `rsreq-${request.id}-dispatch-${round.stage}-1-unknown`);
      check(
        `${name}: the attempt cut off by the SIGKILL is on the timeline as unknown`,
        !!unknown && /outcome unknown/.test(unknown.error ?? ""),
        unknown?.error ?? "no such event",
      );
    }
  } catch (error) {
    check(`${name}: the round completed`, false, (error as Error).stack ?? String(error));
  }
}
