// Pure rules of dispatch (DESIGN.md "Dispatch"): the retry schedule, what a canary's
// instances say, and how a request ends once its reload is over. nextDispatchStep
// (dispatch-step.ts) applies them; lib/dispatch does the I/O.
import { SUCCESS_PHASES, UNSUCCESSFUL_PHASES } from "./phases";
import { isTerminal } from "./reload-status";
import type { Phase, TerminalStatus } from "./types";

/**
 * Exponential backoff with jitter before attempt `attempt + 1`: base, 2·base, 4·base, … each
 * between 75 % and 125 % of that, so retries of many requests after one outage spread out.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const nominal = baseMs * 2 ** (attempt - 1);
  return Math.round(nominal * (0.75 + random() * 0.5));
}

export interface CanaryInstance {
  instance: string;
  phase: Phase | null;
  error: string | null;
}

export type CanaryVerdict =
  { kind: "acked" } | { kind: "failed"; reason: string } | { kind: "waiting"; pending: string[] };

/** All canary instances acked → go on; any refused, failed or rolled back (UNSUCCESSFUL_PHASES) → stop; else wait. */
export function canaryVerdict(canary: readonly string[], reported: readonly CanaryInstance[]): CanaryVerdict {
  const byInstance = new Map(reported.map((r) => [r.instance, r]));
  const failed = canary
    .map((instance) => byInstance.get(instance))
    .filter((r): r is CanaryInstance => !!r && r.phase !== null && UNSUCCESSFUL_PHASES.has(r.phase));
  if (failed.length > 0) {
    const words = (phase: Phase | null) =>
      phase === "nacked" ? "refused" : phase === "rolled_back" ? "rolled back" : "failed";
    const described = failed.map((r) => `${r.instance} ${words(r.phase)}${r.error ? `: ${r.error}` : ""}`);
    return { kind: "failed", reason: `canary failed: ${described.join("; ")}` };
  }
  const pending = canary.filter((instance) => {
    const phase = byInstance.get(instance)?.phase ?? null;
    return phase === null || !SUCCESS_PHASES.has(phase);
  });
  return pending.length === 0 ? { kind: "acked" } : { kind: "waiting", pending };
}

/**
 * The request's status once its reload is over: exactly the reload's terminal status, so the
 * request (/approvals, the reload page's header) never says "failed" of a reload that
 * partially failed or rolled back. Null while the reload is still going.
 */
export function requestOutcome(reloadStatus: string): { status: TerminalStatus; reason: string | null } | null {
  if (!isTerminal(reloadStatus)) return null;
  const reason = reloadStatus === "succeeded" ? null : `the reload ended ${reloadStatus.replaceAll("_", " ")}`;
  return { status: reloadStatus, reason };
}
