// The unauthorized-attempt rule: audit_log entries with outcome 'denied' (every refused
// action writes one: lib/auth/define-action.ts), grouped per actor over a window. Pure.
import type { RuleParams } from "./rules";
import { fingerprint, type AlertCondition } from "./types";

export interface DeniedAttempt {
  id: string;
  at: Date;
  actor: string;
  actorRole: string | null;
  action: string;
  serviceId: number | null;
  subject: string | null;
  reason: string | null;
}

export const unauthorizedFingerprint = (actor: string) => fingerprint("unauthorized_attempt", actor);

/** Denied attempts of each actor within the window; at least minAttempts of them alert. */
export function unauthorizedConditions(attempts: DeniedAttempt[], now: Date, params: RuleParams<"unauthorized_attempt">): AlertCondition[] {
  const since = now.getTime() - params.windowMinutes * 60_000;
  const byActor = new Map<string, DeniedAttempt[]>();
  for (const a of attempts) {
    if (a.at.getTime() < since || a.at.getTime() > now.getTime()) continue;
    byActor.set(a.actor, [...(byActor.get(a.actor) ?? []), a]);
  }
  const out: AlertCondition[] = [];
  for (const [actor, list] of byActor) {
    if (list.length < params.minAttempts) continue;
    list.sort((a, b) => b.at.getTime() - a.at.getTime());
    const byAction = new Map<string, number>();
    for (const a of list) byAction.set(a.action, (byAction.get(a.action) ?? 0) + 1);
    const actions = [...byAction].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([action, count]) => ({ action, count }));
    const role = list[0]!.actorRole;
    const services = [...new Set(list.map((a) => a.serviceId).filter((s): s is number => s !== null))];
    out.push({
      rule: "unauthorized_attempt",
      fingerprint: unauthorizedFingerprint(actor),
      serviceId: services.length === 1 ? services[0]! : null,
      kind: null,
      resource: null,
      reloadKey: null,
      summary: `${actor}${role ? ` (${role})` : ""} was denied ${list.length === 1 ? "once" : `${list.length} times`} in ${params.windowMinutes} min: ${actions.map((a) => `${a.action}${a.count > 1 ? ` ×${a.count}` : ""}`).join(", ")}`,
      details: {
        actor,
        actorRole: role,
        count: list.length,
        windowMinutes: params.windowMinutes,
        actions,
        attempts: list.slice(0, 20).map((a) => ({ auditId: a.id, at: a.at.toISOString(), action: a.action, subject: a.subject, reason: a.reason })),
      },
      labels: { actor, ...(role ? { actor_role: role } : {}) },
      link: `/audit?actor=${encodeURIComponent(actor)}&outcome=denied`,
    });
  }
  return out;
}
