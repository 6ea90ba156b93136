// Sessions (DESIGN.md "Roles", docs/adr/0012): sign-out ends the JWT session everywhere (its id ends in Postgres),
// an absolute lifetime from the sign-in time that renewals cannot push back, no renewed
// cookie for an ended session, and Secure cookies whenever the request came over https
// (directly, or through a trusted TLS-terminating proxy). next-auth's endpoints are driven
// in-process (tests/support/next-auth-driver.ts); the built server's side is in
// tests/e2e/sessions.test.ts.
import { decode, encode, type JWT } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { actorFromRequest } from "@/lib/auth/request-session";
import { authOptionsFor } from "@/lib/auth/options";
import { createLocalUser } from "@/lib/auth/users";
import { sql } from "@/lib/db/client";
import { proxy } from "@/proxy";
import { setEnv } from "../support/env-vars";
import { NextAuthDriver, type AuthAnswer } from "../support/next-auth-driver";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const PASSWORD = "session-test-password-1";
const HOUR = 3600;
const VARIABLES = ["NEXTAUTH_URL", "NEXTAUTH_SECRET", "TRUST_PROXY", "SESSION_MAX_AGE_HOURS"] as const;
const saved: Partial<Record<(typeof VARIABLES)[number], string | undefined>> = {};

beforeAll(() => {
  for (const name of VARIABLES) saved[name] = process.env[name];
  process.env.NEXTAUTH_SECRET ??= "integration-test-secret-integration-test-secret";
  setEnv({ NEXTAUTH_URL: "http://127.0.0.1:3000", TRUST_PROXY: "0", SESSION_MAX_AGE_HOURS: undefined });
});
afterEach(() => setEnv({ NEXTAUTH_URL: "http://127.0.0.1:3000", TRUST_PROXY: "0", SESSION_MAX_AGE_HOURS: undefined }));
afterAll(() => setEnv(saved));

const secret = () => process.env.NEXTAUTH_SECRET!;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A browser (or a script) of its own: its own cookie jar, these headers on every request. */
function client(headers: Record<string, string> = {}): NextAuthDriver {
  return new NextAuthDriver(authOptionsFor, { host: "127.0.0.1:3000", ...headers });
}

async function signedIn(username: string, headers: Record<string, string> = {}): Promise<NextAuthDriver> {
  const browser = client(headers);
  expect(await browser.signIn(username, PASSWORD)).toBeNull();
  return browser;
}

/** The actor a route handler's Request with this cookie (and these headers) gets. */
function actorOf(cookie: string, headers: Record<string, string> = {}) {
  return actorFromRequest(new Request("http://127.0.0.1:3000/api/replay", { headers: { ...headers, cookie } }));
}

/** Whether the proxy lets this cookie through to a page (else it sends it to sign-in). */
async function proxyPasses(cookie: string, headers: Record<string, string> = {}): Promise<boolean> {
  const response = await proxy(new NextRequest("http://127.0.0.1:3000/fleet", { headers: { ...headers, cookie } }));
  return response.headers.get("location") === null;
}

/** The session cookie a Set-Cookie list sets with a value (a renewal), if any. */
function sessionCookieSet(answer: AuthAnswer): string | undefined {
  return answer.setCookies.find((c) => /session-token=[^;]+/.test(c) && !/max-age=0|expires=thu, 01 jan 1970/i.test(c));
}

function sessionTokenOf(cookie: string): { name: string; value: string } {
  const match = /(^|;\s*)((?:__Secure-)?next-auth\.session-token)=([^;]+)/.exec(cookie);
  if (!match) throw new Error(`no session cookie in ${cookie}`);
  return { name: match[2]!, value: match[3]! };
}

/** The same cookie with its claims changed, signed with the server's secret (what only the server could do). */
async function reforged(cookie: string, change: (claims: JWT) => JWT): Promise<string> {
  const { name, value } = sessionTokenOf(cookie);
  const claims = (await decode({ token: value, secret: secret() }))!;
  const { iat: _iat, exp: _exp, jti: _jti, ...rest } = claims as JWT & { iat?: number; exp?: number; jti?: string };
  return `${name}=${await encode({ token: change(rest), secret: secret() })}`;
}

describe("sign-out", () => {
  test("ends the session: the cookie replayed afterwards is no session for next-auth, route handlers or the proxy", async () => {
    await createLocalUser({ username: "sam", password: PASSWORD, role: "operator" });
    const browser = await signedIn("sam");
    const cookie = browser.cookie;
    expect((await browser.session()).json.user).toMatchObject({ username: "sam", role: "operator" });
    expect(await actorOf(cookie)).toMatchObject({ username: "sam" });

    const out = await browser.signOut();
    expect(out.status).toBe(302);
    expect(browser.cookie).not.toContain("session-token");

    const replay = client();
    replay.cookie = cookie;
    const { json, answer } = await replay.session();
    expect(json).toEqual({});
    expect(sessionCookieSet(answer)).toBeUndefined();
    expect(await actorOf(cookie)).toBeNull();
    // The end is a row in Postgres, so every replica reads it (none keeps it in memory).
    const [row] = await sql().query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM user_session WHERE ended_at IS NOT NULL`,
    );
    expect(row!.n).toBe(1);
  });

  test("ends only that session: the same user's other sign-in stays", async () => {
    await createLocalUser({ username: "sam", password: PASSWORD, role: "viewer" });
    const laptop = await signedIn("sam");
    const phone = await signedIn("sam");
    await laptop.signOut();
    expect((await phone.session()).json.user).toMatchObject({ username: "sam" });
    expect(await actorOf(phone.cookie)).toMatchObject({ username: "sam" });
  });

  test("a session cookie without a session id (one made before sign-out could end it) is no session", async () => {
    const id = await createLocalUser({ username: "old", password: PASSWORD, role: "viewer" });
    const cookie = `next-auth.session-token=${await encode({ token: { sub: String(id), uid: id, sessionEpoch: 0, signedInAt: nowSeconds() }, secret: secret() })}`;
    expect(await actorOf(cookie)).toBeNull();
  });
});

describe("absolute lifetime", () => {
  test("renewals keep the sign-in time: the renewed cookie carries the first signedInAt", async () => {
    await createLocalUser({ username: "rita", password: PASSWORD, role: "viewer" });
    const browser = await signedIn("rita");
    const first = (await decode({ token: sessionTokenOf(browser.cookie).value, secret: secret() })) as JWT & {
      signedInAt?: unknown;
    };
    expect(typeof first.signedInAt).toBe("number");
    expect(Math.abs((first.signedInAt as number) - nowSeconds())).toBeLessThan(60);
    const { answer } = await browser.session();
    const renewed = sessionCookieSet(answer);
    expect(renewed).toBeDefined();
    const again = (await decode({ token: sessionTokenOf(browser.cookie).value, secret: secret() })) as JWT & {
      signedInAt?: unknown;
    };
    expect(again.jti).not.toBe(first.jti);
    expect(again.signedInAt).toBe(first.signedInAt);
  });

  test("a session signed in more than 12 hours ago is refused everywhere, and its cookie is not renewed", async () => {
    await createLocalUser({ username: "rita", password: PASSWORD, role: "viewer" });
    const browser = await signedIn("rita");
    const stale = await reforged(browser.cookie, (claims) => ({
      ...claims,
      signedInAt: nowSeconds() - 12 * HOUR - 60,
    }));
    const within = await reforged(browser.cookie, (claims) => ({ ...claims, signedInAt: nowSeconds() - 11 * HOUR }));

    const replay = client();
    replay.cookie = stale;
    const { json, answer } = await replay.session();
    expect(json).toEqual({});
    expect(sessionCookieSet(answer)).toBeUndefined();
    expect(await actorOf(stale)).toBeNull();
    expect(await proxyPasses(stale)).toBe(false);

    expect(await actorOf(within)).toMatchObject({ username: "rita" });
    expect(await proxyPasses(within)).toBe(true);
  });

  test("SESSION_MAX_AGE_HOURS sets the lifetime", async () => {
    setEnv({ SESSION_MAX_AGE_HOURS: "1" });
    await createLocalUser({ username: "rita", password: PASSWORD, role: "viewer" });
    const browser = await signedIn("rita");
    const twoHours = await reforged(browser.cookie, (claims) => ({ ...claims, signedInAt: nowSeconds() - 2 * HOUR }));
    const halfHour = await reforged(browser.cookie, (claims) => ({ ...claims, signedInAt: nowSeconds() - HOUR / 2 }));
    expect(await actorOf(twoHours)).toBeNull();
    expect(await proxyPasses(twoHours)).toBe(false);
    expect(await actorOf(halfHour)).toMatchObject({ username: "rita" });
  });

  test("a session without a sign-in time is refused", async () => {
    await createLocalUser({ username: "rita", password: PASSWORD, role: "viewer" });
    const browser = await signedIn("rita");
    const timeless = await reforged(browser.cookie, ({ signedInAt: _signedInAt, ...claims }) => claims);
    expect(await actorOf(timeless)).toBeNull();
    expect(await proxyPasses(timeless)).toBe(false);
  });
});

describe("an ended session's cookie is not renewed", () => {
  test("a disabled user's GET /api/auth/session answers {} and clears the cookie instead of renewing it", async () => {
    const id = await createLocalUser({ username: "dora", password: PASSWORD, role: "viewer" });
    const browser = await signedIn("dora");
    expect(sessionCookieSet((await browser.session()).answer)).toBeDefined();
    await sql().execute(`UPDATE app_user SET disabled_at = now() WHERE id = $1`, id);
    const { json, answer } = await browser.session();
    expect(json).toEqual({});
    expect(sessionCookieSet(answer)).toBeUndefined();
    expect(browser.cookie).not.toContain("session-token");
  });
});

describe("Secure cookies whenever the request came over https", () => {
  const HTTPS = { "x-forwarded-proto": "https" };

  test("behind a trusted TLS proxy with an http NEXTAUTH_URL: __Secure- session cookie with Secure, read back by every reader", async () => {
    setEnv({ TRUST_PROXY: "1" });
    await createLocalUser({ username: "tess", password: PASSWORD, role: "viewer" });
    const browser = await signedIn("tess", HTTPS);
    const session = browser.cookie;
    expect(sessionTokenOf(session).name).toBe("__Secure-next-auth.session-token");
    const { json, answer } = await browser.session();
    expect(json.user).toMatchObject({ username: "tess" });
    const set = sessionCookieSet(answer)!;
    expect(set).toMatch(/^__Secure-next-auth\.session-token=/);
    expect(set).toMatch(/;\s*Secure/i);
    expect(set).toMatch(/;\s*HttpOnly/i);
    expect(await actorOf(session, HTTPS)).toMatchObject({ username: "tess" });
    expect(await proxyPasses(session, HTTPS)).toBe(true);
    // Signing out over https finds and ends it too.
    await browser.signOut();
    expect(await actorOf(session, HTTPS)).toBeNull();
  });

  test("every cookie next-auth sets over https is Secure (the CSRF one __Host-)", async () => {
    setEnv({ TRUST_PROXY: "1" });
    const answer = await client(HTTPS).call("GET", ["csrf"]);
    expect(answer.setCookies.length).toBeGreaterThan(0);
    for (const cookie of answer.setCookies) expect(cookie).toMatch(/;\s*Secure/i);
    expect(answer.setCookies.some((c) => c.startsWith("__Host-next-auth.csrf-token="))).toBe(true);
  });

  test("with an https NEXTAUTH_URL the cookie is Secure whatever the request says", async () => {
    setEnv({ NEXTAUTH_URL: "https://reloadscope.example.com" });
    const answer = await client().call("GET", ["csrf"]);
    for (const cookie of answer.setCookies) expect(cookie).toMatch(/;\s*Secure/i);
  });

  test.each([
    ["TRUST_PROXY=0: the header is the client's word, not a proxy's", "0", { "x-forwarded-proto": "https" }],
    ["plain http through a trusted proxy", "1", { "x-forwarded-proto": "http" }],
    ["no header", "1", {}],
  ])("%s → plain cookies, no Secure", async (_name, trustProxy, headers) => {
    setEnv({ TRUST_PROXY: trustProxy });
    await createLocalUser({ username: "hugo", password: PASSWORD, role: "viewer" });
    const browser = await signedIn("hugo", headers);
    expect(sessionTokenOf(browser.cookie).name).toBe("next-auth.session-token");
    const set = sessionCookieSet((await browser.session()).answer)!;
    expect(set).not.toMatch(/;\s*Secure/i);
    expect(await actorOf(browser.cookie, headers)).toMatchObject({ username: "hugo" });
  });

  test("the proxy nearest the app decides: a client's own https before a proxy's http does not count", async () => {
    setEnv({ TRUST_PROXY: "1" });
    const answer = await client({ "x-forwarded-proto": "https, http" }).call("GET", ["csrf"]);
    for (const cookie of answer.setCookies) expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  test("over https a cookie without the __Secure- prefix (settable from plain http) is not read", async () => {
    setEnv({ TRUST_PROXY: "1" });
    await createLocalUser({ username: "tess", password: PASSWORD, role: "viewer" });
    const plain = await signedIn("tess");
    expect(sessionTokenOf(plain.cookie).name).toBe("next-auth.session-token");
    expect(await actorOf(plain.cookie, HTTPS)).toBeNull();
    expect(await proxyPasses(plain.cookie, HTTPS)).toBe(false);
  });
});
