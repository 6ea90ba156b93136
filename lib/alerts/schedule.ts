import "server-only";
import { env } from "@/lib/env";
import { evaluateAlerts, type EvaluationResult } from "./evaluate";
import { PROCESS_OWNER, takeLease } from "./lease";
import { onAlertNudge } from "./nudge";
import { coalescedRun } from "@/lib/coalesced-run";

// Who evaluates, and when (docs/adr/0014-alerts.md). Every process runs this loop; one of
// them holds the evaluation lease (a row in alert_cursor, taken and renewed with one
// statement on the database's clock) and evaluates every ALERT_EVAL_INTERVAL_SECONDS, and
// soon after ingest nudges it. A lease rather than a session advisory lock: holding a lock
// means holding a connection, and the embedded database has only one. A leader that dies
// is replaced once its lease runs out (three intervals). evaluateAlerts' own write lock
// keeps a pass that overlaps a lease hand-over harmless.

const LEASE = "evaluation-lease";
/** Ingest's nudges within this window make one evaluation. */
const NUDGE_DEBOUNCE_MS = 1_000;

/**
 * How long after a nudge the pass it asks for starts: the debounce, and no sooner than
 * ALERT_NUDGE_MIN_SECONDS after the last pass began. Steady ingest nudged a pass about
 * every second, which cost ~40 % of ingest throughput (issue 13 §6). Pure, for the test.
 */
export function nudgeDelayMs(nowMs: number, lastPassStartedMs: number | null, minGapMs: number): number {
  const earliest = lastPassStartedMs === null ? nowMs : lastPassStartedMs + minGapMs;
  return Math.max(NUDGE_DEBOUNCE_MS, earliest - nowMs);
}

/** Takes or renews the lease for `leaseMs`; true when this process holds it now. */
export async function takeEvaluationLease(leaseMs: number, owner = PROCESS_OWNER): Promise<boolean> {
  return takeLease(LEASE, leaseMs, owner);
}

export interface AlertSchedule {
  stop(): void;
}

export function startAlertEvaluation(options: { intervalMs?: number; nudgeMinMs?: number; onResult?: (r: EvaluationResult) => void } = {}): AlertSchedule {
  const intervalMs = options.intervalMs ?? env().ALERT_EVAL_INTERVAL_SECONDS * 1000;
  const nudgeMinMs = options.nudgeMinMs ?? env().ALERT_NUDGE_MIN_SECONDS * 1000;
  if (intervalMs <= 0) return { stop() {} };
  const leaseMs = 3 * intervalMs;
  let leader = false;
  let nudged: NodeJS.Timeout | null = null;
  let lastPassStartedMs: number | null = null;

  const tick = coalescedRun(
    async () => {
      leader = await takeEvaluationLease(leaseMs);
      if (!leader) return false;
      lastPassStartedMs = Date.now();
      const result = await evaluateAlerts();
      options.onResult?.(result);
      if (result.errors.length > 0) console.error(`[alerts] evaluation finished with problems: ${result.errors.join("; ")}`);
    },
    (error) => console.error("[alerts] evaluation failed (tried again next interval):", error.message),
  );

  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  const first = setTimeout(() => void tick(), Math.min(intervalMs, 4_000));
  first.unref();
  const unregister = onAlertNudge(() => {
    if (!leader || nudged) return;
    nudged = setTimeout(() => {
      nudged = null;
      void tick();
    }, nudgeDelayMs(Date.now(), lastPassStartedMs, nudgeMinMs));
    nudged.unref();
  });
  return {
    stop() {
      clearInterval(timer);
      clearTimeout(first);
      if (nudged) clearTimeout(nudged);
      unregister();
    },
  };
}
