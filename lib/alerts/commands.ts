import "server-only";
import { ActionError } from "@/lib/auth/define-action";
import type { Sql } from "@/lib/db/client";
import { acknowledge } from "@/lib/domain/alerts/lifecycle";
import { parseRuleParams } from "@/lib/domain/alerts/rules";
import { silenceExpiry, type SilencePreset } from "@/lib/domain/alerts/silences";
import type { RuleId, Severity } from "@/lib/domain/alerts/types";

// What the alert actions do inside their transaction (lib/alerts/actions/* wrap these in
// defineAction: session → permission → zod → transaction → audit). Kept apart so the
// integration tests drive the same writes as the buttons. Server time decides every instant.

export interface AlertSubject {
  id: string;
  rule: RuleId;
  state: string;
  serviceId: number | null;
  fingerprint: string;
}

/** The alert, locked for the rest of the transaction; null when there is none. */
export async function lockAlert(tx: Sql, alertId: string): Promise<AlertSubject | null> {
  const [row] = await tx.query<{ id: string; rule: RuleId; state: string; service_id: number | null; fingerprint: string }[]>(
    `SELECT id::text, rule, state, service_id, fingerprint FROM alert WHERE id = $1::bigint FOR UPDATE`,
    alertId,
  );
  return row ? { id: row.id, rule: row.rule, state: row.state, serviceId: row.service_id, fingerprint: row.fingerprint } : null;
}

/** firing → acknowledged (by whom, when); again is a no-op; a resolved alert refuses. */
export async function acknowledgeAlertIn(tx: Sql, alert: AlertSubject, actorId: number, now: Date): Promise<{ changed: boolean }> {
  const decision = acknowledge(alert.state as "firing" | "acknowledged" | "resolved");
  if (!decision.ok) throw new ActionError("conflict", decision.reason);
  if (decision.changed) {
    await tx.execute(
      `UPDATE alert SET state = 'acknowledged', acknowledged_at = $2::timestamptz, acknowledged_by = $3, updated_at = $2::timestamptz
       WHERE id = $1::bigint AND state = 'firing'`,
      alert.id,
      now.toISOString(),
      actorId,
    );
  }
  return decision;
}

/** What a silence made from an alert covers: that alert, its rule on its service, or its rule everywhere. */
export type SilenceScope = "alert" | "rule_service" | "rule";

export async function silenceAlertIn(
  tx: Sql,
  alert: AlertSubject,
  input: { scope: SilenceScope; duration: SilencePreset; comment: string },
  actorId: number,
  now: Date,
): Promise<{ silenceId: string; expiresAt: Date }> {
  if (input.scope === "rule_service" && alert.serviceId === null) {
    throw new ActionError("invalid", "This alert is about no single service: silence the alert or the whole rule.", { scope: ["this alert has no service"] });
  }
  const expiresAt = silenceExpiry(input.duration, now);
  const [row] = await tx.query<{ id: string }[]>(
    `INSERT INTO alert_silence (rule, service_id, fingerprint, comment, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz) RETURNING id::text`,
    input.scope === "alert" ? null : alert.rule,
    input.scope === "rule_service" ? alert.serviceId : null,
    input.scope === "alert" ? alert.fingerprint : null,
    input.comment,
    actorId,
    now.toISOString(),
    expiresAt.toISOString(),
  );
  return { silenceId: row!.id, expiresAt };
}

export async function lockSilence(tx: Sql, silenceId: string): Promise<{ id: string; serviceId: number | null; endedAt: Date | null; expiresAt: Date } | null> {
  const [row] = await tx.query<{ id: string; service_id: number | null; ended_at: Date | null; expires_at: Date }[]>(
    `SELECT id::text, service_id, ended_at, expires_at FROM alert_silence WHERE id = $1::bigint FOR UPDATE`,
    silenceId,
  );
  return row ? { id: row.id, serviceId: row.service_id, endedAt: row.ended_at, expiresAt: row.expires_at } : null;
}

/** Ends a silence now; one already over (ended or expired) stays as it was. */
export async function endSilenceIn(tx: Sql, silenceId: string, now: Date): Promise<{ changed: boolean }> {
  const n = await tx.execute(
    `UPDATE alert_silence SET ended_at = $2::timestamptz WHERE id = $1::bigint AND ended_at IS NULL AND expires_at > $2::timestamptz`,
    silenceId,
    now.toISOString(),
  );
  return { changed: n > 0 };
}

/** Stores an admin's settings of one rule; params are checked against the rule's thresholds and only the given ones kept. */
export async function updateAlertRuleIn(
  tx: Sql,
  input: { rule: RuleId; enabled: boolean; severity: Severity; params: unknown },
  actorId: number,
  now: Date,
): Promise<{ params: Record<string, unknown> }> {
  const parsed = parseRuleParams(input.rule, input.params);
  if (!parsed.ok) throw new ActionError("invalid", "Some thresholds are not valid.", parsed.errors);
  await tx.execute(
    `INSERT INTO alert_rule (rule, enabled, severity, params, updated_at, updated_by)
     VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz, $6)
     ON CONFLICT (rule) DO UPDATE SET enabled = excluded.enabled, severity = excluded.severity, params = excluded.params,
                                      updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    input.rule,
    input.enabled,
    input.severity,
    JSON.stringify(parsed.params),
    now.toISOString(),
    actorId,
  );
  return { params: parsed.params };
}
