// GET /api/v1/fleet (DESIGN.md "The CLI"): the matrix for `reloadscope status`, with a read token.
// The drift in its answer is the matrix's (getFleetMatrix → assessResourceDrift), not a copy.
import { beforeEach, describe, expect, test } from "vitest";
import { GET as fleetRoute } from "@/app/api/v1/fleet/route";
import { createIngestToken } from "@/lib/api/token-admin";
import { resetTokenAuth } from "@/lib/api/tokens";
import { acceptEvents, event, minutesAgo } from "../support/ingest-client";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();
beforeEach(() => resetTokenAuth());

async function ask(query = "", token: string | null = TEST_TOKEN) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fleetRoute(new Request(`http://127.0.0.1/api/v1/fleet${query}`, { headers }), undefined);
  return { status: response.status, body: await response.json() };
}

async function twoServices() {
  // checkout-api: two instances on two versions for 30 minutes (drifting); ledger: one version.
  await acceptEvents([
    event({ instance: "checkout-1", toVersion: "v1", occurredAt: minutesAgo(30) }),
    event({ instance: "checkout-2", toVersion: "v2", occurredAt: minutesAgo(30) }),
    event({ instance: "checkout-1", toVersion: "v1", occurredAt: minutesAgo(1) }),
    event({ instance: "checkout-2", toVersion: "v2", occurredAt: minutesAgo(1) }),
    event({
      namespace: "finance",
      service: "ledger",
      instance: "ledger-1",
      kind: "model",
      resource: "risk",
      toVersion: "m7",
      occurredAt: minutesAgo(1),
    }),
  ]);
}

describe("GET /api/v1/fleet", () => {
  test("answers services × kind × resource with versions, desired version and drift", async () => {
    await twoServices();
    const { status, body } = await ask();
    expect(status).toBe(200);
    expect(body.page).toBe(1);
    expect(body.pageCount).toBe(1);
    expect(body.totals).toMatchObject({ matching: 2, drifting: 1, instances: 3 });
    // The matrix's order: environment, namespace (finance before payments), name.
    expect(body.services.map((s: { service: string }) => s.service)).toEqual(["ledger", "checkout-api"]);
    const [ledger, checkout] = body.services;
    expect(checkout).toMatchObject({
      environment: "prod",
      namespace: "payments",
      service: "checkout-api",
      instances: 2,
      drifting: true,
    });
    expect(checkout.resources).toHaveLength(1);
    expect(checkout.resources[0]).toMatchObject({
      kind: "config",
      resource: "routes.yaml",
      desiredVersion: null,
      versions: [
        { version: "v1", instances: 1, desired: false },
        { version: "v2", instances: 1, desired: false },
      ],
      drifting: true,
      driftReasons: ["mixed_versions"],
      failed: 0,
      nacked: 0,
    });
    expect(checkout.resources[0].driftingForMs).toBeGreaterThan(20 * 60_000);
    expect(ledger).toMatchObject({ namespace: "finance", drifting: false });
    expect(ledger.resources[0]).toMatchObject({
      kind: "model",
      resource: "risk",
      versions: [{ version: "m7", instances: 1 }],
      drifting: false,
      driftingForMs: null,
    });
  });

  test("drifting=1 keeps the drifting services; environment, namespace and kind narrow it", async () => {
    await twoServices();
    expect((await ask("?drifting=1")).body.services.map((s: { service: string }) => s.service)).toEqual([
      "checkout-api",
    ]);
    expect((await ask("?namespace=finance")).body.services.map((s: { service: string }) => s.service)).toEqual([
      "ledger",
    ]);
    expect((await ask("?kind=model")).body.services.map((s: { service: string }) => s.service)).toEqual(["ledger"]);
    expect((await ask("?environment=staging")).body.services).toEqual([]);
  });

  test("an unknown or malformed parameter is a 400 naming it", async () => {
    const unknown = await ask("?env=prod");
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^env: unknown parameter/);
    const flag = await ask("?drifting=yes");
    expect(flag.status).toBe(400);
    expect(flag.body.message).toMatch(/^drifting: /);
    const page = await ask("?page=0");
    expect(page.status).toBe(400);
    expect(page.body.message).toMatch(/^page: /);
  });

  test("no token is 401, an ingest-only token 403, a restricted token 403 naming its restriction", async () => {
    await twoServices();
    expect((await ask("", null)).status).toBe(401);
    const ingestOnly = (await createIngestToken("sender", ["ingest"])).token;
    expect((await ask("", ingestOnly)).status).toBe(403);
    const restricted = (await createIngestToken("payments", ["read"], undefined, ["prod/payments/*"])).token;
    const refused = await ask("", restricted);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain("prod/payments/*");
    expect(JSON.stringify(refused.body)).not.toContain("ledger");
  });
});
