import "server-only";
import { deliverAlerts, alertChannelsConfigured, type DeliveryConfig } from "@/lib/alerts/deliver";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { onAlertChanges } from "@/lib/alerts/nudge";
import { expireRequests } from "@/lib/approvals/expire-requests";
import { maintainStorage } from "@/lib/db/retention";
import { RECOVERY_SWEEP_MS, recoverStalledDeliveries } from "@/lib/dispatch/recover";
import { env } from "@/lib/env";
import { onEventsStored } from "@/lib/ingest/events-stored";
import { sweepReloads } from "@/lib/ingest/sweep-reloads";
import { takeSnapshots } from "@/lib/replay/snapshots";
import { pollSources } from "@/lib/sources/poll";
import type { PeriodicJob } from "./schedule";

// Every periodic job of the app, in one place (docs/adr/0022-one-schedule.md); schedule.ts runs
// them. A job with a lease runs in one process at a time (lease.ts); the others run in every
// process and are safe there by their own locks. Intervals set by the environment come from
// lib/env.ts; the rest are fixed here.

/** Every app process runs these (instrumentation.ts, through start.ts), whatever WORKER_ENABLED says. */
export function appJobs(): PeriodicJob[] {
  return [reloadSweep(), storageMaintenance(), replaySnapshots(), alertEvaluation(), alertDelivery()];
}

/** These run with the job worker (worker.ts): in app processes with WORKER_ENABLED=1, and in scripts/worker.ts. */
export function workerJobs(options: { sourceIntervalMs?: number } = {}): PeriodicJob[] {
  return [dispatchRecovery(), sourcePolling({ intervalMs: options.sourceIntervalMs })];
}

/** The lease rows (alert_cursor) of the jobs that run in one process at a time. */
export const LEASES = {
  evaluation: "evaluation-lease",
  delivery: "delivery-lease",
  sourcePolling: "source-poll-lease",
} as const;

/**
 * What time alone changes about reloads (expiry, superseded requests, instances left
 * "reloading"), then requests nobody decided within REQUEST_TTL_MINUTES. Every process: both
 * skip rows another transaction holds (SKIP LOCKED).
 */
export function reloadSweep(): PeriodicJob {
  return {
    name: "reload sweep",
    everyMs: 15_000,
    firstAfterMs: 2_000,
    async run() {
      // The expiry runs even when the sweep failed.
      await sweepReloads().catch((error: Error) => console.error("[sweep] reload sweep failed:", error.message));
      await expireRequests();
    },
    onError: (error) => console.error("[sweep] request expiry failed:", error.message),
  };
}

/**
 * Daily partitions ahead, retention drops expired ones (lib/db/retention.ts, docs/adr/0009).
 * Every process: they queue on one advisory lock.
 */
export function storageMaintenance(): PeriodicJob {
  return {
    name: "storage maintenance",
    everyMs: 3_600_000,
    firstAfterMs: 5_000,
    async run() {
      const { partitions, retention } = await maintainStorage();
      if (partitions.created.length > 0 || retention.dropped.length > 0) {
        const { created, moved } = partitions;
        const made = `partitions created: ${created.length}, rows moved from default: ${moved}`;
        console.log(`[storage] ${made}, dropped: ${retention.dropped.join(", ") || "none"}`);
      }
      for (const failure of [...partitions.failures, ...retention.failures]) {
        console.error(`[storage] maintenance of ${failure.table} failed (tried again next hour): ${failure.error}`);
      }
    },
    onError: (error) => console.error("[storage] maintenance failed:", error.message),
  };
}

/**
 * Replay snapshots (docs/adr/0010): every process tries under an advisory try-lock; one builds
 * the missing slots, the others skip. Bounded work per run.
 */
export function replaySnapshots(): PeriodicJob {
  return {
    name: "replay snapshots",
    everyMs: 60_000,
    firstAfterMs: 3_000,
    async run() {
      await takeSnapshots({ budgetMs: 10_000 });
    },
    onError: (error) => console.error("[replay] snapshot job failed:", error.message),
  };
}

/** Ingest's nudges within this window make one evaluation. */
const NUDGE_DEBOUNCE_MS = 1_000;

/**
 * How long after a nudge the pass it asks for starts: the debounce, and no sooner than
 * ALERT_NUDGE_MIN_SECONDS after the last pass began. Steady ingest nudged a pass about
 * every second, which cost ~40 % of ingest throughput (docs/adr/0014). Pure, for the test.
 */
export function nudgeDelayMs(nowMs: number, lastPassStartedMs: number | null, minGapMs: number): number {
  const earliest = lastPassStartedMs === null ? nowMs : lastPassStartedMs + minGapMs;
  return Math.max(NUDGE_DEBOUNCE_MS, earliest - nowMs);
}

/**
 * Alert evaluation (docs/adr/0014): the holder of the evaluation lease (three intervals long,
 * so a dead leader is replaced once it runs out) evaluates every ALERT_EVAL_INTERVAL_SECONDS
 * (0: not in this process), and soon after ingest nudges it. evaluateAlerts' own write lock
 * keeps a pass that overlaps a lease hand-over harmless.
 */
export function alertEvaluation(options: { intervalMs?: number; nudgeMinMs?: number } = {}): PeriodicJob {
  const intervalMs = options.intervalMs ?? env().ALERT_EVAL_INTERVAL_SECONDS * 1000;
  const nudgeMinMs = options.nudgeMinMs ?? env().ALERT_NUDGE_MIN_SECONDS * 1000;
  return {
    name: "alert evaluation",
    everyMs: intervalMs,
    firstAfterMs: Math.min(intervalMs, 4_000),
    lease: { name: LEASES.evaluation, ms: 3 * intervalMs },
    async run() {
      const result = await evaluateAlerts();
      if (result.errors.length === 0) return;
      console.error(`[alerts] evaluation finished with problems: ${result.errors.join("; ")}`);
    },
    onError: (error) => console.error("[alerts] evaluation failed (tried again next interval):", error.message),
    wake: {
      subscribe: onEventsStored,
      onlyLeaseHolder: true,
      delayMs: (nowMs, lastStartedMs) => nudgeDelayMs(nowMs, lastStartedMs, nudgeMinMs),
    },
  };
}

/**
 * Alert delivery (docs/adr/0016): every 5 s (Alertmanager re-sends, retries coming due) and at
 * once when an evaluation opens or resolves an alert; one process at a time by the delivery
 * lease. Nothing at all (no database read, no lease) while no channel is configured.
 */
export function alertDelivery(options: { everyMs?: number; config?: DeliveryConfig } = {}): PeriodicJob {
  return {
    name: "alert delivery",
    everyMs: options.everyMs ?? 5_000,
    when: () => alertChannelsConfigured(options.config),
    lease: { name: LEASES.delivery, ms: 30_000 },
    async run() {
      await deliverAlerts({ config: options.config });
    },
    onError: (error) => console.error("[alerts] delivery run failed:", error.message),
    wake: { subscribe: onAlertChanges },
  };
}

/**
 * Deliveries a stopped process left `sending` (lib/dispatch/recover.ts), found at the start
 * and every RECOVERY_SWEEP_MS rather than when pg-boss expires that process's job. Every
 * worker process: each request is settled under its row lock. One log line per outage.
 */
export function dispatchRecovery(): PeriodicJob {
  let failing = false;
  return {
    name: "dispatch recovery",
    everyMs: RECOVERY_SWEEP_MS,
    firstAfterMs: 0,
    async run() {
      const declared = await recoverStalledDeliveries();
      if (declared > 0) {
        const what = `${declared} delivery attempt(s) left by a stopped process`;
        console.log(`[dispatch] ${what}: outcome unknown, sending again`);
      }
      failing = false;
    },
    onError: (error) => {
      const every = RECOVERY_SWEEP_MS / 1000;
      if (!failing) console.error(`[dispatch] recovery sweep failed (trying again every ${every} s): ${error.message}`);
      failing = true;
    },
  };
}

/**
 * Prometheus sources (lib/sources): the holder of the source lease queries every source every
 * SOURCE_INTERVAL_SECONDS (0: not in this process). One leader, not a pg-boss job per source:
 * each query compares against the state the previous one left, so two processes querying one
 * source at once would both see the same change and race on that state; the derived ids would
 * keep the events single, but not the page's record of the last query.
 */
export function sourcePolling(options: { intervalMs?: number } = {}): PeriodicJob {
  const intervalMs = options.intervalMs ?? env().SOURCE_INTERVAL_SECONDS * 1000;
  return {
    name: "source polling",
    everyMs: intervalMs,
    firstAfterMs: Math.min(intervalMs, 3_000),
    lease: { name: LEASES.sourcePolling, ms: Math.max(3 * intervalMs, 30_000) },
    async run() {
      const outcomes = await pollSources();
      // Each failing source has its error on its own page; one line here for the log.
      const failed = outcomes.filter((o) => !o.ok).length;
      if (failed > 0) {
        console.error(`[sources] ${failed} of ${outcomes.length} sources could not be queried (see /admin/sources)`);
      }
    },
    onError: (error) => console.error("[sources] query pass failed (tried again next interval):", error.message),
  };
}
