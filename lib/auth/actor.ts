import "server-only";
import { cookies, headers } from "next/headers";
import { sql } from "@/lib/db/client";
import { isRole, type Role } from "@/lib/domain/permissions";
import { claimsStillLive, liveSessionClaims, type SessionClaims } from "./session-cookie";

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
 * disabling the user moves it on, which ends every session signed in before. When
 * `sessionId` (the `sid` claim) is given, that user_session row must be theirs and not ended:
 * sign-out ends that one session (lib/auth/user-sessions.ts).
 */
export async function actorById(
  id: number,
  sessionEpoch: number | null = null,
  sessionId: string | null = null,
): Promise<Actor | null> {
  const [row] = await sql().query<
    { id: number; username: string; display_name: string; role: string; groups: string[] }[]
  >(
    `SELECT id, username, display_name, role, groups FROM app_user
     WHERE id = $1 AND disabled_at IS NULL AND ($2::int IS NULL OR session_epoch = $2::int)
       AND ($3::uuid IS NULL OR EXISTS (
         SELECT 1 FROM user_session s WHERE s.id = $3::uuid AND s.user_id = app_user.id AND s.ended_at IS NULL))`,
    id,
    sessionEpoch,
    sessionId,
  );
  if (!row || !isRole(row.role)) return null;
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name || row.username,
    role: row.role,
    groups: row.groups,
  };
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

/**
 * The user a session's claims name, if the session still counts: within its absolute
 * lifetime, not signed out, at the user's session epoch, the user not disabled. The one check
 * behind every way a session is read (currentActor, actorFromRequest, next-auth's session
 * callback).
 */
export async function actorOfSession(claims: SessionClaims | null | undefined): Promise<Actor | null> {
  if (!claimsStillLive(claims)) return null;
  return actorById(claims.uid, sessionEpochOf(claims), claims.sid);
}

/** The caller of the current server action or page request; null when signed out, ended or disabled. */
export async function currentActor(): Promise<Actor | null> {
  // The cookie read directly rather than through getServerSession: its name depends on
  // whether this request came over https (session-cookie.ts), which a fixed options object
  // cannot know.
  const [cookieStore, headerList] = await Promise.all([cookies(), headers()]);
  const claims = await liveSessionClaims(new Map(cookieStore.getAll().map((c) => [c.name, c.value])), headerList);
  return actorOfSession(claims);
}
