// Why a reload's targets did not converge: for each one, where it stopped, what that usually
// means, the evidence beside it and the steps to check (the reload-format article's
// troubleshooting table), and NACK/failure texts grouped by their normalised message so forty
// instances failing for one reason read as one line. Pure: no I/O, no clock of its own.
import { classifyError, ERROR_CLASS_CHECKS, type ErrorClass } from "./error-class";
import type { Phase, ReloadStatus } from "./types";

export type StopReason =
  "never_received" | "not_validated" | "not_applied" | "not_acked" | "went_silent" | "rolled_back";

export interface DiagnosisTarget {
  instance: string;
  /** Converged by the reload's rules (its stored phase is acked or applied): not diagnosed. */
  converged: boolean;
  /** The stored latest phase in this reload (null: never reported). */
  phase: Phase | null;
  /** The instance's events in this reload, any order. */
  events: { phase: Phase; at: Date; error: string | null }[];
  /** The last time the instance was heard from at all: heartbeat, any report (instance.last_seen_at, instance_state.last_phase_at). */
  lastHeardAt: Date | null;
  /** Spans of the reload's traces on this instance. */
  spans: { name: string; error: boolean; message: string | null }[];
}

export interface DiagnosisInput {
  status: ReloadStatus;
  expiredAt: Date | null;
  now: Date;
  /** An unfinished instance not heard from for this long has gone silent. */
  silentAfterMs: number;
  targets: DiagnosisTarget[];
}

export interface TargetDiagnosis {
  instance: string;
  reason: StopReason;
  /** The furthest step it reported (received … acked), null when it reported none. */
  reachedPhase: Phase | null;
  /** How it ended: its stored phase, or null when it never finished. */
  finalPhase: Phase | null;
  /**
   * The cause as the instance put it when it reported an error (it knows better than the
   * table), else what the table says stopping there usually means.
   */
  cause: string;
  /**
   * Where it stopped, without claiming why: "stopped after parsed", "never received"; "stopped
   * at validated" when an error span names the step that failed (reload.validated).
   */
  stoppedAt: string;
  /** The class of the reported error (null: none reported); the checks fit it. */
  errorClass: ErrorClass | null;
  /** What the table says stopping there usually means (shown as a hint beside a quoted error). */
  usually: string;
  evidence: {
    error: string | null;
    lastEventAt: Date | null;
    lastHeardAt: Date | null;
    /** How long it has been silent, when it went silent. */
    silentForMs: number | null;
    expiredAt: Date | null;
    spanErrors: string[];
  };
  checks: string[];
}

export interface ErrorGroup {
  /** The message with numbers, ids and quoted values replaced by placeholders. */
  pattern: string;
  /** One real message of the group, as sent. */
  example: string;
  count: number;
  instances: string[];
}

export interface ReloadDiagnosis {
  targets: TargetDiagnosis[];
  byReason: { reason: StopReason; cause: string; count: number }[];
  errorGroups: ErrorGroup[];
}

/** The troubleshooting table: what each place of stopping usually means and what to check. */
export const STOP_REASONS: Record<StopReason, { cause: string; checks: string[] }> = {
  never_received: {
    cause: "delivery or propagation",
    checks: [
      "Did the dispatch reach this instance? Look at the dispatched events and the delivery attempts.",
      "Is the instance subscribed to the right source (watch, queue, webhook target) for this resource?",
      "Is the instance up and reachable? Compare its last heartbeat with the dispatch time.",
    ],
  },
  not_validated: {
    cause: "schema mismatch or malformed payload",
    checks: [
      "Does the instance's build expect the schema version of this payload?",
      "Validate the new version with the same parser offline; read the NACK text.",
      "Was the payload truncated or re-encoded on the way (size limits, encoding)?",
    ],
  },
  not_applied: {
    cause: "apply failure",
    checks: [
      "Read the instance's logs around the last step: the apply raised or hung.",
      "Does the new version need something the instance lacks (memory, files, a dependency, a lock)?",
      "Is it still serving the old version (its heartbeat's version)?",
    ],
  },
  not_acked: {
    cause: "lost ACK",
    checks: [
      "The instance probably runs the new version: check the version its heartbeats report.",
      "Check the path back: the ACK sender, its ingest token, the network to Reloadscope.",
    ],
  },
  went_silent: {
    cause: "crash or unavailable",
    checks: [
      "Look for restarts, OOM kills or evictions of the instance around its last event.",
      "Check the node's and the network's health at that time.",
      "If it came back, which version does it report now?",
    ],
  },
  rolled_back: {
    cause: "rolled back to the previous version",
    checks: [
      "Read the rollback's event and spans for its reason.",
      "Was the rollback automatic (a failed health check) or requested?",
    ],
  },
};

/** The steps an instance reports, in order; the furthest one reached says where it stopped. */
const STEP_ORDER: readonly Phase[] = ["received", "parsed", "validated", "staged", "applied", "acked"];

export function diagnoseReload(input: DiagnosisInput): ReloadDiagnosis {
  const targets: TargetDiagnosis[] = [];
  for (const t of input.targets) {
    if (t.converged) continue;
    const events = [...t.events].sort((a, b) => a.at.getTime() - b.at.getTime());
    const reached = furthestStep(events.map((e) => e.phase));
    const finished = t.phase === "nacked" || t.phase === "failed" || t.phase === "rolled_back";
    const lastEventAt = events.length ? events[events.length - 1]!.at : null;
    const heard = latestOf(t.lastHeardAt, lastEventAt);
    const silentForMs = heard ? input.now.getTime() - heard.getTime() : null;
    const silent = !finished && events.length > 0 && silentForMs !== null && silentForMs > input.silentAfterMs;
    // Any report from the instance (a NACK, a failure) shows it received the reload.
    const reachedOrImplied = reached ?? (events.length ? "received" : null);
    // A failing span named for a step (reload.validated) says where it broke better than the
    // last step reported: the instance may never report the step it failed in.
    const failedStep = errorSpanStep(t.spans);
    const reason: StopReason =
      t.phase === "rolled_back"
        ? "rolled_back"
        : silent
          ? "went_silent"
          : failedStep
            ? stopReasonAtStep(failedStep)
            : stopReasonForStep(reachedOrImplied);
    const error =
      [...events].reverse().find((e) => e.error)?.error ?? t.spans.find((s) => s.error && s.message)?.message ?? null;
    const errorClass = classifyError(error);
    const classChecks = errorClass && errorClass !== "other" ? ERROR_CLASS_CHECKS[errorClass] : null;
    targets.push({
      instance: t.instance,
      reason,
      reachedPhase: reached,
      finalPhase: finished ? t.phase : null,
      // A quoted "apply failed: …" next to "schema mismatch" (the table's guess for stopping
      // after parsed) contradicted itself: the reported error wins as the cause.
      cause: error ?? STOP_REASONS[reason].cause,
      stoppedAt:
        reason === "went_silent"
          ? `went silent after ${reachedOrImplied ?? "dispatch"}`
          : failedStep
            ? `stopped at ${failedStep}`
            : reached
              ? `stopped after ${reached}`
              : reachedOrImplied
                ? "stopped on receipt"
                : "never received",
      usually: classChecks?.cause ?? STOP_REASONS[reason].cause,
      errorClass,
      evidence: {
        error,
        lastEventAt,
        lastHeardAt: t.lastHeardAt,
        silentForMs: silent ? silentForMs : null,
        expiredAt: input.status === "expired" ? input.expiredAt : null,
        spanErrors: t.spans.filter((s) => s.error).map((s) => (s.message ? `${s.name}: ${s.message}` : s.name)),
      },
      checks:
        reason === "rolled_back" || reason === "went_silent" || !classChecks
          ? STOP_REASONS[reason].checks
          : classChecks.checks,
    });
  }
  const counts = new Map<StopReason, number>();
  for (const d of targets) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
  return {
    targets,
    byReason: [...counts]
      .map(([reason, count]) => ({ reason, cause: STOP_REASONS[reason].cause, count }))
      .sort((a, b) => b.count - a.count),
    errorGroups: groupErrors(
      targets.filter((d) => d.evidence.error !== null).map((d) => ({ instance: d.instance, error: d.evidence.error! })),
    ),
  };
}

/** Where the table puts an instance whose furthest step is `reached` (null: it reported none). */
export function stopReasonForStep(reached: Phase | null): StopReason {
  switch (reached) {
    case null:
      return "never_received";
    case "received":
    case "parsed":
      return "not_validated";
    case "validated":
    case "staged":
      return "not_applied";
    default:
      return "not_acked";
  }
}

/** Where the table puts an instance that failed during `step` (an error span named for it). */
export function stopReasonAtStep(step: Phase): StopReason {
  switch (step) {
    case "received":
    case "parsed":
    case "validated":
      return "not_validated";
    case "staged":
    case "applied":
      return "not_applied";
    default:
      return "not_acked";
  }
}

/** The step named by the latest failing span called reload.<step> (spans come in start order), if any. */
export function errorSpanStep(spans: readonly { name: string; error: boolean }[]): Phase | null {
  let step: Phase | null = null;
  for (const s of spans) {
    if (!s.error || !s.name.startsWith("reload.")) continue;
    const name = s.name.slice("reload.".length) as Phase;
    if (STEP_ORDER.includes(name)) step = name;
  }
  return step;
}

function furthestStep(phases: Phase[]): Phase | null {
  let best = -1;
  for (const p of phases) best = Math.max(best, STEP_ORDER.indexOf(p));
  return best < 0 ? null : STEP_ORDER[best]!;
}

/**
 * An error message with what varies between instances taken out: quoted values, UUIDs, IP
 * addresses, hex ids and hashes, durations and other numbers; whitespace collapsed.
 */
export function normaliseErrorMessage(message: string): string {
  return message
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, "‹…›")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "‹id›")
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, "‹ip›")
    .replace(/\b0x[0-9a-f]+\b/gi, "‹hex›")
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b/gi, "‹hex›")
    .replace(/\d+(?:\.\d+)?/g, "‹n›")
    .replace(/\s+/g, " ")
    .trim();
}

/** Errors grouped by normalised message, largest group first (then by pattern). */
export function groupErrors(errors: { instance: string; error: string }[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const { instance, error } of errors) {
    const pattern = normaliseErrorMessage(error);
    const group = groups.get(pattern);
    if (group) {
      group.count++;
      group.instances.push(instance);
    } else {
      groups.set(pattern, { pattern, example: error, count: 1, instances: [instance] });
    }
  }
  return [...groups.values()].sort(
    (a, b) => b.count - a.count || (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0),
  );
}

function latestOf(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() >= b.getTime() ? a : b;
}
