import "server-only";
import type { ActionSubjectInfo } from "@/lib/auth/define-action";
import type { Sql } from "@/lib/db/client";

/** The service a request is for, loaded from its id (never trusted from the form); null → not found. */
export async function loadServiceSubject(tx: Sql, input: { serviceId: number }): Promise<ActionSubjectInfo | null> {
  const [row] = await tx.query<{ id: number }[]>(`SELECT id FROM service WHERE id = $1`, input.serviceId);
  return row ? { serviceId: row.id, subject: `service:${row.id}` } : null;
}

/**
 * The request a decision is about, locked (FOR UPDATE) for the rest of the transaction so two
 * approvers deciding at the same instant take turns, with its requester, so authorize()
 * refuses a decision on one's own request.
 */
export async function loadRequestSubject(tx: Sql, input: { requestId: number }): Promise<ActionSubjectInfo | null> {
  const [row] = await tx.query<{ id: string; service_id: number; requested_by: number }[]>(
    `SELECT id::text, service_id, requested_by FROM reload_request WHERE id = $1::bigint FOR UPDATE`,
    input.requestId,
  );
  return row ? { serviceId: row.service_id, requestedBy: row.requested_by, subject: `reload_request:${row.id}` } : null;
}
