import "server-only";
import type { Sql } from "@/lib/db/client";

// Who is an enabled admin, under one lock. Every change that can alter it (an admin's change
// of a role or a disabled flag, lib/admin/users.ts; an OIDC sign-in re-mapping a role,
// ./oidc-users.ts) first takes the roster lock, then reads the enabled admins and checks the
// last-admin guard (lib/domain/admin-rules.ts): two such changes at the same instant then run
// one after the other, and the second sees the first and is refused instead of leaving nobody
// in charge. It lives in auth, below admin, because sign-in needs it too (rooms import one way).

/** pg advisory lock key for role and disabled changes ("rsusers" as a number). */
const USER_ROSTER_LOCK = 0x7273757365727300n;

export async function lockUserRoster(tx: Sql): Promise<void> {
  // execute: the lock returns void, which Prisma's raw layer cannot read (lib/db/client.ts, dbTransaction).
  await tx.execute(`SELECT pg_advisory_xact_lock($1::bigint)`, USER_ROSTER_LOCK.toString());
}

/** Read under the roster lock (lockUserRoster), as the last-admin guard needs. */
export async function enabledAdminIds(tx: Sql): Promise<number[]> {
  const rows = await tx.query<{ id: number }[]>(`SELECT id FROM app_user WHERE role = 'admin' AND disabled_at IS NULL`);
  return rows.map((r) => r.id);
}
