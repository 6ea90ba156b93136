import "server-only";
import type { NextAuthOptions, User } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { groupsFromClaim, parseRoleMap, roleForGroups } from "@/lib/domain/oidc-roles";
import type { Role } from "@/lib/domain/permissions";
import { env } from "@/lib/env";
import { actorById, sessionEpochOf } from "./actor";
import { SIGN_IN_ERRORS, type SignInError } from "./sign-in-errors";
import { auditSignIn, authorizePassword } from "./sign-in";
import { LastEnabledAdminError, upsertOidcUser } from "./oidc-users";

// next-auth 4 (docs/adr/0012). Sessions are JWTs in a cookie: nothing to store, and every
// replica can read them. The JWT only names the user; the role shown in the session JSON and
// used by every action is read from app_user again (currentActor), so a role change or a
// disabled account takes effect at the next request, not when the cookie expires.

export const OIDC_PROVIDER_ID = "oidc";

/** Who a session names (the JWT's claims beyond next-auth's own). */
interface SessionClaims {
  uid?: number;
  /** app_user.session_epoch at sign-in (sessionEpochOf in actor.ts) */
  sessionEpoch?: number;
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
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
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
          await auditSignIn(error.userId, error.username, "admin", "denied", { method: "oidc", reason: "last_enabled_admin", mappedRole: person.role, groups: person.oidc.groups });
          return refused("LastAdmin");
        }
        if (stored.disabled) {
          await auditSignIn(stored.id, stored.username, person.role, "denied", { method: "oidc", reason: "disabled" });
          return refused("AccountDisabled");
        }
        await auditSignIn(stored.id, stored.username, person.role, "allowed", { method: "oidc", groups: person.oidc.groups });
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
          claims.sub = person.id;
          if (person.role) claims.role = person.role;
          if (person.username) claims.username = person.username;
        }
        return token;
      },
      async session({ session, token }) {
        // The database decides the role (and whether the account still may sign in), not the cookie.
        const uid = (token as SessionClaims).uid;
        const actor = typeof uid === "number" && Number.isSafeInteger(uid) ? await actorById(uid, sessionEpochOf(token as SessionClaims)) : null;
        if (!actor) return { expires: session.expires } as typeof session;
        session.user = { id: actor.id, username: actor.username, name: actor.displayName, role: actor.role, email: session.user?.email ?? null } as typeof session.user;
        return session;
      },
    },
    logger: {
      // next-auth logs the whole error object for some codes; keep it to the code and message (no tokens, no profiles).
      error(code, metadata) {
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
  const key = [e.NEXTAUTH_SECRET, e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_ROLE_MAP, e.OIDC_DEFAULT_ROLE, e.OIDC_ROLE_CLAIM, e.OIDC_NAME].join("\u0001");
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

/** Whether the sign-in page offers the OIDC button, and its name. */
export function oidcSignIn(): { id: string; name: string } | null {
  const e = env();
  return e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET ? { id: OIDC_PROVIDER_ID, name: e.OIDC_NAME } : null;
}

export { SIGN_IN_ERRORS };
