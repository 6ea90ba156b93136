// The product's vocabulary (see DESIGN.md) as plain types shared by every layer.

export const PHASES = [
  "requested",
  "approved",
  "rejected",
  "dispatched",
  "received",
  "parsed",
  "validated",
  "staged",
  "applied",
  "acked",
  "nacked",
  "failed",
  "rolled_back",
  "heartbeat",
] as const;
export type Phase = (typeof PHASES)[number];

/** Kinds that get an icon; any other lowercase word is accepted too. */
export const KNOWN_KINDS = [
  "config",
  "policy",
  "routes",
  "flags",
  "cache",
  "certificate",
  "model",
  "prompt",
  "data",
  "code",
] as const;

/** A requested reload that has not started: waiting for approval, or approved and waiting for its dispatch. */
export const NOT_STARTED_STATUSES = ["pending_approval", "approved"] as const;

/** A reload that has not ended: waiting for approval, for its dispatch, or for its targets. */
export const NON_TERMINAL_STATUSES = [...NOT_STARTED_STATUSES, "dispatching", "in_progress"] as const;

/**
 * "Failed" wherever reloads are counted or listed as failures (the service page's chart, the
 * failure-ratio alert, the fleet's "failed reloads" link): every target finished and not all
 * acked, or the control plane rolled the reload back (DESIGN.md "Reload model rules",
 * Status). `expired` is not one: DESIGN.md names it beside rejected and cancelled, ends
 * without that outcome (a request nobody approved in time expires too), and the stuck rule
 * alerts on it.
 */
export const FAILED_STATUSES = ["partially_failed", "failed", "rolled_back"] as const;

/** What a reload that ran came to once every target finished (DESIGN.md "Status"). */
export const OUTCOME_STATUSES = ["succeeded", ...FAILED_STATUSES] as const;

/** A reload that ended: with an outcome, or without one (rejected, cancelled, expired). */
/** A reload whose every target finished with some succeeding: it has a convergence time. */
export const CONVERGED_STATUSES = ["succeeded", "partially_failed"] as const;

export const TERMINAL_STATUSES = [...OUTCOME_STATUSES, "rejected", "cancelled", "expired"] as const;

export const RELOAD_STATUSES = [...NON_TERMINAL_STATUSES, ...TERMINAL_STATUSES] as const;
export type ReloadStatus = (typeof RELOAD_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/**
 * What an instance's last reload step came to, per kind/resource. `expired`: its reload
 * ended (expired, or a newer reload of the resource started) before this instance finished.
 */
export type Outcome = "ok" | "in_progress" | "nacked" | "failed" | "rolled_back" | "expired";

/** A reload event after validation and normalisation; what the domain works with. */
export interface ReloadEventInput {
  id: string;
  reloadId: string | null;
  environment: string;
  namespace: string;
  service: string;
  instance: string | null;
  labels: Record<string, string>;
  kind: string;
  resource: string;
  phase: Phase;
  fromVersion: string | null;
  toVersion: string | null;
  initiator: string | null;
  occurredAt: Date;
  durationMs: number | null;
  error: string | null;
  traceId: string | null;
  spanId: string | null;
  attributes: Record<string, unknown>;
  /** dispatched only: the instances it was sent to (null: not named) */
  targets: string[] | null;
  /** dispatched only: how many instances it was sent to (null: not given) */
  targetCount: number | null;
}

export interface ServiceKey {
  environment: string;
  namespace: string;
  name: string;
}

export function serviceKeyString(key: ServiceKey): string {
  return `${key.environment}\u0000${key.namespace}\u0000${key.name}`;
}
