import "server-only";
import { ActionError } from "@/lib/auth/action-error";
import type { DbTransaction, Sql } from "@/lib/db/client";
import { userChangeProblem, type UserChange } from "@/lib/domain/admin-rules";
import { isRole, type Role } from "@/lib/domain/permissions";
import { enabledAdminIds, lockUserRoster } from "@/lib/auth/user-roster";

// Users and roles, inside the admin action's transaction (a dbTransaction: rows are written with
// Prisma Client, locked with SQL, which Prisma has no FOR UPDATE for). Every change that can alter who is
// an enabled admin first takes the roster lock (lib/auth/user-roster.ts), then reads the
// enabled admins and checks the last-admin guard (lib/domain/admin-rules.ts): two admins
// demoting or disabling each other at the same instant then run one after the other, and the
// second one sees the first one's change and is refused instead of leaving nobody in charge.

export interface UserRecord {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  /** signs in through the OIDC issuer (role and groups re-mapped at each sign-in) */
  oidc: boolean;
}

/** The user as it is now, row-locked for the rest of the transaction; null when there is none. */
export async function loadUserForUpdate(tx: Sql, userId: number): Promise<UserRecord | null> {
  const [row] = await tx.query<{ id: number; username: string; role: string; disabled: boolean; oidc: boolean }[]>(
    `SELECT id, username, role, disabled_at IS NOT NULL AS disabled, oidc_subject IS NOT NULL AS oidc
     FROM app_user WHERE id = $1 FOR UPDATE`,
    userId,
  );
  if (!row) return null;
  if (!isRole(row.role)) throw new Error(`app_user ${row.id} has an unknown role`);
  return { ...row, role: row.role };
}

async function guardedTarget(tx: Sql, actorId: number, userId: number, change: UserChange): Promise<UserRecord> {
  await lockUserRoster(tx);
  const target = await loadUserForUpdate(tx, userId);
  if (!target) throw new ActionError("not_found", "That user no longer exists.");
  const problem = userChangeProblem({ actorId, target, change, enabledAdminIds: await enabledAdminIds(tx) });
  if (problem) throw new ActionError("conflict", problem);
  return target;
}

export interface NewLocalUser {
  username: string;
  displayName: string;
  role: Role;
  groups: string[];
  passwordHash: string;
}

export async function insertLocalUser(tx: DbTransaction, user: NewLocalUser): Promise<{ id: number }> {
  // skipDuplicates: ON CONFLICT DO NOTHING, so a taken username returns no row instead of
  // failing the statement (and with it the transaction).
  const [row] = await tx.db.appUser.createManyAndReturn({
    data: {
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      groups: user.groups,
      passwordHash: user.passwordHash,
    },
    skipDuplicates: true,
    select: { id: true },
  });
  if (!row) {
    throw new ActionError("conflict", `The username “${user.username}” is taken.`, {
      username: ["This username is taken: choose another."],
    });
  }
  return row;
}

export interface UserChangeResult {
  username: string;
  before: { role: Role; disabled: boolean };
  after: { role: Role; disabled: boolean };
}

export async function changeUserRole(
  tx: DbTransaction,
  actorId: number,
  userId: number,
  role: Role,
): Promise<UserChangeResult> {
  const target = await guardedTarget(tx, actorId, userId, { kind: "role", role });
  await tx.db.appUser.update({ where: { id: userId }, data: { role } });
  return {
    username: target.username,
    before: { role: target.role, disabled: target.disabled },
    after: { role, disabled: target.disabled },
  };
}

/** Disables (moving their session epoch on, which ends every session they have) or enables a user. */
export async function setUserDisabled(
  tx: DbTransaction,
  actorId: number,
  userId: number,
  disabled: boolean,
): Promise<UserChangeResult> {
  const target = await guardedTarget(tx, actorId, userId, { kind: disabled ? "disable" : "enable" });
  // Keep the first disabledAt when disabling twice (the row is locked, so `target` says): it says since when.
  const data = disabled
    ? { disabledAt: target.disabled ? undefined : new Date(), sessionEpoch: { increment: 1 } }
    : { disabledAt: null };
  await tx.db.appUser.update({ where: { id: userId }, data });
  return {
    username: target.username,
    before: { role: target.role, disabled: target.disabled },
    after: { role: target.role, disabled },
  };
}

export async function changeUserGroups(
  tx: DbTransaction,
  userId: number,
  groups: string[],
): Promise<{ username: string; before: string[]; after: string[] }> {
  const [row] = await tx.query<{ username: string; groups: string[] }[]>(
    `SELECT username, groups FROM app_user WHERE id = $1 FOR UPDATE`,
    userId,
  );
  if (!row) throw new ActionError("not_found", "That user no longer exists.");
  await tx.db.appUser.update({ where: { id: userId }, data: { groups } });
  return { username: row.username, before: row.groups, after: groups };
}

/** Sets a local user's password hash and ends their sessions (the session epoch moves on); users of the OIDC issuer have no password here. */
export async function setUserPasswordHash(
  tx: DbTransaction,
  userId: number,
  passwordHash: string,
): Promise<{ username: string }> {
  const target = await loadUserForUpdate(tx, userId);
  if (!target) throw new ActionError("not_found", "That user no longer exists.");
  if (target.oidc) {
    throw new ActionError(
      "conflict",
      `${target.username} signs in through the OIDC issuer: their password is kept there, not here.`,
    );
  }
  await tx.db.appUser.update({ where: { id: userId }, data: { passwordHash, sessionEpoch: { increment: 1 } } });
  return { username: target.username };
}
