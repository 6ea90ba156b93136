// An alert's lifecycle (docs/adr/0014): firing → acknowledged → resolved. One evaluation's
// conditions are diffed against the open alerts by fingerprint: a new fingerprint opens an
// alert, a known one updates it (an acknowledged alert stays acknowledged while it fires),
// and an open alert whose condition is gone resolves. Only rules evaluated in this pass may
// resolve alerts, so a rule whose read failed does not resolve everything it had open. Pure.
import { AGE_TEXT } from "@/lib/format";
import { canonicalJson } from "../canonical-json";
import type { AlertCondition, AlertState, RuleId, Severity, StoredAlert } from "./types";

export interface AlertPlan {
  toOpen: AlertCondition[];
  /** open alerts still seen; `changed` when what they say (summary, details, labels, link, severity) moved */
  toUpdate: { alert: StoredAlert; condition: AlertCondition; changed: boolean }[];
  toResolve: StoredAlert[];
}

export function planAlertChanges(
  open: StoredAlert[],
  conditions: AlertCondition[],
  evaluated: ReadonlySet<RuleId>,
  severityOf: (rule: RuleId) => Severity,
): AlertPlan {
  const seen = new Map<string, AlertCondition>();
  for (const c of conditions) if (!seen.has(c.fingerprint)) seen.set(c.fingerprint, c);
  const openByFingerprint = new Map(open.map((a) => [a.fingerprint, a]));
  const plan: AlertPlan = { toOpen: [], toUpdate: [], toResolve: [] };
  for (const [fp, condition] of seen) {
    const alert = openByFingerprint.get(fp);
    if (!alert) plan.toOpen.push(condition);
    else
      plan.toUpdate.push({ alert, condition, changed: saysSomethingNew(alert, condition, severityOf(condition.rule)) });
  }
  for (const alert of open) {
    if (!seen.has(alert.fingerprint) && evaluated.has(alert.rule)) plan.toResolve.push(alert);
  }
  return plan;
}

/**
 * Whether an alert's row must be rewritten: its severity, instances or text moved. Ages
 * that only tick with the clock do not count: a pass every few seconds would otherwise
 * rewrite every open alert every time (docs/adr/0014, "Write only what changed"). Each ticking detail has a stable twin
 * stored beside it (driftingSince, lastSeenAt) from which a view recomputes it, and ages
 * in a summary (formatAge's "2h 5m") are compared masked.
 */
function saysSomethingNew(alert: StoredAlert, c: AlertCondition, severity: Severity): boolean {
  return (
    alert.summary.replace(AGE_TEXT, "…") !== c.summary.replace(AGE_TEXT, "…") ||
    alert.link !== c.link ||
    alert.severity !== severity ||
    canonicalJson(alert.details, CLOCK_DETAILS) !== canonicalJson(c.details, CLOCK_DETAILS) ||
    canonicalJson(alert.labels) !== canonicalJson(c.labels)
  );
}

/** Detail fields that are `now` minus a stored time. */
const CLOCK_DETAILS: ReadonlySet<string> = new Set(["driftingForMs", "silentForMs"]);

export type AcknowledgeDecision = { ok: true; changed: boolean } | { ok: false; reason: string };

/** Acknowledging: a firing alert becomes acknowledged; acknowledging again changes nothing; a resolved one is over. */
export function acknowledge(state: AlertState): AcknowledgeDecision {
  if (state === "firing") return { ok: true, changed: true };
  if (state === "acknowledged") return { ok: true, changed: false };
  return { ok: false, reason: "This alert has already resolved." };
}
