// The unauthorized-attempt rule: audit_log entries with outcome 'denied' (every refused
// action writes one: lib/auth/define-action.ts), grouped per source (attemptSource) over a window. Pure.
import type { RuleParams } from "./rules";
import { fingerprint, type AlertCondition } from "./types";

export interface DeniedAttempt {
  id: string;
  at: Date;
  /** the signed-in user, null for an unauthenticated request */
  actorId: number | null;
  actor: string;
  actorRole: string | null;
  action: string;
  serviceId: number | null;
  subject: string | null;
  reason: string | null;
  /** the client address of an unauthenticated request (sign-in's audit details), as clientAddress() gave it */
  clientAddress: string | null;
}

/**
 * Who an attempt counts against: a signed-in user by id, an unauthenticated request by its
 * client address. Never the actor text of an unauthenticated request: a stranger chooses it,
 * so counting by it would let each new name open an alert carrying their text to Slack.
 */
export type AttemptSource =
  | { kind: "user"; key: string; actorId: number }
  | { kind: "address"; key: string; address: string }
  | { kind: "unauthenticated"; key: string };

// What clientAddress() gives for a real address: IPv4, or an IPv6 /64. Anything else (no
// trusted proxy, a malformed header) is one anonymous source, so no odd text reaches an alert.
const ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]{2,39}::\/64)$/;

export function attemptSource(attempt: Pick<DeniedAttempt, "actorId" | "clientAddress">): AttemptSource {
  if (attempt.clientAddress !== null) {
    return ADDRESS.test(attempt.clientAddress)
      ? { kind: "address", key: `address:${attempt.clientAddress}`, address: attempt.clientAddress }
      : { kind: "unauthenticated", key: "unauthenticated" };
  }
  if (attempt.actorId !== null) return { kind: "user", key: `user:${attempt.actorId}`, actorId: attempt.actorId };
  return { kind: "unauthenticated", key: "unauthenticated" };
}

export const unauthorizedFingerprint = (source: AttemptSource) =>
  source.kind === "user"
    ? fingerprint("unauthorized_attempt", "user", source.actorId)
    : source.kind === "address"
      ? fingerprint("unauthorized_attempt", "address", source.address)
      : fingerprint("unauthorized_attempt", "unauthenticated");

/** Denied attempts of each source within the window; at least minAttempts of them alert. */
export function unauthorizedConditions(
  attempts: DeniedAttempt[],
  now: Date,
  params: RuleParams<"unauthorized_attempt">,
): AlertCondition[] {
  const since = now.getTime() - params.windowMinutes * 60_000;
  const bySource = new Map<string, { source: AttemptSource; list: DeniedAttempt[] }>();
  for (const a of attempts) {
    if (a.at.getTime() < since || a.at.getTime() > now.getTime()) continue;
    const source = attemptSource(a);
    const group = bySource.get(source.key) ?? { source, list: [] };
    group.list.push(a);
    bySource.set(source.key, group);
  }
  const out: AlertCondition[] = [];
  for (const { source, list } of bySource.values()) {
    if (list.length < params.minAttempts) continue;
    list.sort((a, b) => b.at.getTime() - a.at.getTime());
    const byAction = new Map<string, number>();
    for (const a of list) byAction.set(a.action, (byAction.get(a.action) ?? 0) + 1);
    const actions = [...byAction]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([action, count]) => ({ action, count }));
    const services = [...new Set(list.map((a) => a.serviceId).filter((s): s is number => s !== null))];
    const times = list.length === 1 ? "once" : `${list.length} times`;
    const what = `${times} in ${params.windowMinutes} min: ${actions.map((a) => `${a.action}${a.count > 1 ? ` ×${a.count}` : ""}`).join(", ")}`;
    // Only a signed-in user's name and role are shown: an admin gave them. Reasons and
    // subjects are the app's own words ("role viewer may not …", "user:3").
    const attemptsShown = list
      .slice(0, 20)
      .map((a) => ({ auditId: a.id, at: a.at.toISOString(), action: a.action, subject: a.subject, reason: a.reason }));
    const base = {
      rule: "unauthorized_attempt" as const,
      fingerprint: unauthorizedFingerprint(source),
      serviceId: services.length === 1 ? services[0]! : null,
      kind: null,
      resource: null,
      reloadKey: null,
    };
    if (source.kind === "user") {
      const actor = list[0]!.actor;
      const role = list[0]!.actorRole;
      out.push({
        ...base,
        summary: `${actor}${role ? ` (${role})` : ""} was denied ${what}`,
        details: {
          source: source.key,
          actor,
          actorRole: role,
          count: list.length,
          windowMinutes: params.windowMinutes,
          actions,
          attempts: attemptsShown,
        },
        labels: { source: source.key, actor, ...(role ? { actor_role: role } : {}) },
        link: `/audit?actor=${encodeURIComponent(actor)}&outcome=denied`,
      });
    } else {
      const from = source.kind === "address" ? `from ${source.address}` : "from an unknown address";
      out.push({
        ...base,
        summary: `Unauthenticated requests ${from} were denied ${what}`,
        details: {
          source: source.key,
          count: list.length,
          windowMinutes: params.windowMinutes,
          actions,
          attempts: attemptsShown,
        },
        labels: { source: source.key },
        link: `/audit?outcome=denied${actions.length === 1 ? `&action=${encodeURIComponent(actions[0]!.action)}` : ""}`,
      });
    }
  }
  return out;
}
