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
 * The user with this id, if they may act: not disabled, and when `signedInAtMs` (a
 * session's sign-in time, signedInAtOf()) is given, the session not signed in before their
 * sessions_valid_after (set by a password reset or by disabling them).
 */
export async function actorById(id: number, signedInAtMs: number | null = null): Promise<Actor | null> {
  const [row] = await sql().query<{ id: number; username: string; display_name: string; role: string; groups: string[] }[]>(
    `SELECT id, username, display_name, role, groups FROM app_user
     WHERE id = $1 AND disabled_at IS NULL
       AND ($2::float8 IS NULL OR sessions_valid_after IS NULL OR sessions_valid_after <= to_timestamp($2::float8 / 1000))`,
    id,
    signedInAtMs,
  );
  if (!row || !isRole(row.role)) return null;
  return { id: row.id, username: row.username, displayName: row.display_name || row.username, role: row.role, groups: row.groups };
}

/**
 * When a session token's holder signed in (epoch ms), from the `signedInAt` claim the jwt
 * callback sets at sign-in; not `iat`, which next-auth renews whenever it re-encodes the
 * cookie. 0 without the claim, so a cut-off always ends such a session.
 */
export function signedInAtOf(token: { signedInAt?: unknown } | null | undefined): number {
  const at = token?.signedInAt;
  return typeof at === "number" && Number.isFinite(at) ? at : 0;
}

/** The caller of the current server action or page request; null when signed out or disabled. */
export async function currentActor(): Promise<Actor | null> {
  const session = await getServerSession(authOptions);
  const id = Number((session?.user as { id?: unknown } | undefined)?.id);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  return actorById(id);
}
