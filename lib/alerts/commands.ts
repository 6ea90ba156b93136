import "server-only";
import { ActionError } from "@/lib/auth/define-action";
import type { DbJsonObject, DbTransaction, Sql } from "@/lib/db/client";
import { acknowledge } from "@/lib/domain/alerts/lifecycle";
import { parseRuleParams } from "@/lib/domain/alerts/rules";
import { silenceExpiry, type SilencePreset } from "@/lib/domain/alerts/silences";
import type { RuleId, Severity } from "@/lib/domain/alerts/types";

// What the alert actions do inside their transaction (lib/alerts/actions/* wrap these in
// defineAction: session → permission → zod → transaction → audit). Kept apart so the
// integration tests drive the same writes as the buttons. Server time decides every instant.
// The actions run in a dbTransaction: rows are written with Prisma Client and locked with SQL
// (Prisma has no FOR UPDATE); ids go out as text, as the pages and the audit log carry them.

export interface AlertSubject {
  id: string;
  rule: RuleId;
  state: string;
  serviceId: number | null;
  fingerprint: string;
}

/** The alert, locked for the rest of the transaction; null when there is none. */
export async function lockAlert(tx: Sql, alertId: string): Promise<AlertSubject | null> {
  const [row] = await tx.query<
    { id: string; rule: RuleId; state: string; service_id: number | null; fingerprint: string }[]
  >(`SELECT id::text, rule, state, service_id, fingerprint FROM alert WHERE id = $1::bigint FOR UPDATE`, alertId);
  return row
    ? { id: row.id, rule: row.rule, state: row.state, serviceId: row.service_id, fingerprint: row.fingerprint }
    : null;
}

/** firing → acknowledged (by whom, when); again is a no-op; a resolved alert refuses. */
export async function acknowledgeAlertIn(
  tx: DbTransaction,
  alert: AlertSubject,
  actorId: number,
  now: Date,
): Promise<{ changed: boolean }> {
  const decision = acknowledge(alert.state as "firing" | "acknowledged" | "resolved");
  if (!decision.ok) throw new ActionError("conflict", decision.reason);
  if (decision.changed) {
    await tx.db.alert.updateMany({
      where: { id: BigInt(alert.id), state: "firing" },
      data: { state: "acknowledged", acknowledgedAt: now, acknowledgedBy: actorId, updatedAt: now },
    });
  }
  return decision;
}

/** What a silence made from an alert covers: that alert, its rule on its service, or its rule everywhere. */
export type SilenceScope = "alert" | "rule_service" | "rule";

export async function silenceAlertIn(
  tx: DbTransaction,
  alert: AlertSubject,
  input: { scope: SilenceScope; duration: SilencePreset; comment: string },
  actorId: number,
  now: Date,
): Promise<{ silenceId: string; expiresAt: Date }> {
  if (input.scope === "rule_service" && alert.serviceId === null) {
    throw new ActionError("invalid", "This alert is about no single service: silence the alert or the whole rule.", {
      scope: ["this alert has no service"],
    });
  }
  const expiresAt = silenceExpiry(input.duration, now);
  const row = await tx.db.alertSilence.create({
    data: {
      rule: input.scope === "alert" ? null : alert.rule,
      serviceId: input.scope === "rule_service" ? alert.serviceId : null,
      fingerprint: input.scope === "alert" ? alert.fingerprint : null,
      comment: input.comment,
      createdBy: actorId,
      createdAt: now,
      expiresAt,
    },
    select: { id: true },
  });
  return { silenceId: row.id.toString(), expiresAt };
}

export async function lockSilence(
  tx: Sql,
  silenceId: string,
): Promise<{ id: string; serviceId: number | null; endedAt: Date | null; expiresAt: Date } | null> {
  const [row] = await tx.query<{ id: string; service_id: number | null; ended_at: Date | null; expires_at: Date }[]>(
    `SELECT id::text, service_id, ended_at, expires_at FROM alert_silence WHERE id = $1::bigint FOR UPDATE`,
    silenceId,
  );
  return row ? { id: row.id, serviceId: row.service_id, endedAt: row.ended_at, expiresAt: row.expires_at } : null;
}

/** Ends a silence now; one already over (ended or expired) stays as it was. */
export async function endSilenceIn(tx: DbTransaction, silenceId: string, now: Date): Promise<{ changed: boolean }> {
  const { count } = await tx.db.alertSilence.updateMany({
    where: { id: BigInt(silenceId), endedAt: null, expiresAt: { gt: now } },
    data: { endedAt: now },
  });
  return { changed: count > 0 };
}

/** Stores an admin's settings of one rule; params are checked against the rule's thresholds and only the given ones kept. */
export async function updateAlertRuleIn(
  tx: DbTransaction,
  input: { rule: RuleId; enabled: boolean; severity: Severity; params: unknown },
  actorId: number,
  now: Date,
): Promise<{ params: Record<string, unknown> }> {
  const parsed = parseRuleParams(input.rule, input.params);
  if (!parsed.ok) throw new ActionError("invalid", "Some thresholds are not valid.", parsed.errors);
  const saved = {
    enabled: input.enabled,
    severity: input.severity,
    // numbers and strings only (parseRuleParams)
    params: parsed.params as DbJsonObject,
    updatedAt: now,
    updatedBy: actorId,
  };
  await tx.db.alertRule.upsert({
    where: { rule: input.rule },
    create: { rule: input.rule, ...saved },
    update: saved,
    select: { rule: true },
  });
  return { params: parsed.params };
}
