// The operator's request and rollback forms as the service page reads them (DESIGN.md "Roles"):
// "roll back to this" on a history row reads the pre-flight for that row's version (never the
// desired one, never one the resource did not run), and a request just made marks its
// resource as waiting.
import { beforeEach, describe, expect, test } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { sql, transaction } from "@/lib/db/client";
import { createRequest } from "@/lib/requests/create-request";
import { getRequestFormData } from "@/lib/requests/queries";
import { requestInputSchema } from "@/lib/requests/request-input";
import { acceptEvents, event, minutesAgo, scopedReload } from "../support/ingest-client";
import { asViewer } from "../support/readers";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const PROD = { environment: "prod", namespace: "payments", service: "checkout-api" };
const PODS = ["checkout-api-1", "checkout-api-2", "checkout-api-3", "checkout-api-4"];
const all = Object.fromEntries(PODS.map((p) => [p, "acked" as const]));
let serviceId: number;

beforeEach(async () => {
  await acceptEvents(scopedReload(PROD, "rl-va", "config", "routes.yaml", "vnone", "va", 90, all));
  await acceptEvents(
    scopedReload(PROD, "rl-v0", "config", "routes.yaml", "va", "v0", 60, {
      "checkout-api-1": "acked",
      "checkout-api-2": "acked",
    }),
  );
  await acceptEvents(scopedReload(PROD, "rl-v1", "config", "routes.yaml", "v0", "v1", 30, all));
  await acceptEvents(
    PODS.map((instance) =>
      event({ ...PROD, instance, phase: "heartbeat", toVersion: "v1", occurredAt: minutesAgo(1) }),
    ),
  );
  [{ id: serviceId }] = (await sql().query<{ id: number }[]>(
    `SELECT id FROM service WHERE name = $1`,
    PROD.service,
  )) as [{ id: number }];
});

const focus = { kind: "config", resource: "routes.yaml" };
const form = (rollbackTo?: string) => asViewer(() => getRequestFormData(serviceId, { focus, rollbackTo }));

describe("roll back to this", () => {
  test("the pre-flight is read for the row's version", async () => {
    const data = (await form("va"))!;
    expect(data.resources[0]!.rollback).toMatchObject({ version: "v0" });
    expect(data.preflight).toMatchObject({
      key: "config/routes.yaml",
      preflight: { version: "va", moving: 4, movingUnconfirmed: 0 },
    });
  });

  test.each([
    ["the desired version", "v1"],
    ["a version the resource never ran", "v9"],
  ])("%s falls back to the proposal", async (_, version) => {
    const data = (await form(version))!;
    expect(data.preflight?.preflight).toMatchObject({ version: "v0", moving: 4, movingUnconfirmed: 2 });
  });
});

describe("after a request", () => {
  test("its resource shows the request waiting for approval", async () => {
    expect((await form())!.resources[0]!.openRequest).toBeNull();
    const [u] = await sql().query<{ id: number }[]>(
      `INSERT INTO app_user (username, role) VALUES ('olga', 'operator') RETURNING id`,
    );
    const olga: Actor = { id: u!.id, username: "olga", displayName: "olga", role: "operator", groups: [] };
    const input = requestInputSchema.parse({ serviceId, ...focus, toVersion: "v0", scope: "all", reason: "back" });
    const { requestId } = (await transaction((tx) => createRequest(tx, olga, input, "rollback"))).data;
    expect((await form())!.resources[0]!.openRequest).toEqual({ id: requestId, status: "pending_approval" });
  });
});
