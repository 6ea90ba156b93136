import type { Phase } from "./types";

/** Phases the control plane reports about the reload as a whole, not about an instance. */
export const CONTROL_PHASES: ReadonlySet<Phase> = new Set(["requested", "approved", "rejected"]);

/** Phases in which an instance confirms it runs the target version. */
export const SUCCESS_PHASES: ReadonlySet<Phase> = new Set(["applied", "acked"]);

/** Phases in which an instance refused or could not apply the version. */
export const FAILURE_PHASES: ReadonlySet<Phase> = new Set(["nacked", "failed"]);

/** Steps on the way from dispatch to applied. */
export const PROGRESS_PHASES: ReadonlySet<Phase> = new Set([
  "dispatched",
  "received",
  "parsed",
  "validated",
  "staged",
]);

/** Phases that only make sense when reported by a running instance. */
export const INSTANCE_ONLY_PHASES: ReadonlySet<Phase> = new Set([
  "received",
  "parsed",
  "validated",
  "staged",
  "applied",
  "acked",
  "nacked",
  "heartbeat",
]);

/** Phases whose event must name the version it is about. */
export const NEEDS_TO_VERSION: ReadonlySet<Phase> = new Set(["requested", "applied", "acked", "heartbeat"]);
