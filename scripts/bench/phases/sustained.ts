// Phase: "fleet sustained" (docs/benchmark.md, target ≥ 100,000 instances on this 2-core machine): the
// largest fleet whose live stream the ingest keeps up with for BENCH_SUSTAINED_STEP_S (2
// minutes) while GET /fleet p95 stays ≤ 100 ms.
//
// The fleet: N instances × 3 resources in services of 20 (environment bench-live), each
// (instance, resource) heartbeating every BENCH_HEARTBEAT_S (15 s) with the version it runs,
// and reloads at a stated realistic rate: every service reloads one of its resources once an
// hour on average (requested, dispatched to its 20 instances, then each instance received,
// applied, acked: 62 events), after which its instances report the new version. Event time is
// real time: each event is made when it is due and carries that instant.
//
// Steps: BENCH_SUSTAINED_STEPS fleet sizes in order (20k, 40k, 70k, 100k, 140k instances by
// default). Before a step's timed window, the instances new in it send their first heartbeat
// (not timed: a first appearance is a one-off). Then, for BENCH_SUSTAINED_STEP_S, events are
// made on schedule and sent by BENCH_CLIENTS senders in batches of up to BENCH_BATCH, while
// GET /fleet (signed in) is timed once a second. A step keeps up when, throughout, the events
// due but not yet answered never exceed MAX_LAG_S seconds of the stream, and its /fleet p95 is
// ≤ 100 ms. The first step that does not keep up ends the phase (a larger fleet would not
// either); so does BENCH_SUSTAINED_BUDGET_S.
import http from "node:http";
import { cfg } from "../config";
import { cpuSince, cpuSnapshot, describeCpu, type CpuUse } from "../cpu";
import { int, ms, summarize, type Timing } from "../format";
import { RESOURCES } from "../generator";
import type { IngestClient } from "../http";
import { log, phase, progress } from "../log";
import { state } from "../setup/state";
import { fetchComplete, FLEET_PATH } from "./fleet-page";

const PER_SERVICE = 20;
/** Each service reloads one of its resources this often, on average. */
export const RELOAD_EVERY_S = 3600;
/** Events due but not yet answered, in seconds of the stream, beyond which a step has fallen behind. */
export const MAX_LAG_S = 5;
export const PAGE_P95_TARGET_MS = 100;
const PAGE_EVERY_MS = 1000;
const TICK_MS = 100;

export interface SustainedStep {
  instances: number;
  pairs: number;
  /** events per second the fleet makes (heartbeats + reloads) */
  offeredRate: number;
  /** events answered per second over the window */
  achievedRate: number;
  windowS: number;
  /** most events due and not yet answered at any tick, in seconds of the stream */
  maxLagS: number;
  reloads: number;
  openingS: number;
  page: Timing | null;
  pageErrors: number;
  /** ingest requests (opening and window) whose connection was reset or refused, and the events they carried */
  ingestErrors: number;
  lostEvents: number;
  keptUp: boolean;
  why: string;
  cpu: CpuUse;
}

export interface SustainedResult {
  steps: SustainedStep[];
  /** the largest fleet that kept up, 0 when none did */
  largest: number;
  skipped: number[];
}

/** The live fleet's events, made on demand as JSON text (one string per event). */
class LiveFleet {
  private readonly versions: string[] = [];
  private readonly reloadCounts: number[] = [];
  private pairs = 0;
  private cursor = 0;
  private seq = 0;
  reloads = 0;

  constructor(private readonly run: string) {}

  grow(instances: number): string[] {
    const from = this.pairs;
    const to = instances * RESOURCES.length;
    for (let key = this.versions.length; key < Math.ceil(instances / PER_SERVICE) * RESOURCES.length; key++) {
      this.versions.push(`${RESOURCES[key % RESOURCES.length]!.prefix}live-1`);
      this.reloadCounts.push(1);
    }
    this.pairs = to;
    const opening: string[] = [];
    const now = new Date().toISOString();
    for (let p = from; p < to; p++) opening.push(this.heartbeat(p, now));
    return opening;
  }

  get services(): number {
    return Math.ceil(this.pairs / RESOURCES.length / PER_SERVICE);
  }

  private service(s: number) {
    return `"environment":"bench-live","namespace":"live-${s % 25}","service":"live-${String(s).padStart(5, "0")}"`;
  }

  private heartbeat(p: number, at: string): string {
    const i = Math.floor(p / RESOURCES.length);
    const r = p % RESOURCES.length;
    const s = Math.floor(i / PER_SERVICE);
    const res = RESOURCES[r]!;
    return (
      `{"id":"live-${this.run}-${++this.seq}",${this.service(s)},"instance":"live-${String(s).padStart(5, "0")}-${String(i % PER_SERVICE).padStart(2, "0")}",` +
      `"kind":"${res.kind}","resource":"${res.resource}","phase":"heartbeat","toVersion":"${this.versions[s * RESOURCES.length + r]}","occurredAt":"${at}"}`
    );
  }

  /** The next `n` heartbeats in turn: every pair once per pass. */
  heartbeats(n: number, out: string[]): void {
    const at = new Date().toISOString();
    for (let k = 0; k < n; k++) {
      out.push(this.heartbeat(this.cursor, at));
      this.cursor = (this.cursor + 1) % this.pairs;
    }
  }

  /** One reload of a service's resource (taken in turn), all its events; its instances then run the new version. */
  reload(out: string[]): void {
    const key = (this.reloads * 7919) % (this.services * RESOURCES.length);
    const s = Math.floor(key / RESOURCES.length);
    const res = RESOURCES[key % RESOURCES.length]!;
    const from = this.versions[key]!;
    const to = `${res.prefix}live-${++this.reloadCounts[key]!}`;
    this.reloads++;
    const t0 = Date.now();
    const common = `${this.service(s)},"kind":"${res.kind}","resource":"${res.resource}","reloadId":"live-${this.run}-rl-${this.reloads}","fromVersion":"${from}","toVersion":"${to}"`;
    const event = (phase: string, dt: number, extra = "") =>
      out.push(
        `{"id":"live-${this.run}-${++this.seq}",${common},"phase":"${phase}","occurredAt":"${new Date(t0 + dt).toISOString()}"${extra}}`,
      );
    event("requested", 0, `,"initiator":"pipeline:live"`);
    event("dispatched", 1, `,"targetCount":${PER_SERVICE}`);
    for (const [step, phase] of ["received", "applied", "acked"].entries()) {
      for (let k = 0; k < PER_SERVICE; k++)
        event(phase, 2 + step, `,"instance":"live-${String(s).padStart(5, "0")}-${String(k).padStart(2, "0")}"`);
    }
    this.versions[key] = to;
  }
}

const bodyOf = (events: string[]) => Buffer.from(`[${events.join(",")}]`);

/** What a step's ingest requests lost to a reset or refused connection (IngestClient.postOrCount). */
interface IngestLosses {
  requests: number;
  events: number;
}

/** Posts one batch; a failed connection is counted in `losses` (and logged), not thrown. */
async function postCounted(client: IngestClient, batch: string[], losses: IngestLosses): Promise<boolean> {
  if (await client.postOrCount(bodyOf(batch), batch.length)) return true;
  losses.requests++;
  losses.events += batch.length;
  if (losses.requests === 1) log(`fleet sustained: an ingest request failed (connection reset or refused)`);
  return false;
}

async function sendAll(client: IngestClient, events: string[], losses: IngestLosses): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: cfg.clients }, async () => {
      for (let from = next; from < events.length; from = next) {
        next += cfg.batch;
        const batch = events.slice(from, from + cfg.batch);
        await postCounted(client, batch, losses);
        progress.done += batch.length;
      }
    }),
  );
}

async function runStep(
  client: IngestClient,
  fleet: LiveFleet,
  instances: number,
  port: number,
  cookie: string,
): Promise<SustainedStep> {
  phase(`fleet sustained: opening ${int(instances)} instances`);
  const o0 = performance.now();
  const losses: IngestLosses = { requests: 0, events: 0 };
  await sendAll(client, fleet.grow(instances), losses);
  const openingS = (performance.now() - o0) / 1000;
  const pairs = instances * RESOURCES.length;
  const heartbeatRate = pairs / cfg.heartbeatS;
  const reloadRate = fleet.services / RELOAD_EVERY_S;
  const offeredRate = heartbeatRate + reloadRate * (2 + 3 * PER_SERVICE);
  phase(
    `fleet sustained: ${int(instances)} instances (${int(offeredRate)} events/s, of them ${(reloadRate * 60).toFixed(1)} reloads a minute) for ${cfg.sustainedStepS} s, GET ${FLEET_PATH} once a second`,
  );

  const queue: string[] = [];
  let answered = 0;
  let lostInWindow = 0;
  let made = 0;
  let maxLag = 0;
  let fellBehind = false;
  let stop = false;
  const waiting: (() => void)[] = [];
  const wakeAll = () => waiting.splice(0).forEach((wake) => wake());
  const cpu0 = cpuSnapshot(state.server?.pid);
  const t0 = performance.now();
  const reloadsBefore = fleet.reloads;
  let heartbeatsMade = 0;
  let reloadsMade = 0;

  const ticker = setInterval(() => {
    const elapsedS = (performance.now() - t0) / 1000;
    if (elapsedS >= cfg.sustainedStepS) {
      stop = true;
    } else {
      const dueHeartbeats = Math.floor(heartbeatRate * elapsedS) - heartbeatsMade;
      if (dueHeartbeats > 0) {
        fleet.heartbeats(dueHeartbeats, queue);
        heartbeatsMade += dueHeartbeats;
      }
      while (reloadsMade < Math.floor(reloadRate * elapsedS)) {
        fleet.reload(queue);
        reloadsMade++;
      }
    }
    made = heartbeatsMade + (fleet.reloads - reloadsBefore) * (2 + 3 * PER_SERVICE);
    // A batch lost to a failed connection is settled too: it is counted in `losses`, not waited for.
    const lagS = (made - answered - lostInWindow) / offeredRate;
    maxLag = Math.max(maxLag, lagS);
    if (lagS > MAX_LAG_S) {
      fellBehind = true;
      stop = true;
    }
    wakeAll();
  }, TICK_MS);

  // Any other failure of a sender ends the step and is thrown after it, once the senders are
  // awaited: a sender's rejection left unawaited while the pages run would be an unhandled one.
  let senderFailure = null as { error: unknown } | null;
  const senders = Array.from({ length: cfg.clients }, async () => {
    try {
      for (;;) {
        if (queue.length === 0) {
          if (stop) return;
          await new Promise<void>((r) => waiting.push(r));
          continue;
        }
        if (fellBehind || senderFailure) return;
        const batch = queue.splice(0, cfg.batch);
        if (await postCounted(client, batch, losses)) answered += batch.length;
        else lostInWindow += batch.length;
        progress.done += batch.length;
      }
    } catch (error) {
      senderFailure ??= { error };
      stop = true;
      wakeAll();
    }
  });

  const samples: number[] = [];
  let pageErrors = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const pages = (async () => {
    while (!stop) {
      const started = performance.now();
      try {
        await fetchComplete(agent, port, FLEET_PATH, cookie);
        samples.push(performance.now() - started);
      } catch (error) {
        pageErrors++;
        log(`fleet sustained: GET ${FLEET_PATH} failed: ${(error as Error).message}`);
      }
      const wait = PAGE_EVERY_MS - (performance.now() - started);
      if (wait > 0 && !stop) await new Promise((r) => setTimeout(r, wait));
    }
  })();

  await pages;
  const windowS = (performance.now() - t0) / 1000;
  const answeredInWindow = answered;
  clearInterval(ticker);
  stop = true;
  wakeAll();
  const cpu = cpuSince(cpu0, state.server?.pid);
  // Whatever is still queued or in flight is answered before the next step, untimed.
  queue.length = fellBehind || senderFailure ? 0 : queue.length;
  await Promise.all(senders);
  agent.destroy();
  if (senderFailure) throw senderFailure.error;

  const page = samples.length ? summarize(samples) : null;
  const pageOk = page !== null && page.p95 <= PAGE_P95_TARGET_MS && pageErrors === 0;
  const keptUp = !fellBehind && pageOk && losses.requests === 0;
  const why = fellBehind
    ? `fell behind: ${MAX_LAG_S} s of events unanswered after ${windowS.toFixed(0)} s`
    : !pageOk
      ? `GET ${FLEET_PATH} p95 ${page ? ms(page.p95) : "—"}${pageErrors ? `, ${pageErrors} failed` : ""} (target ≤ ${PAGE_P95_TARGET_MS} ms)`
      : losses.requests
        ? `${losses.requests} ingest requests failed (connection reset or refused), ${int(losses.events)} events lost`
        : "kept up";
  const step: SustainedStep = {
    instances,
    pairs,
    offeredRate,
    achievedRate: answeredInWindow / windowS,
    windowS,
    maxLagS: maxLag,
    reloads: fleet.reloads - reloadsBefore,
    openingS,
    page,
    pageErrors,
    ingestErrors: losses.requests,
    lostEvents: losses.events,
    keptUp,
    why,
    cpu,
  };
  log(
    `fleet sustained ${int(instances)} instances: offered ${int(offeredRate)} events/s, answered ${int(step.achievedRate)} events/s over ${windowS.toFixed(0)} s, ` +
      `most unanswered ${maxLag.toFixed(1)} s of events; GET ${FLEET_PATH} p50 ${page ? ms(page.p50) : "—"}, p95 ${page ? ms(page.p95) : "—"} (${samples.length} requests); ` +
      `opening took ${openingS.toFixed(1)} s; ingest requests failed ${losses.requests} (${int(losses.events)} events); ${keptUp ? "KEPT UP" : `did not keep up (${why})`}; ${describeCpu(cpu)}`,
  );
  return step;
}

export async function measureSustained(client: IngestClient, port: number, cookie: string): Promise<SustainedResult> {
  const fleet = new LiveFleet(Date.now().toString(36));
  const steps: SustainedStep[] = [];
  const started = performance.now();
  const sizes = cfg.sustainedSteps;
  let i = 0;
  for (; i < sizes.length; i++) {
    const spentS = (performance.now() - started) / 1000;
    if (spentS + cfg.sustainedStepS > cfg.sustainedBudgetS) {
      log(
        `fleet sustained: BENCH_SUSTAINED_BUDGET_S=${cfg.sustainedBudgetS} s leaves no room for ${int(sizes[i]!)} instances`,
      );
      break;
    }
    const step = await runStep(client, fleet, sizes[i]!, port, cookie);
    steps.push(step);
    if (!step.keptUp) {
      i++;
      break;
    }
  }
  const largest = Math.max(0, ...steps.filter((s) => s.keptUp).map((s) => s.instances));
  return { steps, largest, skipped: sizes.slice(i) };
}
