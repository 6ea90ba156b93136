import "server-only";
import { appendAudit } from "@/lib/audit-chain/audit-log";
import type { Sql } from "@/lib/db/client";
import { enqueueControlEvents, requestForEvents } from "@/lib/requests/control-events";

// The ways a waiting request ends without being decided: it expires (nobody decided within
// REQUEST_TTL_MINUTES), or it is invalidated (the fleet moved underneath it, so the change
// its approvals were for is gone). Either way its reload gets a `cancelled` event and the
// audit log an entry by "system". Each re-checks the status, so a request decided in the
// meantime is left alone.

export async function expireRequest(tx: Sql, requestId: string, now: Date): Promise<boolean> {
  const reason = "nobody decided on it within its time limit";
  return endWaiting(tx, requestId, "expired", reason, now, "request.expire");
}

export async function invalidateRequest(tx: Sql, requestId: string, reason: string, now: Date): Promise<boolean> {
  return endWaiting(tx, requestId, "invalidated", reason, now, "request.invalidate");
}

async function endWaiting(
  tx: Sql,
  requestId: string,
  status: "expired" | "invalidated",
  reason: string,
  now: Date,
  auditAction: string,
): Promise<boolean> {
  const [row] = await tx.query<{ service_id: number }[]>(
    `UPDATE reload_request SET status = $2, status_reason = $3, updated_at = $4::timestamptz
     WHERE id = $1::bigint AND status = 'pending_approval' RETURNING service_id`,
    requestId,
    status,
    reason,
    now.toISOString(),
  );
  if (!row) return false;
  const request = await requestForEvents(tx, requestId);
  if (request) {
    await enqueueControlEvents(tx, [
      {
        request,
        event: {
          phase: "cancelled",
          initiator: "reloadscope",
          occurredAt: now,
          attributes: { "reloadscope.status": status, "reloadscope.reason": reason },
        },
      },
    ]);
  }
  await appendAudit(tx, {
    actorId: null,
    actor: "system",
    actorRole: null,
    action: auditAction,
    outcome: "allowed",
    serviceId: row.service_id,
    subject: `reload_request:${requestId}`,
    details: { status, reason },
  });
  return true;
}
