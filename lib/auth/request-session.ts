import "server-only";
import { getToken } from "next-auth/jwt";
import { env } from "@/lib/env";
import { actorById, sessionEpochOf, type Actor } from "./actor";

// The signed-in user of a route handler's Request, read from the request itself rather than
// from next/headers (currentActor): the same cookie and the same database check, but usable
// wherever a Request is, a test calling the handler included.

/** The session cookie's user, as the database says now; null when signed out, forged, expired or disabled. */
export async function actorFromRequest(request: Request): Promise<Actor | null> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.get("cookie") ?? "").split(/;\s*/)) {
    const at = part.indexOf("=");
    if (at > 0) cookies.set(part.slice(0, at), part.slice(at + 1));
  }
  if (cookies.size === 0) return null;
  // No headers passed on: getToken would otherwise take an Authorization bearer as a session JWT.
  const token = await getToken({ req: { cookies, headers: {} } as unknown as Parameters<typeof getToken>[0]["req"], secret: env().NEXTAUTH_SECRET });
  const uid = (token as { uid?: unknown } | null)?.uid;
  return typeof uid === "number" && Number.isSafeInteger(uid) && uid > 0 ? actorById(uid, sessionEpochOf(token as { sessionEpoch?: unknown })) : null;
}
