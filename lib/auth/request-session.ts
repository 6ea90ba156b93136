import "server-only";
import { actorOfSession, type Actor } from "./actor";
import { liveSessionClaims, parseCookieHeader } from "./session-cookie";

// The signed-in user of a route handler's Request, read from the request itself rather than
// from next/headers (currentActor): the same cookie and the same database check, but usable
// wherever a Request is, a test calling the handler included.

/** The session cookie's user, as the database says now; null when signed out, forged, expired, ended or disabled. */
export async function actorFromRequest(request: Request): Promise<Actor | null> {
  const cookies = parseCookieHeader(request.headers.get("cookie"));
  if (cookies.size === 0) return null;
  return actorOfSession(await liveSessionClaims(cookies, request.headers));
}
