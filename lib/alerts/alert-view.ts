import "server-only";
import type { AlertState, AlertView, RuleId, Severity, StoredAlert } from "@/lib/domain/alerts/types";

// One read of an alert with its service's names, for the alert pages (lib/alerts/queries.ts)
// and delivery (lib/alerts/deliver.ts): the columns, the join and the mapping to AlertView.

export interface AlertViewRow {
  id: string;
  fingerprint: string;
  rule: RuleId;
  severity: Severity;
  state: AlertState;
  service_id: number | null;
  environment: string | null;
  namespace: string | null;
  service_name: string | null;
  kind: string | null;
  resource: string | null;
  reload_key: string | null;
  summary: string;
  details: Record<string, unknown> | null;
  labels: Record<string, string> | null;
  link: string | null;
  started_at: Date;
  resolved_at: Date | null;
}

/** The AlertViewRow columns over `a` (alert) and `s` (its service, ALERT_VIEW_FROM). */
export const ALERT_VIEW_COLUMNS = `a.id::text AS id, a.fingerprint, a.rule, a.severity, a.state, a.service_id, s.environment, s.namespace, s.name AS service_name,
  a.kind, a.resource, a.reload_key::text AS reload_key, a.summary, a.details, a.labels, a.link, a.started_at, a.resolved_at`;

export const ALERT_VIEW_FROM = `FROM alert a LEFT JOIN service s ON s.id = a.service_id`;

/** The alert row alone, as the lifecycle keeps it (lib/alerts/evaluate.ts reads no service join). */
export type StoredAlertRow = Omit<AlertViewRow, "environment" | "namespace" | "service_name">;

export function toStoredAlert(r: StoredAlertRow): StoredAlert {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    rule: r.rule,
    severity: r.severity,
    state: r.state,
    serviceId: r.service_id,
    kind: r.kind,
    resource: r.resource,
    reloadKey: r.reload_key,
    summary: r.summary,
    details: r.details ?? {},
    labels: r.labels ?? {},
    link: r.link,
    startedAt: r.started_at,
    resolvedAt: r.resolved_at,
  };
}

export function toAlertView(r: AlertViewRow): AlertView {
  const { serviceId, ...alert } = toStoredAlert(r);
  return {
    ...alert,
    service:
      serviceId !== null && r.service_name !== null
        ? { id: serviceId, environment: r.environment ?? "", namespace: r.namespace ?? "", name: r.service_name }
        : null,
  };
}
