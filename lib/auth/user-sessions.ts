import "server-only";
import { randomUUID } from "node:crypto";
import { sql } from "@/lib/db/client";
import { env } from "@/lib/env";

// One user_session row per sign-in (ADR 0012). The session JWT cannot be revoked, so it
// carries the row's id (`sid`), and the per-request user read (actorById) refuses a session
// whose row was ended or is gone: sign-out ends it at once, on every replica.

/** Starts a session for this user; its id and sign-in time become the JWT's `sid` and `signedInAt` claims. */
export async function startUserSession(
  userId: number,
  nowMs = Date.now(),
): Promise<{ sid: string; signedInAt: number }> {
  const sid = randomUUID();
  const signedInAt = Math.floor(nowMs / 1000);
  // Rows past the lifetime name no live session (the claim check refuses them): clear them as
  // sign-ins come, which keeps the table to about one lifetime of sign-ins.
  const cutoff = new Date(nowMs - env().SESSION_MAX_AGE_HOURS * 3_600_000);
  await sql().execute(`DELETE FROM user_session WHERE signed_in_at < $1`, cutoff);
  await sql().execute(
    `INSERT INTO user_session (id, user_id, signed_in_at) VALUES ($1::uuid, $2, $3)`,
    sid,
    userId,
    new Date(signedInAt * 1000),
  );
  return { sid, signedInAt };
}

/** Ends one session (sign-out); false when it had ended already or does not exist. */
export async function endUserSession(sid: string): Promise<boolean> {
  const rows = await sql().query<{ id: string }[]>(
    `UPDATE user_session SET ended_at = now() WHERE id = $1::uuid AND ended_at IS NULL RETURNING id`,
    sid,
  );
  return rows.length > 0;
}
