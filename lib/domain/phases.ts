import type { Phase } from "./types";

/** Phases the control plane reports about the reload as a whole, not about an instance. */
export const CONTROL_PHASES: ReadonlySet<Phase> = new Set(["requested", "approved", "rejected"]);

/** Phases in which an instance confirms it runs the target version. */
export const SUCCESS_PHASES: ReadonlySet<Phase> = new Set(["applied", "acked"]);

/** Phases in which an instance refused or could not apply the version. */
export const FAILURE_PHASES: ReadonlySet<Phase> = new Set(["nacked", "failed"]);

/**
 * Final phases in which an instance does not run the target: it refused, failed, or rolled
 * back on its own (its own failure; only the control plane rolls back a reload as a whole).
 */
export const UNSUCCESSFUL_PHASES: ReadonlySet<Phase> = new Set([...FAILURE_PHASES, "rolled_back"]);

/**
 * An instance's final phases in a reload (DESIGN.md "Reload model rules", Status: acked/applied,
 * nacked, failed, rolled_back). A target in any other phase, or none, has not finished.
 */
export const FINAL_PHASES: ReadonlySet<Phase> = new Set([...SUCCESS_PHASES, ...UNSUCCESSFUL_PHASES]);

/**
 * Phases in which an instance reports the version it runs (an event's toVersion): it applied
 * or acked a reload's target, or its heartbeat named it.
 */
export const RAN_VERSION_PHASES: ReadonlySet<Phase> = new Set([...SUCCESS_PHASES, "heartbeat"]);

/** An instance's steps between receiving a reload and applying it. */
const INSTANCE_STEPS: readonly Phase[] = ["received", "parsed", "validated", "staged"];

/** Steps on the way from dispatch to applied. */
export const PROGRESS_PHASES: ReadonlySet<Phase> = new Set(["dispatched", ...INSTANCE_STEPS]);

/** Phases that only make sense when reported by a running instance. */
export const INSTANCE_ONLY_PHASES: ReadonlySet<Phase> = new Set<Phase>([
  ...INSTANCE_STEPS,
  ...SUCCESS_PHASES,
  "nacked",
  "heartbeat",
]);

/** Phases whose event must name the version it is about. */
export const NEEDS_TO_VERSION: ReadonlySet<Phase> = new Set(["requested", "applied", "acked", "heartbeat"]);
