// Reading the session cookie, the same way wherever it is read: the proxy, route handlers
// (actorFromRequest), pages and actions (currentActor). No server-only: the proxy imports it.
//
// Which cookie: next-auth names it `__Secure-next-auth.session-token` (and marks it Secure)
// when the request reached the app over https, else `next-auth.session-token`. "Over https"
// is one rule, reachedOverHttps(): the route handler builds next-auth's options with it
// (authOptionsFor), and every reader picks the cookie name with it, so the two always agree.
// Over https only the prefixed cookie is read: a browser lets no plain-http page set a
// __Secure- cookie, so nobody can plant a session cookie from an http origin.
import { getToken, type JWT } from "next-auth/jwt";
import { sessionWithinLifetime } from "@/lib/domain/session-lifetime";
import { env } from "@/lib/env";

export const SESSION_COOKIE = "next-auth.session-token";
export const SECURE_SESSION_COOKIE = "__Secure-next-auth.session-token";

/** Who a session names: the claims the jwt callback sets at sign-in (lib/auth/options.ts). */
export interface SessionClaims {
  uid?: number;
  /** user_session.id: sign-out ends that row (lib/auth/user-sessions.ts) */
  sid?: string;
  /** app_user.session_epoch at sign-in (sessionEpochOf in actor.ts) */
  sessionEpoch?: number;
  /** seconds since the epoch, set once at sign-in: the absolute lifetime counts from it */
  signedInAt?: number;
}

interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Whether the request reached the app over https: NEXTAUTH_URL is https, or (with
 * TRUST_PROXY > 0) the TLS-terminating proxy says so in X-Forwarded-Proto.
 */
export function reachedOverHttps(headers: HeaderReader): boolean {
  const e = env();
  if (e.NEXTAUTH_URL?.startsWith("https://")) return true;
  return forwardedProto(headers, e.TRUST_PROXY) === "https";
}

/**
 * The protocol the outermost trusted proxy saw, read from the right as clientAddress() reads
 * X-Forwarded-For: a proxy that appends rather than overwrites leaves the client's own claim
 * on the left, where it does not count. null without TRUST_PROXY or without the header.
 */
export function forwardedProto(headers: HeaderReader, trustedHops: number): string | null {
  if (trustedHops <= 0) return null;
  const hops = (headers.get("x-forwarded-proto") ?? "")
    .split(",")
    .map((hop) => hop.trim().toLowerCase())
    .filter(Boolean);
  return hops.length > 0 ? hops[Math.max(0, hops.length - trustedHops)]! : null;
}

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** Whether a session's claims can still name a live session: a user, a session id, and within the absolute lifetime. */
export function claimsStillLive(
  claims: SessionClaims | null | undefined,
  nowMs = Date.now(),
): claims is SessionClaims & { uid: number; sid: string } {
  if (!claims) return false;
  const { uid, sid } = claims;
  if (typeof uid !== "number" || !Number.isSafeInteger(uid) || uid <= 0) return false;
  if (typeof sid !== "string" || !UUID.test(sid)) return false;
  return sessionWithinLifetime(claims.signedInAt, nowMs, env().SESSION_MAX_AGE_HOURS);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The session cookie's claims when they still name a live session (verified and decrypted
 * with NEXTAUTH_SECRET, within the lifetime); null otherwise. Whether the session was ended
 * (sign-out, reset, disabling) is the database's to say: actorOfSession() in actor.ts.
 */
export async function liveSessionClaims(
  cookies: Map<string, string>,
  headers: HeaderReader,
): Promise<(JWT & SessionClaims) | null> {
  const cookieName = sessionCookieName(reachedOverHttps(headers));
  if (![...cookies.keys()].some((name) => name.startsWith(cookieName))) return null;
  let token: JWT | null;
  try {
    // No headers passed on: getToken would otherwise take an Authorization bearer as a session JWT.
    token = await getToken({
      req: { cookies, headers: {} } as unknown as Parameters<typeof getToken>[0]["req"],
      secret: env().NEXTAUTH_SECRET,
      secureCookie: cookieName === SECURE_SESSION_COOKIE,
      cookieName,
    });
  } catch (error) {
    console.error("[auth] session cookie not readable:", (error as Error).message);
    return null;
  }
  const claims = token as (JWT & SessionClaims) | null;
  return claimsStillLive(claims) ? claims : null;
}

/** A Cookie header as a name → value map. */
export function parseCookieHeader(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(/;\s*/)) {
    const at = part.indexOf("=");
    if (at > 0) cookies.set(part.slice(0, at), part.slice(at + 1));
  }
  return cookies;
}
