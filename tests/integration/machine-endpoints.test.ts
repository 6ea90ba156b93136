// Machine endpoints (GET /api/metrics, GET /api/v1/fleet/status) never
// answer without a token when the server listens beyond loopback (DESIGN.md "Roles"). HOST
// decides it, with npm start's defaults (lib/domain/listen-address.ts). A session cookie is
// never a token there; the fleet page polls its own session route instead.
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { GET as metrics } from "@/app/api/metrics/route";
import { GET as fleetStatusForPages } from "@/app/api/fleet/status/route";
import { GET as fleetStatus } from "@/app/api/v1/fleet/status/route";
import { createIngestToken } from "@/lib/api/token-admin";
import { resetTokenAuth } from "@/lib/api/tokens";
import { createLocalUser } from "@/lib/auth/users";
import { resetEnvCache } from "@/lib/env";
import { acceptEvents, event, minutesAgo } from "../support/ingest-client";
import { sessionCookieFor } from "../support/session-cookie";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const METRICS_TOKEN = "metrics-scrape-token-0001";
const ENV_KEYS = ["HOST", "RELOADSCOPE_EMBEDDED", "METRICS_TOKEN"] as const;

beforeAll(() => {
  process.env.NEXTAUTH_SECRET ??= "integration-test-secret-integration-test-secret";
  resetEnvCache();
});

afterEach(() => {
  for (const key of ENV_KEYS) delete process.env[key];
  resetEnvCache();
  resetTokenAuth();
});

function listen(settings: Partial<Record<(typeof ENV_KEYS)[number], string>>) {
  for (const key of ENV_KEYS) delete process.env[key];
  Object.assign(process.env, settings);
  resetEnvCache();
  resetTokenAuth();
}

async function scrape(headers: Record<string, string> = {}) {
  const response = await metrics(new Request("http://reloadscope.internal/api/metrics", { headers }));
  return {
    status: response.status,
    wwwAuthenticate: response.headers.get("www-authenticate"),
    text: await response.text(),
  };
}

async function viewerCookie(): Promise<string> {
  const id = await createLocalUser({ username: "vic", password: "vic-password-1", role: "viewer" });
  return sessionCookieFor(id);
}

async function tokens() {
  const read = (await createIngestToken("metrics reader", ["read"])).token;
  const ingestOnly = (await createIngestToken("sender only", ["ingest"])).token;
  return { read, ingestOnly };
}

describe("GET /api/metrics beyond loopback", () => {
  test.each([
    ["HOST=0.0.0.0", { HOST: "0.0.0.0" }],
    ["HOST=::", { HOST: "::" }],
    ["HOST=10.0.3.7", { HOST: "10.0.3.7" }],
    ["HOST unset with DATABASE_URL (npm start serves 0.0.0.0)", {}],
  ])(
    "%s, no METRICS_TOKEN: no token is 401 with WWW-Authenticate and no data; a read token scrapes",
    async (_, settings) => {
      await acceptEvents([event({ instance: "a", toVersion: "secret-ish-v1", occurredAt: minutesAgo(5) })]);
      listen(settings);
      const { read, ingestOnly } = await tokens();
      const none = await scrape();
      expect(none.status).toBe(401);
      expect(none.wwwAuthenticate).toMatch(/^Bearer realm=/);
      expect(none.text).not.toContain("secret-ish-v1");
      expect(none.text).not.toContain("reload_total");
      // a session cookie alone is not a token
      const cookieOnly = await scrape({ cookie: await viewerCookie() });
      expect(cookieOnly.status).toBe(401);
      expect(cookieOnly.text).not.toContain("secret-ish-v1");
      expect((await scrape({ authorization: "Bearer rs_notatoken_notatokennotatoken" })).status).toBe(401);
      const wrongScope = await scrape({ authorization: `Bearer ${ingestOnly}` });
      expect(wrongScope.status).toBe(403);
      expect(wrongScope.text).not.toContain("secret-ish-v1");
      const ok = await scrape({ authorization: `Bearer ${read}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('version="secret-ish-v1"');
    },
  );

  test("with METRICS_TOKEN set, METRICS_TOKEN and read tokens both scrape; nothing else does", async () => {
    listen({ HOST: "0.0.0.0", METRICS_TOKEN });
    const { read } = await tokens();
    expect((await scrape()).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${METRICS_TOKEN}x` })).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    expect((await scrape({ authorization: `Bearer ${read}` })).status).toBe(200);
  });
});

test("a read token restricted to some services cannot read these whole-fleet answers (403), beyond loopback or not", async () => {
  await acceptEvents([event({ instance: "a", toVersion: "secret-ish-v1", occurredAt: minutesAgo(5) })]);
  listen({ HOST: "0.0.0.0" });
  const restricted = (await createIngestToken("staging reader", ["read"], undefined, ["staging/*"])).token;
  const scraped = await scrape({ authorization: `Bearer ${restricted}` });
  expect(scraped.status).toBe(403);
  expect(scraped.text).not.toContain("secret-ish-v1");
  const status = await fleetStatus(
    new Request("http://reloadscope.internal/api/v1/fleet/status", {
      headers: { authorization: `Bearer ${restricted}` },
    }),
    undefined,
  );
  expect(status.status).toBe(403);
  expect((await status.json()).message).toContain("staging/*");
});

describe("GET /api/metrics on loopback", () => {
  test.each([
    ["HOST=127.0.0.1", { HOST: "127.0.0.1" }],
    ["HOST=localhost", { HOST: "localhost" }],
    ["HOST=::1", { HOST: "::1" }],
    ["HOST unset in the embedded demo (npm start serves 127.0.0.1)", { RELOADSCOPE_EMBEDDED: "1" }],
  ])("%s, no METRICS_TOKEN: open, as the demo's Prometheus expects", async (_, settings) => {
    listen(settings);
    expect((await scrape()).status).toBe(200);
  });

  test("HOST=127.0.0.1 with METRICS_TOKEN: a token is required", async () => {
    listen({ HOST: "127.0.0.1", METRICS_TOKEN });
    const { read } = await tokens();
    expect((await scrape()).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    expect((await scrape({ authorization: `Bearer ${read}` })).status).toBe(200);
  });
});

describe("GET /api/v1/fleet/status takes tokens only; the fleet page polls GET /api/fleet/status with its session", () => {
  test.each([
    ["beyond loopback", { HOST: "0.0.0.0" }],
    ["on loopback", { HOST: "127.0.0.1" }],
  ])("%s: /api/v1 answers a read token, never a cookie or nobody", async (_, settings) => {
    const moved = minutesAgo(10);
    await acceptEvents([event({ instance: "a", toVersion: "v1", occurredAt: moved })]);
    listen(settings);
    const { read, ingestOnly } = await tokens();
    const ask = (headers: Record<string, string> = {}) =>
      fleetStatus(new Request("http://reloadscope.internal/api/v1/fleet/status", { headers }), undefined);
    const none = await ask();
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
    expect(await none.text()).not.toContain(moved);
    expect((await ask({ cookie: await viewerCookie() })).status).toBe(401);
    expect((await ask({ authorization: `Bearer ${ingestOnly}` })).status).toBe(403);
    const ok = await ask({ authorization: `Bearer ${read}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ latestChangeAt: moved });
  });

  test("the page's route answers a signed-in session and refuses anyone else", async () => {
    const moved = minutesAgo(10);
    await acceptEvents([event({ instance: "a", toVersion: "v1", occurredAt: moved })]);
    listen({ HOST: "0.0.0.0" });
    const ask = (headers: Record<string, string> = {}) =>
      fleetStatusForPages(new Request("http://reloadscope.internal/api/fleet/status", { headers }), undefined);
    const none = await ask();
    expect(none.status).toBe(401);
    expect(await none.text()).not.toContain(moved);
    const ok = await ask({ cookie: await viewerCookie() });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect(await ok.json()).toEqual({ latestChangeAt: moved });
  });
});
