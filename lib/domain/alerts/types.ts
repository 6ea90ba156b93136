// Alerts' vocabulary (docs/adr/0014): what a rule reports (a condition), the alert it opens, the
// change handed to delivery. Pure types and two tiny helpers; no I/O.

export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATES = ["firing", "acknowledged", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const RULE_IDS = [
  "drift",
  "reload_failures",
  "reload_stuck",
  "instance_stale",
  "out_of_band_change",
  "unauthorized_attempt",
  "reload_storm",
  "regression",
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export function isRuleId(value: unknown): value is RuleId {
  return typeof value === "string" && (RULE_IDS as readonly string[]).includes(value);
}

/** The service an alert is about, as its labels and summary name it. */
export interface ServiceRef {
  id: number;
  environment: string;
  namespace: string;
  name: string;
}

/**
 * One condition a rule sees now. Its fingerprint is its identity: the same fingerprint in
 * two evaluations is the same alert (opened once, updated, resolved when it is gone).
 */
export interface AlertCondition {
  rule: RuleId;
  fingerprint: string;
  serviceId: number | null;
  kind: string | null;
  resource: string | null;
  /** the reload's key (reload.id), as text: a bigint */
  reloadKey: string | null;
  summary: string;
  details: Record<string, unknown>;
  /** what Alertmanager routes on, besides alertname, rule and severity (added at delivery) */
  labels: Record<string, string>;
  /** the page that explains it: a reload timeline, a service, or a replay instant */
  link: string | null;
}

/** An alert as stored: a condition that fired, with its severity, state and times. */
export interface StoredAlert extends AlertCondition {
  id: string;
  severity: Severity;
  state: AlertState;
  startedAt: Date;
  resolvedAt: Date | null;
}

/** An alert that opened or resolved in one evaluation: what delivery sends. */
export interface AlertChange extends StoredAlert {
  event: "firing" | "resolved";
  /** an active silence matches it: keep the state, do not deliver */
  silenced: boolean;
}

/** An alert as the pages and delivery show it: the stored alert with its service's names. */
export interface AlertView extends Omit<StoredAlert, "serviceId"> {
  service: ServiceRef | null;
}

/**
 * The identity of a condition: the rule and what it is about, each part URI-escaped so no
 * two different parts can produce the same text ("drift:12/config/routes.yaml").
 */
export function fingerprint(rule: RuleId, ...parts: (string | number)[]): string {
  return `${rule}:${parts.map((p) => encodeURIComponent(String(p))).join("/")}`;
}

/** "prod/payments/checkout-api", or "staging/search" when the service has no namespace. */
export function serviceName(s: Pick<ServiceRef, "environment" | "namespace" | "name">): string {
  return [s.environment, s.namespace, s.name].filter((p) => p !== "").join("/");
}

/** The labels every service-scoped alert carries, as OpenTelemetry names a service. */
export function serviceLabels(s: ServiceRef): Record<string, string> {
  return { environment: s.environment, namespace: s.namespace, service: s.name };
}
