import { FAILURE_PHASES, PROGRESS_PHASES, SUCCESS_PHASES } from "./phases";
import type { Phase, ReloadEventInput, ReloadStatus } from "./types";

/** The control-plane facts of one reload, folded from its events. */
export interface ReloadFacts {
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string | null;
  initiator: string | null;
  requestedAt: Date | null;
  approvedAt: Date | null;
  rejectedAt: Date | null;
  dispatchedAt: Date | null;
  rolledBackAt: Date | null;
  failedAt: Date | null;
  firstEventAt: Date;
  lastEventAt: Date;
  lastError: string | null;
  lastErrorAt: Date | null;
}

/** How the instances taking part in a reload stand, from their latest phase each. */
export interface ReloadInstanceCounts {
  reporting: number;
  succeeded: number;
  failed: number;
  inProgress: number;
  rolledBack: number;
  /** When the last instance reported success, for convergence time. */
  lastSucceededAt: Date | null;
  /** When the last instance reported anything final. */
  lastFinishedAt: Date | null;
}

type FactEvent = Pick<
  ReloadEventInput,
  "kind" | "resource" | "phase" | "fromVersion" | "toVersion" | "initiator" | "occurredAt" | "error" | "instance"
>;

const earliest = (a: Date | null, b: Date): Date => (a && a.getTime() <= b.getTime() ? a : b);
const latest = (a: Date | null, b: Date): Date => (a && a.getTime() >= b.getTime() ? a : b);

/** Adds one event to what is known of its reload. Order of arrival does not matter. */
export function foldReloadFacts(facts: ReloadFacts | null, event: FactEvent): ReloadFacts {
  const at = event.occurredAt;
  const f: ReloadFacts = facts
    ? { ...facts }
    : {
        kind: event.kind,
        resource: event.resource,
        fromVersion: null,
        toVersion: null,
        initiator: null,
        requestedAt: null,
        approvedAt: null,
        rejectedAt: null,
        dispatchedAt: null,
        rolledBackAt: null,
        failedAt: null,
        firstEventAt: at,
        lastEventAt: at,
        lastError: null,
        lastErrorAt: null,
      };
  f.firstEventAt = earliest(f.firstEventAt, at);
  f.lastEventAt = latest(f.lastEventAt, at);
  // The request is the authority on what the reload is for; other events only fill gaps.
  if (event.phase === "requested") {
    f.requestedAt = earliest(f.requestedAt, at);
    f.fromVersion = event.fromVersion ?? f.fromVersion;
    f.toVersion = event.toVersion ?? f.toVersion;
    f.initiator = event.initiator ?? f.initiator;
  } else if (event.phase !== "rolled_back") {
    f.fromVersion ??= event.fromVersion;
    f.toVersion ??= event.toVersion;
    f.initiator ??= event.initiator;
  }
  if (event.phase === "approved") f.approvedAt = earliest(f.approvedAt, at);
  if (event.phase === "rejected") f.rejectedAt = earliest(f.rejectedAt, at);
  if (event.phase === "dispatched") f.dispatchedAt = earliest(f.dispatchedAt, at);
  // Only the control plane rolls back a reload as a whole; an instance's rollback is its own failure.
  if (event.phase === "rolled_back" && event.instance === null) f.rolledBackAt = earliest(f.rolledBackAt, at);
  // A failure without an instance is the control plane's: the reload failed as a whole.
  if (event.phase === "failed" && event.instance === null) f.failedAt = earliest(f.failedAt, at);
  // Keep the newest failure's message, whatever order the failures arrive in.
  if (FAILURE_PHASES.has(event.phase) && event.error && (!f.lastErrorAt || at.getTime() >= f.lastErrorAt.getTime())) {
    f.lastError = event.error;
    f.lastErrorAt = at;
  }
  return f;
}

/** Which bucket an instance's latest phase in a reload falls into. */
export function instancePhaseBucket(phase: Phase): "succeeded" | "failed" | "inProgress" | "rolledBack" | null {
  if (SUCCESS_PHASES.has(phase)) return "succeeded";
  if (FAILURE_PHASES.has(phase)) return "failed";
  if (PROGRESS_PHASES.has(phase)) return "inProgress";
  if (phase === "rolled_back") return "rolledBack";
  return null;
}

/**
 * A reload's status from its facts and its instances' latest phases:
 * pending_approval → approved → dispatching → in_progress → succeeded | partially_failed |
 * failed | rolled_back, or rejected. A reload is rolled back when the control plane says so
 * or every instance rolled back; some instances rolling back is a partial failure.
 */
export function deriveReloadStatus(facts: ReloadFacts, counts: ReloadInstanceCounts): ReloadStatus {
  if (facts.rolledBackAt) return "rolled_back";
  if (facts.rejectedAt) return "rejected";
  if (counts.reporting > 0) {
    if (counts.inProgress > 0) return "in_progress";
    if (counts.rolledBack === counts.reporting) return "rolled_back";
    const unsuccessful = counts.failed + counts.rolledBack;
    if (unsuccessful === 0) return facts.failedAt ? "partially_failed" : "succeeded";
    if (counts.succeeded === 0) return "failed";
    return "partially_failed";
  }
  if (facts.failedAt) return "failed";
  if (facts.dispatchedAt) return "dispatching";
  if (facts.approvedAt) return "approved";
  if (facts.requestedAt) return "pending_approval";
  return "in_progress";
}

export const TERMINAL_STATUSES: ReadonlySet<ReloadStatus> = new Set([
  "succeeded",
  "partially_failed",
  "failed",
  "rolled_back",
  "rejected",
  "cancelled",
  "expired",
]);

/** From the first dispatch (or the request) to the last instance's success; null until then. */
export function convergenceMs(facts: ReloadFacts, counts: ReloadInstanceCounts, status: ReloadStatus): number | null {
  if (status !== "succeeded" && status !== "partially_failed") return null;
  const start = facts.dispatchedAt ?? facts.requestedAt ?? facts.firstEventAt;
  if (!counts.lastSucceededAt) return null;
  return Math.max(0, counts.lastSucceededAt.getTime() - start.getTime());
}

/** When the reload reached its terminal status, or null while it has not. */
export function completedAt(facts: ReloadFacts, counts: ReloadInstanceCounts, status: ReloadStatus): Date | null {
  if (!TERMINAL_STATUSES.has(status)) return null;
  if (status === "rejected") return facts.rejectedAt;
  if (status === "rolled_back") return facts.rolledBackAt ?? counts.lastFinishedAt ?? facts.lastEventAt;
  return counts.lastFinishedAt ?? facts.failedAt ?? facts.lastEventAt;
}

/**
 * The version a reload makes desired for its service/kind/resource, if any: the target once
 * the reload is approved or under way, the previous version when it was rolled back. A
 * reload that failed everywhere, or was rejected, leaves the desired version alone.
 */
export function desiredVersionFrom(
  facts: ReloadFacts,
  status: ReloadStatus,
): { version: string; setAt: Date } | null {
  if (status === "rolled_back") {
    return facts.fromVersion ? { version: facts.fromVersion, setAt: facts.rolledBackAt ?? facts.lastEventAt } : null;
  }
  if (["approved", "dispatching", "in_progress", "succeeded", "partially_failed"].includes(status) && facts.toVersion) {
    return { version: facts.toVersion, setAt: facts.approvedAt ?? facts.dispatchedAt ?? facts.requestedAt ?? facts.firstEventAt };
  }
  return null;
}
