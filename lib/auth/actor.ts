import "server-only";
import { getServerSession } from "next-auth";
import { sql } from "@/lib/db/client";
import { isRole, type Role } from "@/lib/domain/permissions";
import { authOptions } from "./options";

// The signed-in person, as the database says now: the session names the user, and the role,
// groups and disabled flag are read from app_user on every action, so a role change or a
// disabled account takes effect at once rather than when the session expires.

export interface Actor {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  groups: string[];
}

/**
 * The user with this id, if they may act: not disabled, and when `sessionEpoch` (the epoch a
 * session signed in at, sessionEpochOf()) is given, still at that epoch: a password reset or
 * disabling the user moves it on, which ends every session signed in before.
 */
export async function actorById(id: number, sessionEpoch: number | null = null): Promise<Actor | null> {
  const [row] = await sql().query<{ id: number; username: string; display_name: string; role: string; groups: string[] }[]>(
    `SELECT id, username, display_name, role, groups FROM app_user
     WHERE id = $1 AND disabled_at IS NULL AND ($2::int IS NULL OR session_epoch = $2::int)`,
    id,
    sessionEpoch,
  );
  if (!row || !isRole(row.role)) return null;
  return { id: row.id, username: row.username, displayName: row.display_name || row.username, role: row.role, groups: row.groups };
}

/**
 * The session epoch a token was signed in at: the `sessionEpoch` claim the jwt callback sets
 * from the row read at sign-in (in the same statement as the password hash, so a reset that
 * commits after that read always ends the session). 0 without the claim: the epoch every user
 * starts at, so such a session ends at the first reset.
 */
export function sessionEpochOf(token: { sessionEpoch?: unknown } | null | undefined): number {
  const epoch = token?.sessionEpoch;
  return typeof epoch === "number" && Number.isSafeInteger(epoch) ? epoch : 0;
}

/** The caller of the current server action or page request; null when signed out or disabled. */
export async function currentActor(): Promise<Actor | null> {
  const session = await getServerSession(authOptions);
  const id = Number((session?.user as { id?: unknown } | undefined)?.id);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  return actorById(id);
}
