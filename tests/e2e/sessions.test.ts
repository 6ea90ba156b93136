// Sessions and headers against the built app (docs/adr/0012): a cookie replayed after
// sign-out is no session; a session older than its absolute lifetime is refused however it
// was renewed; /api/auth/session does not renew an ended session's cookie; cookies are Secure
// when a trusted TLS proxy says the request came over https although NEXTAUTH_URL is http;
// the security headers on a page, an API route and /sign-in. A server of its own: it trusts
// one proxy (TRUST_PROXY=1), and the test forges cookies with the secret it gave it.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { decode, encode, type JWT } from "next-auth/jwt";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { hashPassword } from "@/lib/auth/users";
import { freePort, nextStartCommand, serverAuthEnv, waitUntilAnswering } from "@/scripts/next-server";
import { mergeCookies, sessionOf, signInWithPassword } from "../support/auth-client";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const PASSWORD = "e2e-sessions-password-01";
const SECRET = randomBytes(32).toString("base64");
const HTTPS = { "x-forwarded-proto": "https" };
let baseUrl = "";
let app: ChildProcess;
let database: TestDatabase;
const logs: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase("sessions", inject("databaseServerUrl") || null);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  for (const username of ["sam", "rita", "dora", "tess"]) {
    await client.query(
      `INSERT INTO app_user (username, display_name, role, password_hash) VALUES ($1, $1, 'viewer', $2)`,
      [username, await hashPassword(PASSWORD)],
    );
  }
  await client.end();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const [command, ...args] = nextStartCommand(port);
  app = spawn(command!, args, {
    env: {
      ...process.env,
      ...serverAuthEnv(baseUrl),
      NEXTAUTH_SECRET: SECRET,
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: database.embedded ? "1" : "5",
      NEXT_TELEMETRY_DISABLED: "1",
      TRUST_PROXY: "1",
      WORKER_ENABLED: "0",
      DEMO_FLEET: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  app.stdout?.on("data", (d) => logs.push(String(d)));
  app.stderr?.on("data", (d) => logs.push(String(d)));
  await waitUntilAnswering(baseUrl, app, 60_000, () => logs.join(""));
});

afterAll(async () => {
  if (app && app.exitCode === null) {
    app.kill("SIGTERM");
    await new Promise((r) => app.once("exit", r));
  }
  await database?.drop();
});

/** The session cookie a response sets with a value (a sign-in or a renewal), if any. */
function sessionCookieSet(response: Response): string | undefined {
  return response.headers
    .getSetCookie()
    .find((c) => /session-token=[^;]+/.test(c) && !/max-age=0|expires=thu, 01 jan 1970/i.test(c));
}

function sessionTokenOf(cookie: string): { name: string; value: string } {
  const match = /(^|;\s*)((?:__Secure-)?next-auth\.session-token)=([^;]+)/.exec(cookie);
  if (!match) throw new Error(`no session cookie in ${cookie}`);
  return { name: match[2]!, value: match[3]! };
}

/** GET /api/auth/session with this cookie (and headers): the JSON and the response. */
async function session(cookie: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}/api/auth/session`, { headers: { ...headers, cookie } });
  expect(response.status).toBe(200);
  return { json: (await response.json()) as { user?: { username: string } }, response };
}

/** What a page does with this cookie: "page" when it renders, "sign-in" when it sends the visitor there. */
async function pageWith(cookie: string, headers: Record<string, string> = {}): Promise<"page" | "sign-in"> {
  const response = await fetch(`${baseUrl}/fleet`, { headers: { ...headers, cookie }, redirect: "manual" });
  await response.arrayBuffer();
  if (response.status === 200) return "page";
  expect([302, 303, 307, 308]).toContain(response.status);
  expect(new URL(response.headers.get("location")!, baseUrl).pathname).toBe("/sign-in");
  return "sign-in";
}

/** A route handler's answer to this cookie (the replay's frames: 200 for a session, 401 without). */
async function routeStatus(cookie: string): Promise<number> {
  const at = encodeURIComponent(new Date(Date.now() - 60_000).toISOString());
  const response = await fetch(`${baseUrl}/api/replay?at=${at}`, { headers: { cookie } });
  await response.arrayBuffer();
  return response.status;
}

/** The sign-out button's request: POST /api/auth/signout with the CSRF token and its cookie. */
async function signOut(cookie: string, headers: Record<string, string> = {}): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`, { headers: { ...headers, cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = mergeCookies(cookie, csrf);
  const response = await fetch(`${baseUrl}/api/auth/signout`, {
    method: "POST",
    headers: { ...headers, cookie: jar, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${baseUrl}/sign-in`, json: "true" }),
    redirect: "manual",
  });
  await response.arrayBuffer();
  expect(response.status).toBeLessThan(400);
  return mergeCookies(jar, response);
}

/** The same session cookie with its claims changed and signed with the server's secret. */
async function reforged(cookie: string, change: (claims: JWT) => JWT): Promise<string> {
  const { name, value } = sessionTokenOf(cookie);
  const claims = (await decode({ token: value, secret: SECRET }))!;
  const { iat: _iat, exp: _exp, jti: _jti, ...rest } = claims as JWT & { iat?: number; exp?: number; jti?: string };
  return `${name}=${await encode({ token: change(rest), secret: SECRET })}`;
}

/** Signs in as a form does, with these headers on every request (X-Forwarded-Proto from "the proxy"). */
async function signInWith(
  username: string,
  headers: Record<string, string>,
): Promise<{ cookie: string; setCookies: string[] }> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  let cookie = mergeCookies("", csrf);
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { ...headers, cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, username, password: PASSWORD, callbackUrl: `${baseUrl}/fleet` }),
    redirect: "manual",
  });
  await response.arrayBuffer();
  cookie = mergeCookies(cookie, response);
  return { cookie, setCookies: [...csrf.headers.getSetCookie(), ...response.headers.getSetCookie()] };
}

describe("sign-out ends the session", () => {
  test("the cookie replayed after sign-out is no session: /api/auth/session, pages and route handlers", async () => {
    const cookie = await signInWithPassword(baseUrl, "sam", PASSWORD);
    expect((await session(cookie)).json.user).toMatchObject({ username: "sam" });
    expect(await pageWith(cookie)).toBe("page");
    expect(await routeStatus(cookie)).toBe(200);

    const after = await signOut(cookie);
    expect(after).not.toContain("session-token");

    const replayed = await session(cookie);
    expect(replayed.json).toEqual({});
    expect(sessionCookieSet(replayed.response)).toBeUndefined();
    expect(await pageWith(cookie)).toBe("sign-in");
    expect(await routeStatus(cookie)).toBe(401);
  });
});

describe("absolute lifetime", () => {
  test("a session signed in 12 h ago is refused, however recently it was renewed; 11 h ago it counts", async () => {
    const cookie = await signInWithPassword(baseUrl, "rita", PASSWORD);
    // Renewed: the cookie next-auth sends back still carries the first sign-in time.
    const renewed = await session(cookie);
    const renewedCookie = mergeCookies(cookie, renewed.response);
    const claims = (await decode({ token: sessionTokenOf(renewedCookie).value, secret: SECRET })) as JWT & {
      signedInAt?: number;
    };
    const original = (await decode({ token: sessionTokenOf(cookie).value, secret: SECRET })) as JWT & {
      signedInAt?: number;
    };
    expect(typeof claims.signedInAt).toBe("number");
    expect(claims.signedInAt).toBe(original.signedInAt);

    const now = Math.floor(Date.now() / 1000);
    const stale = await reforged(cookie, (c) => ({ ...c, signedInAt: now - 12 * 3600 - 60 }));
    const within = await reforged(cookie, (c) => ({ ...c, signedInAt: now - 11 * 3600 }));

    const refused = await session(stale);
    expect(refused.json).toEqual({});
    expect(sessionCookieSet(refused.response)).toBeUndefined();
    expect(await pageWith(stale)).toBe("sign-in");
    expect(await routeStatus(stale)).toBe(401);

    expect((await session(within)).json.user).toMatchObject({ username: "rita" });
    expect(await pageWith(within)).toBe("page");
  });
});

describe("an ended session's cookie is not renewed", () => {
  test("a disabled user's /api/auth/session: {} and the cookie cleared, not renewed", async () => {
    const cookie = await signInWithPassword(baseUrl, "dora", PASSWORD);
    expect(sessionCookieSet((await session(cookie)).response)).toBeDefined();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`UPDATE app_user SET disabled_at = now() WHERE username = 'dora'`);
    await client.end();
    const { json, response } = await session(cookie);
    expect(json).toEqual({});
    expect(sessionCookieSet(response)).toBeUndefined();
    expect(mergeCookies(cookie, response)).not.toContain("session-token");
  });
});

describe("Secure cookies behind a TLS-terminating proxy (NEXTAUTH_URL http, TRUST_PROXY=1)", () => {
  test("X-Forwarded-Proto: https → every cookie Secure, the session one __Secure-, and it is read back", async () => {
    const { cookie, setCookies } = await signInWith("tess", HTTPS);
    expect(setCookies.length).toBeGreaterThan(0);
    for (const set of setCookies) expect(set).toMatch(/;\s*Secure/i);
    expect(setCookies.some((c) => c.startsWith("__Host-next-auth.csrf-token="))).toBe(true);
    expect(sessionTokenOf(cookie).name).toBe("__Secure-next-auth.session-token");

    const { json, response } = await session(cookie, HTTPS);
    expect(json.user).toMatchObject({ username: "tess" });
    expect(sessionCookieSet(response)).toMatch(/;\s*Secure/i);
    expect(await pageWith(cookie, HTTPS)).toBe("page");

    await signOut(cookie, HTTPS);
    expect((await session(cookie, HTTPS)).json).toEqual({});
  });

  test("over plain http the cookies are not Secure", async () => {
    const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
    await csrf.arrayBuffer();
    for (const set of csrf.headers.getSetCookie()) expect(set).not.toMatch(/;\s*Secure/i);
  });
});

describe("security headers", () => {
  test.each([
    ["/sign-in", false],
    ["/fleet", true],
    ["/api/v1/fleet/status", false],
    ["/api/auth/csrf", false],
  ])("%s", async (path, signedIn) => {
    const cookie = signedIn ? await signInWithPassword(baseUrl, "sam", PASSWORD) : "";
    const response = await fetch(`${baseUrl}${path}`, { headers: { cookie }, redirect: "manual" });
    await response.arrayBuffer();
    expect(response.status).toBeLessThan(500);
    const csp = (response.headers.get("content-security-policy") ?? "").split(";").map((d) => d.trim());
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });
});
