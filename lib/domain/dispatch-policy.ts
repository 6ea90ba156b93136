// Pure rules of dispatch (DESIGN.md "Dispatch"): the retry schedule, what a canary's
// instances say, and how a request ends once its reload is over. nextDispatchStep
// (dispatch-step.ts) applies them; lib/dispatch does the I/O.
import { SUCCESS_PHASES } from "./phases";
import type { Phase } from "./types";

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

export type CanaryVerdict = { kind: "acked" } | { kind: "failed"; reason: string } | { kind: "waiting"; pending: string[] };

/** All canary instances acked → go on; any refused or failed → stop; else wait. */
export function canaryVerdict(canary: readonly string[], reported: readonly CanaryInstance[]): CanaryVerdict {
  const byInstance = new Map(reported.map((r) => [r.instance, r]));
  const failed = canary
    .map((instance) => byInstance.get(instance))
    .filter((r): r is CanaryInstance => !!r && (r.phase === "nacked" || r.phase === "failed" || r.phase === "rolled_back"));
  if (failed.length > 0) {
    const described = failed.map((r) => `${r.instance} ${r.phase === "nacked" ? "refused" : r.phase === "rolled_back" ? "rolled back" : "failed"}${r.error ? `: ${r.error}` : ""}`);
    return { kind: "failed", reason: `canary failed: ${described.join("; ")}` };
  }
  const pending = canary.filter((instance) => {
    const phase = byInstance.get(instance)?.phase ?? null;
    return phase === null || !SUCCESS_PHASES.has(phase);
  });
  return pending.length === 0 ? { kind: "acked" } : { kind: "waiting", pending };
}

/** A request's end once its reload is over: the reload's own terminal status. */
export type RequestOutcomeStatus = "succeeded" | "partially_failed" | "failed" | "rolled_back" | "expired" | "cancelled" | "rejected";
const REQUEST_OUTCOMES: ReadonlySet<string> = new Set<RequestOutcomeStatus>(["succeeded", "partially_failed", "failed", "rolled_back", "expired", "cancelled", "rejected"]);

/**
 * The request's status once its reload is over: exactly the reload's terminal status, so the
 * request (/approvals, the reload page's header) never says "failed" of a reload that
 * partially failed or rolled back. Null while the reload is still going.
 */
export function requestOutcome(reloadStatus: string): { status: RequestOutcomeStatus; reason: string | null } | null {
  if (!REQUEST_OUTCOMES.has(reloadStatus)) return null;
  const status = reloadStatus as RequestOutcomeStatus;
  return { status, reason: status === "succeeded" ? null : `the reload ended ${status.replaceAll("_", " ")}` };
}
