// GET /api/replay: the route handler the player fetches each instant from (the page sends
// its session; a script sends a read token — here, the suite's INGEST_TOKEN).
import { describe, expect, test } from "vitest";
import { GET } from "@/app/api/replay/route";
import { encode } from "next-auth/jwt";
import { createIngestToken } from "@/lib/api/token-admin";
import { createLocalUser } from "@/lib/auth/users";
import { sql } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { sessionCookieFor } from "../support/session-cookie";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

const get = async (query: string, authorization: string | null = `Bearer ${TEST_TOKEN}`) => {
  const response = await GET(
    new Request(`http://127.0.0.1/api/replay${query}`, { headers: authorization ? { authorization } : {} }),
    undefined,
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("GET /api/replay", () => {
  test("answers the matrix at the instant, with the version then", async () => {
    await postEvents([
      event({ toVersion: "v1", occurredAt: minutesAgo(40) }),
      event({ toVersion: "v2", occurredAt: minutesAgo(10) }),
    ]);
    const then = await get(`?at=${encodeURIComponent(minutesAgo(20))}`);
    const now = await get(`?at=${encodeURIComponent(minutesAgo(0))}`);
    expect(then.status).toBe(200);
    const versions = (b: Record<string, unknown>) => JSON.stringify(b.matrix).match(/"version":"(v\d)"/g);
    expect(versions(then.body)).toEqual(['"version":"v1"']);
    expect(versions(now.body)).toEqual(['"version":"v2"']);
    expect(then.body.basis).toMatchObject({ snapshotAt: null, eventsFolded: 1 });
  });

  test.each([
    ["", "at: is required"],
    ["?at=tomorrow", "at: must be an RFC 3339 instant"],
    ["?at=2999-01-01T00:00:00Z", "at: is in the future"],
    ["?at=2000-01-01T00:00:00Z", "at: is older than the retention window (30 days)"],
    [`?at=${encodeURIComponent(new Date().toISOString())}&page=0`, "page:"],
  ])("%s is a 400 naming the parameter", async (query, message) => {
    const answer = await get(query);
    expect(answer.status).toBe(400);
    expect(String(answer.body.message)).toContain(message);
  });

  test("without a session or a read token: 401; a token without the read scope: 403", async () => {
    const at = `?at=${encodeURIComponent(minutesAgo(1))}`;
    expect((await get(at, null)).status).toBe(401);
    expect((await get(at, "Bearer rs_nosuchtoken_0000000000000000000000")).status).toBe(401);
    const { token } = await createIngestToken("ingest only", ["ingest"]);
    const refused = await get(at, `Bearer ${token}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("insufficient_scope");
  });

  test("a token restricted to some services may not read the whole fleet's replay: 403 naming its restriction", async () => {
    await postEvents([event({ toVersion: "v1", occurredAt: minutesAgo(10) })]);
    const { token } = await createIngestToken("payments only", ["read"], undefined, ["prod/payments/*"]);
    const refused = await get(`?at=${encodeURIComponent(minutesAgo(1))}`, `Bearer ${token}`);
    expect(refused.status).toBe(403);
    expect(String(refused.body.message)).toContain("prod/payments/*");
    expect(JSON.stringify(refused.body)).not.toContain("matrix");
  });

  test("a signed-in user's session cookie reads; a disabled user's, or one signed with another secret, does not", async () => {
    process.env.NEXTAUTH_SECRET ??= "integration-test-secret-integration-test-secret";
    resetEnvCache();
    const id = await createLocalUser({ username: "vera", password: "vera-password-1", role: "viewer" });
    const cookie = await sessionCookieFor(id);
    const at = `?at=${encodeURIComponent(minutesAgo(1))}`;
    const withCookie = (c: string) =>
      GET(new Request(`http://127.0.0.1/api/replay${at}`, { headers: { cookie: c } }), undefined);
    expect((await withCookie(cookie)).status).toBe(200);
    const forged = `next-auth.session-token=${await encode({ token: { sub: String(id), uid: id }, secret: "another-secret-another-secret-another" })}`;
    expect((await withCookie(forged)).status).toBe(401);
    await sql().execute(`UPDATE app_user SET disabled_at = now() WHERE id = $1`, id);
    expect((await withCookie(cookie)).status).toBe(401);
  });
});
