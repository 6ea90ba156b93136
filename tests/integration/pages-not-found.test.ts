// A real 404 for an unknown service and no 500 for a malformed path. The status itself
// is checked against the built app in tests/e2e/pages.test.ts; here, the pieces that decide it, and
// the proxy's sign-in gate.
import {
  isHTTPAccessFallbackError,
  getAccessFallbackHTTPStatus,
} from "next/dist/client/components/http-access-fallback/http-access-fallback";
import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { describe, expect, test } from "vitest";
import ServiceLayout from "@/app/(dashboard)/services/[id]/layout";
import { REQUESTED_PATH_HEADER } from "@/lib/auth/gate";
import { db } from "@/lib/db/client";
import { proxy, config as proxyConfig } from "@/proxy";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { asViewer } from "../support/readers";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

async function statusOf(id: string): Promise<number> {
  try {
    await asViewer(() => ServiceLayout({ params: Promise.resolve({ id }), children: "the page" }));
    return 200;
  } catch (error) {
    if (isHTTPAccessFallbackError(error)) return getAccessFallbackHTTPStatus(error);
    throw error;
  }
}

describe("the service layout settles existence before the page streams", () => {
  test("a known service renders its page", async () => {
    expect((await postEvents([event({ occurredAt: minutesAgo(5) })])).status).toBe(200);
    const { id } = await db().service.findFirstOrThrow({});
    expect(
      await asViewer(() => ServiceLayout({ params: Promise.resolve({ id: String(id) }), children: "the page" })),
    ).toBe("the page");
  });

  test.each(["999999", "0", "not-a-number", "1.5", "-1", "2147483648", "99999999999999999999", "%"])(
    "%j is not found (404)",
    async (id) => {
      expect(await statusOf(id)).toBe(404);
    },
  );

  // Next renders the boundary one segment above the layout that threw: the file must live there.
  test("the not-found boundary sits above the [id] segment", async () => {
    const { existsSync } = await import("node:fs");
    expect(existsSync("app/(dashboard)/services/not-found.tsx")).toBe(true);
    expect(existsSync("app/(dashboard)/services/[id]/not-found.tsx")).toBe(false);
  });
});

describe("proxy: malformed percent-encoding is a 400, not a 500", () => {
  test.each(["/services/%", "/services/%E0%A4%A", "/services/%zz", "/services/1/%", "/reloads/%"])(
    "%s → 400",
    async (path) => {
      const response = await proxy(new NextRequest(`http://127.0.0.1${path}`));
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("percent-encoding");
    },
  );

  test.each(["/services/12", "/services/not-a-number", "/services/%C3%A9", "/services/1?page=%"])(
    "%s passes on (signed in)",
    async (path) => {
      const response = await proxy(
        new NextRequest(`http://127.0.0.1${path}`, { headers: { cookie: await sessionCookie() } }),
      );
      expect(response.headers.get("x-middleware-next")).toBe("1");
    },
  );

  test("machine endpoints stay out of the proxy", async () => {
    // The matcher as Next itself evaluates it (its testing helper needs AsyncLocalStorage on
    // globalThis, as Next's server sets up).
    (globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage ??= (
      await import("node:async_hooks")
    ).AsyncLocalStorage;
    const { unstable_doesMiddlewareMatch } = await import("next/experimental/testing/server");
    const matches = (url: string) => unstable_doesMiddlewareMatch({ config: proxyConfig, url });
    for (const url of [
      "/api/v1/events",
      "/api/v1/reloads?limit=1",
      "/v1/traces",
      "/api/metrics",
      "/api/auth/csrf",
      "/api/auth/callback/credentials",
      "/_next/static/chunk.js",
    ]) {
      expect(matches(url), url).toBe(false);
    }
    for (const url of ["/", "/fleet", "/services/1", "/reloads/abc", "/replay?at=x", "/sign-in", "/audit"]) {
      expect(matches(url), url).toBe(true);
    }
  });
});

describe("proxy: the sign-in gate (a courtesy; requireReader() in the query modules decides, docs/adr/0017)", () => {
  test.each([
    ["/fleet", "/sign-in?callbackUrl=%2Ffleet"],
    ["/services/12?page=2", "/sign-in?callbackUrl=%2Fservices%2F12%3Fpage%3D2"],
    ["/", "/sign-in?callbackUrl=%2F"],
  ])("signed out, GET %s goes to %s", async (path, location) => {
    const response = await proxy(new NextRequest(`http://127.0.0.1${path}`));
    expect(response.status).toBe(307);
    const target = new URL(response.headers.get("location")!);
    expect(`${target.pathname}${target.search}`).toBe(location);
  });

  test("a forged or foreign session cookie is no session", async () => {
    const foreign = await encode({
      token: { sub: "1", uid: 1 },
      secret: "another-secret-another-secret-another-secret",
    });
    for (const cookie of ["next-auth.session-token=abc", `next-auth.session-token=${foreign}`]) {
      const response = await proxy(new NextRequest("http://127.0.0.1/fleet", { headers: { cookie } }));
      expect(response.status).toBe(307);
    }
  });

  test.each([
    ["GET", "/sign-in?callbackUrl=%2Ffleet", {}],
    ["POST", "/fleet", { "next-action": "0123abcd" }], // a server action answers "sign in first" and audits the attempt itself
    ["GET", "/reloads/abc/progress", {}], // answers 401 JSON itself
  ])("signed out, %s %s passes on", async (method, path, headers) => {
    const response = await proxy(new NextRequest(`http://127.0.0.1${path}`, { method, headers }));
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });

  // Next renders a page for any method: a gate on GET alone sent the matrix in the body of the redirect.
  test.each(["POST", "PUT", "PATCH", "DELETE"])(
    "signed out, %s /fleet (no action header) is a 303 to sign-in with an empty body",
    async (method) => {
      const response = await proxy(
        new NextRequest("http://127.0.0.1/fleet", {
          method,
          body: "{}",
          headers: { "content-type": "application/json" },
        }),
      );
      expect(response.status).toBe(303);
      expect(new URL(response.headers.get("location")!).pathname).toBe("/sign-in");
      expect(await response.text()).toBe("");
    },
  );

  test("signed out, an RSC request for a page is sent to sign-in too", async () => {
    const response = await proxy(new NextRequest("http://127.0.0.1/reloads/12", { headers: { rsc: "1" } }));
    expect(response.status).toBe(307);
    expect(await response.text()).toBe("");
  });

  test("the requested path reaches the layout in a header the client cannot set", async () => {
    const request = new NextRequest("http://127.0.0.1/reloads?status=failed", {
      headers: { cookie: await sessionCookie(), [REQUESTED_PATH_HEADER]: "//evil.example" },
    });
    const response = await proxy(request);
    expect(response.headers.get(`x-middleware-request-${REQUESTED_PATH_HEADER}`)).toBe("/reloads?status=failed");
  });
});

/** A session cookie signed with the test's NEXTAUTH_SECRET, as next-auth sets it after sign-in. */
async function sessionCookie(): Promise<string> {
  process.env.NEXTAUTH_SECRET ??= "integration-test-secret-integration-test-secret";
  // The proxy reads only the JWT (no database): a session id and a sign-in time within the lifetime.
  const session = { sid: "00000000-0000-4000-8000-000000000001", signedInAt: Math.floor(Date.now() / 1000) };
  const token = await encode({
    token: { sub: "1", uid: 1, role: "viewer", ...session },
    secret: process.env.NEXTAUTH_SECRET,
  });
  return `next-auth.session-token=${token}`;
}
