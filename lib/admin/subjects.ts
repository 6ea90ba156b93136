import "server-only";
import type { ActionSubjectInfo } from "@/lib/auth/define-action";
import type { DbTransaction, Sql } from "@/lib/db/client";

// What each admin action acts on, loaded on the server from the id (never trusted from the
// form) for defineAction's `subject`: null makes the action answer "not found".

export async function serviceSubject(
  tx: DbTransaction,
  serviceId: number,
  table: "reload_target" | "approval_policy",
): Promise<ActionSubjectInfo | null> {
  const row = await tx.db.service.findUnique({ where: { id: serviceId }, select: { id: true } });
  return row ? { serviceId: row.id, subject: `${table}:${row.id}` } : null;
}

export async function userSubject(tx: DbTransaction, userId: number): Promise<ActionSubjectInfo | null> {
  const row = await tx.db.appUser.findUnique({ where: { id: userId }, select: { id: true } });
  return row ? { subject: `user:${row.id}` } : null;
}

/** Row-locked (FOR UPDATE, which Prisma has no word for): two admins revoking at once run one after the other. */
export async function tokenSubject(tx: Sql, tokenId: number): Promise<ActionSubjectInfo | null> {
  const [row] = await tx.query<{ id: number }[]>(`SELECT id FROM ingest_token WHERE id = $1 FOR UPDATE`, tokenId);
  return row ? { subject: `ingest_token:${row.id}` } : null;
}
