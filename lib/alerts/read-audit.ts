import "server-only";
import type { AuditRow } from "@/lib/audit-chain/audit-log";
import type { Sql } from "@/lib/db/client";
import { unauthorizedConditions } from "@/lib/domain/alerts/audit";
import type { RuleParams } from "@/lib/domain/alerts/rules";
import type { AlertCondition } from "@/lib/domain/alerts/types";

/** At most this many denied attempts are read per pass: more in one window is one loud alert anyway. */
const MAX_ATTEMPTS = 5_000;

/**
 * Denied attempts within the window, newest first, through audit_log's index on `at`. The
 * window bounds the read, so no cursor is needed: an alert lasts while the window holds a
 * denial and resolves when it has passed.
 */
export async function readUnauthorizedConditions(
  q: Sql,
  now: Date,
  params: RuleParams<"unauthorized_attempt">,
): Promise<AlertCondition[]> {
  const rows = await q.query<
    (Pick<AuditRow, "id" | "at" | "actor_id" | "actor" | "actor_role" | "action" | "service_id" | "subject"> & {
      reason: string | null;
      client_address: string | null;
    })[]
  >(
    `SELECT id::text, at, actor_id, actor, actor_role, action, service_id, subject, details->>'reason' AS reason, details->>'clientAddress' AS client_address
     FROM audit_log
     WHERE at >= $1::timestamptz AND at <= $2::timestamptz AND outcome = 'denied'
     ORDER BY at DESC, id DESC LIMIT ${MAX_ATTEMPTS}`,
    new Date(now.getTime() - params.windowMinutes * 60_000).toISOString(),
    now.toISOString(),
  );
  return unauthorizedConditions(
    rows.map((r) => ({
      id: r.id,
      at: r.at,
      actorId: r.actor_id,
      actor: r.actor,
      actorRole: r.actor_role,
      action: r.action,
      serviceId: r.service_id,
      subject: r.subject,
      reason: r.reason,
      clientAddress: r.client_address,
    })),
    now,
    params,
  );
}
