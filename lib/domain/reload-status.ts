// A reload's facts, status, convergence and completion (DESIGN.md "Reload model rules").
// Pure: the ingest transaction and the expiry sweep fold events and counts into these.
import { FAILURE_PHASES, PROGRESS_PHASES, SUCCESS_PHASES } from "./phases";
import {
  CONVERGED_STATUSES,
  TERMINAL_STATUSES,
  type Phase,
  type ReloadEventInput,
  type ReloadStatus,
  type TerminalStatus,
} from "./types";

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
  /** The newest dispatch: a control-plane failure before it was retried away. */
  lastDispatchedAt: Date | null;
  rolledBackAt: Date | null;
  /** The newest control-plane failure of the reload as a whole. */
  failedAt: Date | null;
  cancelledAt: Date | null;
  /** When it expired (its deadline), once it is found expired; for display, not for deriving. */
  expiredAt: Date | null;
  /** The first dispatch or the first event from an instance. */
  startedAt: Date | null;
  firstEventAt: Date;
  lastEventAt: Date;
  lastError: string | null;
  lastErrorAt: Date | null;
}

/** How a reload's targets stand, from each instance's latest phase in it. */
export interface ReloadInstanceCounts {
  /** M of "N of M" (see reloadScope) */
  targets: number;
  /** Instances that reported any phase of this reload. */
  reporting: number;
  succeeded: number;
  nacked: number;
  failed: number;
  rolledBack: number;
  inProgress: number;
  /** When the last instance reported success, for convergence time. */
  lastSucceededAt: Date | null;
  /** When the last instance reported anything final. */
  lastFinishedAt: Date | null;
}

export type InstanceBucket = "succeeded" | "nacked" | "failed" | "rolledBack" | "inProgress";

type FactEvent = Pick<
  ReloadEventInput,
  "kind" | "resource" | "phase" | "fromVersion" | "toVersion" | "initiator" | "occurredAt" | "error" | "instance"
>;

const earliest = (a: Date | null, b: Date): Date => (a && a.getTime() <= b.getTime() ? a : b);
const latest = (a: Date | null, b: Date): Date => (a && a.getTime() >= b.getTime() ? a : b);

export function emptyFacts(kind: string, resource: string, at: Date): ReloadFacts {
  return {
    kind,
    resource,
    fromVersion: null,
    toVersion: null,
    initiator: null,
    requestedAt: null,
    approvedAt: null,
    rejectedAt: null,
    dispatchedAt: null,
    lastDispatchedAt: null,
    rolledBackAt: null,
    failedAt: null,
    cancelledAt: null,
    expiredAt: null,
    startedAt: null,
    firstEventAt: at,
    lastEventAt: at,
    lastError: null,
    lastErrorAt: null,
  };
}

/** Adds one event to what is known of its reload. Order of arrival does not matter. */
export function foldReloadFacts(facts: ReloadFacts | null, event: FactEvent): ReloadFacts {
  const at = event.occurredAt;
  const f: ReloadFacts = facts ? { ...facts } : emptyFacts(event.kind, event.resource, at);
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
  if (event.phase === "dispatched") {
    f.dispatchedAt = earliest(f.dispatchedAt, at);
    f.lastDispatchedAt = latest(f.lastDispatchedAt, at);
  }
  // Started by the control plane's dispatch, or by an instance reporting a step of it (a
  // request or approval that happens to name an instance does not start anything).
  if (event.phase === "dispatched" || (event.instance !== null && instancePhaseBucket(event.phase) !== null)) {
    f.startedAt = earliest(f.startedAt, at);
  }
  // Only the control plane rolls back a reload as a whole; an instance's rollback is its own failure.
  if (event.phase === "rolled_back" && event.instance === null) f.rolledBackAt = earliest(f.rolledBackAt, at);
  // A failure without an instance is the control plane's: the reload failed as a whole.
  if (event.phase === "failed" && event.instance === null) f.failedAt = latest(f.failedAt, at);
  // Keep the newest failure's message, whatever order the failures arrive in.
  if (FAILURE_PHASES.has(event.phase) && event.error && (!f.lastErrorAt || at.getTime() >= f.lastErrorAt.getTime())) {
    f.lastError = event.error;
    f.lastErrorAt = at;
  }
  return f;
}

/** Which bucket an instance's latest phase in a reload falls into; null for phases that say nothing of it. */
export function instancePhaseBucket(phase: Phase | null): InstanceBucket | null {
  if (phase === null) return null;
  if (SUCCESS_PHASES.has(phase)) return "succeeded";
  if (phase === "nacked") return "nacked";
  if (phase === "failed") return "failed";
  if (phase === "rolled_back") return "rolledBack";
  if (PROGRESS_PHASES.has(phase)) return "inProgress";
  return null;
}

/** M of "N of M", and how many instances reached each final phase (FINAL_PHASES). */
export type TargetCounts = Pick<ReloadInstanceCounts, "targets" | "succeeded" | "nacked" | "failed" | "rolledBack">;

/**
 * N of "N of M finished": the targets with a final phase (acked/applied, nacked, failed,
 * rolled_back; DESIGN.md "Reload model rules", Status), never above M, the scope. The status,
 * the reload page, the lists' progress, the read API's `pending` and the stuck alert all
 * count with this.
 */
export function finishedTargets(c: TargetCounts): number {
  return Math.min(c.targets, c.succeeded + c.nacked + c.failed + c.rolledBack);
}

/** M − N: the targets without a final phase yet (the read API's `pending`). */
export function unfinishedTargets(c: TargetCounts): number {
  return c.targets - finishedTargets(c);
}

/**
 * M of "N of M": the instances the dispatch named (a list, or a count), else the live
 * instances reporting the resource when the reload started; an instance that reports
 * without being a target is counted too, so M is never below the instances heard from.
 * (Ingest keeps one reload_instance row per target or reporting instance: `participants`.)
 */
export function reloadScope(scope: {
  targetCount: number | null;
  targetedInstances: number;
  reportingOutsideTargets: number;
}): number {
  return Math.max(scope.targetCount ?? 0, scope.targetedInstances + scope.reportingOutsideTargets);
}

/** When a reload that has not finished becomes expired: its latest control step plus the timeout. */
export function reloadDeadline(facts: ReloadFacts, timeoutMs: number): Date {
  const steps = [facts.requestedAt, facts.approvedAt, facts.dispatchedAt, facts.startedAt].filter(
    (d): d is Date => d !== null,
  );
  const from = steps.length ? Math.max(...steps.map((d) => d.getTime())) : facts.firstEventAt.getTime();
  return new Date(from + timeoutMs);
}

/**
 * The status, per DESIGN.md: `in_progress` until every target has a final phase; then all
 * acked → succeeded, some → partially_failed, none → failed, the control plane rolled back
 * → rolled_back. Targets unfinished past the deadline (or finished only after it, by event
 * time) → expired.
 * Before it starts: pending_approval → approved, or rejected, cancelled, expired.
 */
export function deriveReloadStatus(
  facts: ReloadFacts,
  counts: ReloadInstanceCounts,
  now: Date,
  timeoutMs: number,
): ReloadStatus {
  if (facts.rolledBackAt) return "rolled_back";
  if (facts.rejectedAt) return "rejected";
  // Superseded before it started; a reload that had started by then goes on.
  if (facts.cancelledAt && (!facts.startedAt || facts.startedAt > facts.cancelledAt)) return "cancelled";
  const failed = controlPlaneFailed(facts);
  const deadline = reloadDeadline(facts, timeoutMs).getTime();
  const pastDeadline = now.getTime() > deadline;
  if (facts.startedAt) {
    const targets = Math.max(counts.targets, counts.reporting);
    const allFinished = targets > 0 && finishedTargets({ ...counts, targets }) >= targets;
    // Finishing after the deadline is still expiry. Judged by event time, not arrival, so
    // history sent late (a backfill, a replay) comes to the same status.
    if (allFinished && !failed && counts.lastFinishedAt && counts.lastFinishedAt.getTime() > deadline) return "expired";
    // The control plane failing the reload as a whole ends it with what has finished.
    // Instances rolling back on their own are failures of theirs: none acked → failed.
    if (allFinished || failed) {
      if (counts.succeeded === 0) return "failed";
      if (counts.succeeded >= targets && !failed) return "succeeded";
      return "partially_failed";
    }
    if (pastDeadline) return "expired";
    if (counts.reporting === 0) return facts.dispatchedAt ? "dispatching" : "in_progress";
    return "in_progress";
  }
  if (failed) return "failed";
  if (pastDeadline) return "expired";
  if (facts.approvedAt) return "approved";
  if (facts.requestedAt) return "pending_approval";
  return "in_progress";
}

/**
 * The control plane failed the reload as a whole: a failure with no instance, not followed by
 * a later dispatch (every delivery attempt is a dispatched or failed event, so a failed
 * attempt that was retried does not end the reload).
 */
export function controlPlaneFailed(facts: ReloadFacts): boolean {
  return facts.failedAt !== null && (facts.lastDispatchedAt === null || facts.failedAt >= facts.lastDispatchedAt);
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

/** Whether a reload in this status has ended (TERMINAL_STATUSES); false for any other text. */
export function isTerminal(status: string): status is TerminalStatus {
  return TERMINAL.has(status);
}

/**
 * How long a reload's page keeps refreshing after the last event arrived once the reload
 * ended: the event that ends a reload is often not its last (an instance's `applied` ends it,
 * its `acked` follows a moment later; a slow instance's report comes after the deadline).
 */
export const LIVE_SETTLE_MS = 15_000;

/**
 * Whether a reload's timeline still refreshes itself: while the reload is open, and for
 * LIVE_SETTLE_MS after its last event arrived. `msSinceLastArrival` is measured between two
 * server times (now and the newest event's received_at), never the browser's clock.
 */
export function timelineLive(status: ReloadStatus, msSinceLastArrival: number | null): boolean {
  return !isTerminal(status) || (msSinceLastArrival !== null && msSinceLastArrival < LIVE_SETTLE_MS);
}

/** From the first dispatch (or the request) to the last instance's success; null until it is done. */
export function convergenceMs(facts: ReloadFacts, counts: ReloadInstanceCounts, status: ReloadStatus): number | null {
  if (!(CONVERGED_STATUSES as readonly string[]).includes(status)) return null;
  const start = facts.dispatchedAt ?? facts.requestedAt ?? facts.firstEventAt;
  if (!counts.lastSucceededAt) return null;
  return Math.max(0, counts.lastSucceededAt.getTime() - start.getTime());
}

/** When the reload reached its terminal status, or null while it has not. */
export function completedAt(facts: ReloadFacts, counts: ReloadInstanceCounts, status: ReloadStatus): Date | null {
  if (!isTerminal(status)) return null;
  if (status === "rejected") return facts.rejectedAt;
  if (status === "cancelled") return facts.cancelledAt;
  if (status === "expired") return facts.expiredAt;
  if (status === "rolled_back") return facts.rolledBackAt ?? counts.lastFinishedAt ?? facts.lastEventAt;
  return counts.lastFinishedAt ?? (controlPlaneFailed(facts) ? facts.failedAt : null) ?? facts.lastEventAt;
}

/**
 * The version a reload makes desired for its service/kind/resource, if any: its target once
 * it is approved or has started, kept when it fails or partially fails (the instances left
 * behind are drift); its previous version when it was rolled back. Pending, rejected and
 * cancelled requests, and requests that expired before they started, set nothing.
 */
export function desiredVersionFrom(facts: ReloadFacts, status: ReloadStatus): { version: string; setAt: Date } | null {
  if (status === "rolled_back") {
    return facts.fromVersion ? { version: facts.fromVersion, setAt: facts.rolledBackAt ?? facts.lastEventAt } : null;
  }
  if (status === "pending_approval" || status === "rejected" || status === "cancelled") return null;
  if (status === "expired" && !facts.startedAt) return null;
  if (!facts.toVersion) return null;
  if (!facts.approvedAt && !facts.startedAt) return null;
  return {
    version: facts.toVersion,
    setAt: facts.approvedAt ?? facts.dispatchedAt ?? facts.startedAt ?? facts.requestedAt ?? facts.firstEventAt,
  };
}
