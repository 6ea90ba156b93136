import "server-only";
import type { NextAuthOptions, User } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { groupsFromClaim, parseRoleMap, roleForGroups } from "@/lib/domain/oidc-roles";
import type { Role } from "@/lib/domain/permissions";
import { env } from "@/lib/env";
import { actorOfSession } from "./actor";
import { reachedOverHttps, type SessionClaims as LiveSessionClaims } from "./session-cookie";
import { endUserSession, startUserSession } from "./user-sessions";
import { SIGN_IN_ERRORS, type SignInError } from "./sign-in-errors";
import { auditSignIn, authorizePassword } from "./sign-in";
import { LastEnabledAdminError, upsertOidcUser } from "./oidc-users";

// next-auth 4 (docs/adr/0012). Sessions are JWTs in a cookie: nothing to store, and every
// replica can read them. The JWT only names the user; the role shown in the session JSON and
// used by every action is read from app_user again (currentActor), so a role change or a
// disabled account takes effect at the next request, not when the cookie expires.

export const OIDC_PROVIDER_ID = "oidc";

/** Who a session names (the JWT's claims beyond next-auth's own): uid, sid, sessionEpoch, signedInAt (session-cookie.ts), and for show: */
interface SessionClaims extends LiveSessionClaims {
  role?: Role;
  username?: string;
}

/** What our providers return as next-auth's `user`: the app_user row's id as text, plus the role. */
interface SignedInUser extends User {
  role?: Role | null;
  username?: string;
  /** app_user.session_epoch as read at sign-in */
  sessionEpoch?: number;
  /** OIDC only: what the upsert needs, carried from profile() to the signIn callback */
  oidc?: { subject: string; username: string; groups: string[] };
}

function credentialsProvider() {
  return CredentialsProvider({
    id: "credentials",
    name: "Username and password",
    credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
    // Limits, refusals and their audit entries: lib/auth/sign-in.ts. next-auth passes the request's headers as a plain object.
    authorize: (credentials, request): Promise<SignedInUser | null> =>
      authorizePassword(credentials, new Headers((request?.headers ?? {}) as Record<string, string>)),
  });
}

function oidcProvider(): OAuthConfig<Record<string, unknown>> | null {
  const e = env();
  if (!e.OIDC_ISSUER || !e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET) return null;
  const issuer = e.OIDC_ISSUER.replace(/\/+$/, "");
  const roleMap = parseRoleMap(e.OIDC_ROLE_MAP);
  if (!roleMap.ok) throw new Error(`OIDC_ROLE_MAP: ${roleMap.error}`); // env() refuses this already
  const scope = ["openid", "profile", "email", ...e.OIDC_SCOPES.split(/[\s,]+/).filter(Boolean)];
  return {
    id: OIDC_PROVIDER_ID,
    name: e.OIDC_NAME,
    type: "oauth",
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    authorization: { params: { scope: [...new Set(scope)].join(" ") } },
    // The ID token is verified (signature, issuer, audience, nonce-less PKCE flow) and its claims are the profile.
    idToken: true,
    checks: ["pkce", "state"],
    profile(claims): SignedInUser {
      const sub = String(claims.sub);
      const groups = groupsFromClaim(claims[e.OIDC_ROLE_CLAIM]);
      const username = firstText(claims.preferred_username, claims.email, sub);
      return {
        id: sub,
        name: firstText(claims.name, username),
        email: typeof claims.email === "string" ? claims.email : null,
        // null: no mapped group and OIDC_DEFAULT_ROLE=none; the signIn callback refuses it
        role: roleForGroups(groups, roleMap.map, e.OIDC_DEFAULT_ROLE),
        oidc: { subject: `${typeof claims.iss === "string" ? claims.iss : issuer}|${sub}`, username, groups },
      };
    },
  };
}

function firstText(...values: unknown[]): string {
  for (const value of values) if (typeof value === "string" && value.trim() !== "") return value.trim();
  return "";
}

/** The page a refusal lands on, with its reason (the sign-in page shows it). */
function refused(error: SignInError): string {
  return `/sign-in?error=${error}`;
}

export function buildAuthOptions(): NextAuthOptions {
  const oidc = oidcProvider();
  return {
    secret: env().NEXTAUTH_SECRET,
    // next-auth renews the cookie's expiry at every session read; the absolute lifetime is the
    // signedInAt claim's (actorOfSession), this only keeps the cookie from outliving it by much.
    session: { strategy: "jwt", maxAge: Math.round(env().SESSION_MAX_AGE_HOURS * 3600) },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [credentialsProvider(), ...(oidc ? [oidc] : [])],
    callbacks: {
      async signIn({ user, account }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        const person = user as SignedInUser;
        if (!person.oidc) return refused("OAuthSignin");
        if (!person.role) {
          await auditSignIn(null, person.oidc.username, null, "denied", {
            method: "oidc",
            reason: "no mapped group",
            subject: person.oidc.subject,
            groups: person.oidc.groups,
          });
          return refused("NoRole");
        }
        let stored: Awaited<ReturnType<typeof upsertOidcUser>>;
        try {
          stored = await upsertOidcUser({
            subject: person.oidc.subject,
            username: person.oidc.username,
            displayName: person.name ?? "",
            email: person.email ?? null,
            groups: person.oidc.groups,
            role: person.role,
          });
        } catch (error) {
          if (!(error instanceof LastEnabledAdminError)) throw error;
          await auditSignIn(error.userId, error.username, "admin", "denied", {
            method: "oidc",
            reason: "last_enabled_admin",
            mappedRole: person.role,
            groups: person.oidc.groups,
          });
          return refused("LastAdmin");
        }
        if (stored.disabled) {
          await auditSignIn(stored.id, stored.username, person.role, "denied", { method: "oidc", reason: "disabled" });
          return refused("AccountDisabled");
        }
        await auditSignIn(stored.id, stored.username, person.role, "allowed", {
          method: "oidc",
          groups: person.oidc.groups,
        });
        // next-auth hands this same object to the jwt callback: from here on it names the app_user row.
        person.id = String(stored.id);
        person.username = stored.username;
        person.sessionEpoch = stored.sessionEpoch;
        return true;
      },
      async jwt({ token, user }) {
        if (user) {
          const person = user as SignedInUser;
          const claims = token as typeof token & SessionClaims;
          claims.uid = Number(person.id);
          claims.sessionEpoch = person.sessionEpoch ?? 0;
          // Only here, at sign-in: renewals keep both, so sign-out can end this session and
          // its lifetime counts from now (ADR 0012).
          const started = await startUserSession(claims.uid);
          claims.sid = started.sid;
          claims.signedInAt = started.signedInAt;
          claims.sub = person.id;
          if (person.role) claims.role = person.role;
          if (person.username) claims.username = person.username;
        }
        return token;
      },
      async session({ session, token }) {
        // The database decides the role (and whether the account still may sign in), not the cookie.
        const actor = await actorOfSession(token as SessionClaims);
        // Thrown, not answered: next-auth then answers {} and clears the cookie instead of
        // renewing it, so an ended, disabled or expired session is not kept alive by polling.
        if (!actor) throw new SessionEnded();
        session.user = {
          id: actor.id,
          username: actor.username,
          name: actor.displayName,
          role: actor.role,
          email: session.user?.email ?? null,
        } as typeof session.user;
        return session;
      },
    },
    events: {
      async signOut({ token }) {
        // Ends this session in the database, so the cookie, replayed, is no session anywhere.
        // Its claims were verified by next-auth (decoded with NEXTAUTH_SECRET) before this runs.
        const sid = (token as SessionClaims | null)?.sid;
        if (typeof sid === "string" && /^[0-9a-f-]{36}$/i.test(sid)) await endUserSession(sid);
      },
    },
    logger: {
      // next-auth logs the whole error object for some codes; keep it to the code and message (no tokens, no profiles).
      error(code, metadata) {
        if (metadata instanceof SessionEnded) return; // an ended session asking again: expected, not an error
        const message = metadata instanceof Error ? metadata.message : (metadata as { error?: Error })?.error?.message;
        console.error(`[auth] ${code}${message ? `: ${message}` : ""}`);
      },
      warn(code) {
        if (code !== "DEBUG_ENABLED") console.warn(`[auth] ${code}`);
      },
      debug() {},
    },
  };
}

let cached: { key: string; options: NextAuthOptions } | undefined;

/**
 * The options, built from the environment on first use (not at import, so a build without
 * the environment still compiles); rebuilt if the environment object changes (tests).
 */
function options(): NextAuthOptions {
  const e = env();
  const key = [
    e.NEXTAUTH_SECRET,
    e.SESSION_MAX_AGE_HOURS,
    e.OIDC_ISSUER,
    e.OIDC_CLIENT_ID,
    e.OIDC_ROLE_MAP,
    e.OIDC_DEFAULT_ROLE,
    e.OIDC_ROLE_CLAIM,
    e.OIDC_NAME,
  ].join("\u0001");
  if (cached?.key !== key) cached = { key, options: buildAuthOptions() };
  return cached.options;
}

/**
 * next-auth's options. A proxy so that `getServerSession(authOptions)` and the route handler
 * read the environment when a request arrives rather than when the module is imported.
 */
export const authOptions: NextAuthOptions = new Proxy({} as NextAuthOptions, {
  get: (_target, property) => Reflect.get(options(), property),
  has: (_target, property) => Reflect.has(options(), property),
  ownKeys: () => Reflect.ownKeys(options()),
  getOwnPropertyDescriptor: (_target, property) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(options(), property);
    return descriptor ? { ...descriptor, configurable: true } : undefined;
  },
});

/**
 * next-auth's options for one request: cookies Secure (and named __Secure-/__Host-) whenever
 * the request came over https, also behind a TLS-terminating proxy with an http NEXTAUTH_URL
 * (reachedOverHttps). The route handler builds them per request; every reader of the session
 * cookie picks its name by the same rule (session-cookie.ts).
 */
export function authOptionsFor(headers: { get(name: string): string | null }): NextAuthOptions {
  return { ...options(), useSecureCookies: reachedOverHttps(headers) };
}

/** The session read found the session over (signed out, disabled, reset or past its lifetime). */
class SessionEnded extends Error {
  constructor() {
    super("session ended");
    this.name = "SessionEnded";
  }
}

/** Whether the sign-in page offers the OIDC button, and its name. */
export function oidcSignIn(): { id: string; name: string } | null {
  const e = env();
  return e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET ? { id: OIDC_PROVIDER_ID, name: e.OIDC_NAME } : null;
}

export { SIGN_IN_ERRORS };
