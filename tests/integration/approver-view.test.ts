// The approver's view of a requested change (the approver's job, DESIGN.md), read through the query modules:
// the queue's card and the request's page both carry the operator's pre-flight read again now
// (instances in scope, the version each runs, which never ran the target), the drift now, and
// whether the target version was ever reported anywhere.
import { beforeEach, describe, expect, test } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { runAsReader } from "@/lib/auth/require-actor";
import { sql, transaction } from "@/lib/db/client";
import { createRequest } from "@/lib/requests/create-request";
import { getApprovalQueue, getRequestDetail } from "@/lib/requests/queries";
import { requestInputSchema } from "@/lib/requests/request-input";
import { acceptEvents, allAcked, event, heartbeatsOn, minutesAgo, scopedReload } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const PROD = { environment: "prod", namespace: "payments", service: "checkout-api" };
const STAGING = { environment: "staging", namespace: "payments", service: "checkout-api" };
const PODS = ["checkout-api-1", "checkout-api-2", "checkout-api-3", "checkout-api-4"];
let serviceId: number;
let olga: Actor;
let abe: Actor;

beforeEach(async () => {
  // v0 reached pods 1 and 2 an hour ago; v1 reached every pod half an hour ago and is desired.
  await acceptEvents(
    scopedReload(PROD, "rl-v0", "config", "routes.yaml", "vnone", "v0", 60, {
      "checkout-api-1": "acked",
      "checkout-api-2": "acked",
    }),
  );
  await acceptEvents(scopedReload(PROD, "rl-v1", "config", "routes.yaml", "v0", "v1", 30, allAcked(PODS)));
  await acceptEvents(heartbeatsOn(PROD, PODS, "v1"));
  // Staging runs v3 (reported by heartbeat only).
  await acceptEvents([
    event({
      ...STAGING,
      instance: "checkout-api-s1",
      kind: "config",
      resource: "routes.yaml",
      phase: "heartbeat",
      toVersion: "v3",
      occurredAt: minutesAgo(1),
    }),
  ]);
  [{ id: serviceId }] = (await sql().query<{ id: number }[]>(
    `SELECT id FROM service WHERE name = $1 AND environment = 'prod'`,
    PROD.service,
  )) as [{ id: number }];
  const users = await sql().query<{ id: number; username: string; role: string }[]>(
    `INSERT INTO app_user (username, role, groups) VALUES ('olga', 'operator', '{}'), ('abe', 'approver', '{}') RETURNING id, username, role`,
  );
  const actor = (name: string): Actor => {
    const u = users.find((x) => x.username === name)!;
    return { id: u.id, username: u.username, displayName: u.username, role: u.role as Actor["role"], groups: [] };
  };
  olga = actor("olga");
  abe = actor("abe");
});

async function requestOf(toVersion: string, action: "reload" | "rollback" = "reload"): Promise<string> {
  const input = requestInputSchema.parse({
    serviceId,
    kind: "config",
    resource: "routes.yaml",
    toVersion,
    scope: "all",
    reason: "e2e",
  });
  return (await transaction((tx) => createRequest(tx, olga, input, action))).data.requestId;
}

const asAbe = <T>(work: () => Promise<T>) => runAsReader({ kind: "user", actor: abe }, work);
const card = async (requestId: string) =>
  (await asAbe(() => getApprovalQueue(abe))).find((item) => item.id === requestId)!;

describe("the approver's view of a change", () => {
  test("a version never reported anywhere is said so, and every instance in scope is listed with what it runs now", async () => {
    const requestId = await requestOf("v2");
    const item = await card(requestId);
    expect(item.preview.neverReported).toBe(true);
    expect(item.preview.warning).toBe(
      "v2 was never reported by any instance of any service: this would be its first rollout, so nothing shows it runs.",
    );
    expect(item.preview.preflight.rows.map((r) => [r.instance, r.version, r.moves, r.everAcked])).toEqual(
      PODS.map((p) => [p, "v1", true, false]),
    );
    expect(item.preview).toMatchObject({ total: 4, shown: 4, preflight: { moving: 4, movingUnconfirmed: 4 } });
    expect(item.drift).toMatchObject({ drifting: false, livePairs: 4, versionCount: 1 });
  });

  test("a rollback names which movers never ran the version, and where it was reported", async () => {
    const requestId = await requestOf("v0", "rollback");
    const item = await card(requestId);
    expect(item.preview.neverReported).toBe(false);
    expect(item.preview.reportedOn).toEqual([{ service: "prod / payments / checkout-api", serviceId }]);
    expect(item.preview.preflight.rows.map((r) => [r.instance, r.everAcked])).toEqual([
      ["checkout-api-1", true],
      ["checkout-api-2", true],
      ["checkout-api-3", false],
      ["checkout-api-4", false],
    ]);
    expect(item.preview.warning).toBe("2 instances of the 4 that would move never ran v0.");
  });

  test("a version another service runs is not a first rollout; a heartbeat counts as running it", async () => {
    const requestId = await requestOf("v3");
    const item = await card(requestId);
    expect(item.preview.neverReported).toBe(false);
    expect(item.preview.reportedOn.map((r) => r.service)).toEqual(["staging / payments / checkout-api"]);
    expect(item.preview.warning).toBe("4 instances of the 4 that would move never ran v3.");
  });

  test("the request's page carries at least what the card does: the same pre-flight and drift, the policy, the decisions", async () => {
    const requestId = await requestOf("v2");
    const item = await card(requestId);
    const detail = (await asAbe(() => getRequestDetail(requestId)))!;
    expect(detail.preview).toEqual(item.preview);
    expect(detail.drift).toEqual(item.drift);
    expect(detail.policy).toEqual(item.policy);
    expect(detail.targetKeys).toEqual(PODS);
    expect(detail.decisions).toEqual([]);
  });
});
