// The /alerts page's filters, read from and written to the URL, so a link reproduces the
// view. Unknown values fall back to "any" (a page, unlike the read API, shows something).
import { isRuleId, SEVERITIES, type RuleId, type Severity } from "@/lib/domain/alerts/types";

export const ALERT_TABS = ["firing", "acknowledged", "resolved"] as const;
export type AlertTab = (typeof ALERT_TABS)[number];

export interface AlertFilters {
  tab: AlertTab;
  rule: RuleId | null;
  severity: Severity | null;
  /** part of "environment/namespace/name" */
  service: string | null;
  /** part of the summary, resource or fingerprint */
  text: string | null;
}

const MAX_TEXT = 200;

type Params = Record<string, string | string[] | undefined>;

function one(params: Params, name: string): string | null {
  const value = params[name];
  const text = (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
  return text === "" ? null : text.slice(0, MAX_TEXT);
}

export function parseAlertFilters(params: Params): AlertFilters {
  const tab = one(params, "tab");
  const rule = one(params, "rule");
  const severity = one(params, "severity");
  return {
    tab: (ALERT_TABS as readonly string[]).includes(tab ?? "") ? (tab as AlertTab) : "firing",
    rule: isRuleId(rule) ? rule : null,
    severity: (SEVERITIES as readonly string[]).includes(severity ?? "") ? (severity as Severity) : null,
    service: one(params, "service"),
    text: one(params, "q"),
  };
}

/** `/alerts?…` for these filters with some changed; defaults are left out of the URL. */
export function alertsHref(filters: AlertFilters, change: Partial<AlertFilters> = {}): string {
  const f = { ...filters, ...change };
  const params = new URLSearchParams();
  if (f.tab !== "firing") params.set("tab", f.tab);
  if (f.rule) params.set("rule", f.rule);
  if (f.severity) params.set("severity", f.severity);
  if (f.service) params.set("service", f.service);
  if (f.text) params.set("q", f.text);
  const query = params.toString();
  return query ? `/alerts?${query}` : "/alerts";
}

/** What an alert's link opens, in words. */
export function linkLabel(link: string): string {
  if (link.startsWith("/reloads/")) return "Reload timeline";
  if (link.startsWith("/reloads")) return "Reloads";
  if (link.startsWith("/replay")) return "Replay at that instant";
  if (link.startsWith("/services/")) return "Service";
  if (link.startsWith("/audit")) return "Audit log";
  return "Details";
}
