// What an ingest token may write and read (DESIGN.md "Roles", docs/adr/0006). Restricted tokens
// (environment/service patterns) on events, spans and the read API; the sending token
// recorded on each event and shown in its details and the evidence bundle; control-plane
// phases of reloads Reloadscope requested refused from ingest tokens.
import { beforeEach, describe, expect, test } from "vitest";
import { GET as getReloadRoute } from "@/app/api/v1/reloads/[key]/route";
import { GET as listReloadsRoute } from "@/app/api/v1/reloads/route";
import { POST as postTraces } from "@/app/v1/traces/route";
import { listTokens } from "@/lib/admin/queries";
import { createTokenInput } from "@/lib/admin/schemas";
import { createIngestToken } from "@/lib/api/token-admin";
import { ENV_TOKEN_NAME, resetTokenAuth } from "@/lib/api/tokens";
import { getEvidenceBundle } from "@/lib/audit/evidence";
import { sql } from "@/lib/db/client";
import { getReloadTimelineData } from "@/lib/reloads/timeline-queries";
import { ingestControlEvents } from "@/lib/worker/control-events";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";
import { asAdmin, asViewer } from "../support/readers";

useTestDatabase();
beforeEach(() => {
  resetTokenAuth();
});

const CHECKOUT = { environment: "prod", namespace: "payments", service: "checkout-api" };
const LEDGER = { environment: "prod", namespace: "finance", service: "ledger" };
const STAGING = { environment: "staging", namespace: "payments", service: "checkout-api" };
const EDGE = { environment: "prod", namespace: null, service: "edge" };

async function restrictedToken(patterns: string[], name = "payments pipeline") {
  return createIngestToken(name, ["ingest", "read"], undefined, patterns);
}

async function storedEvents(): Promise<{ id: string; token_id: number | null; environment: string; name: string }[]> {
  return sql().query(
    `SELECT e.id, e.token_id, s.environment, s.name FROM reload_event e JOIN service s ON s.id = e.service_id ORDER BY e.id`,
  );
}

async function services(): Promise<string[]> {
  return (
    await sql().query<{ label: string }[]>(
      `SELECT environment || '/' || namespace || '/' || name AS label FROM service ORDER BY 1`,
    )
  ).map((r) => r.label);
}

describe("events outside a token's restrictions", () => {
  test("are refused one by one with a reason naming the service; nothing of them is written", async () => {
    const { token } = await restrictedToken(["prod/payments/*", "prod//edge"]);
    const answer = await postEvents(
      [
        event({ ...CHECKOUT, id: "in-1" }),
        event({ ...LEDGER, id: "out-1", instance: "ledger-1" }),
        event({ ...STAGING, id: "out-2" }),
        event({ ...EDGE, id: "in-2", instance: "edge-1" }),
      ],
      { token },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [
        { index: 1, reason: "service: this token may not write prod/finance/ledger" },
        { index: 2, reason: "service: this token may not write staging/payments/checkout-api" },
      ],
    });
    expect((await storedEvents()).map((e) => e.id)).toEqual(["in-1", "in-2"]);
    // No service, instance or id claim for what was refused.
    expect(await services()).toEqual(["prod//edge", "prod/payments/checkout-api"]);
    const [claims] = await sql().query<{ n: number }[]>(`SELECT count(*)::int AS n FROM reload_event_id`);
    expect(claims!.n).toBe(2);
  });

  test("a batch wholly outside → 400 with every reason", async () => {
    const { token } = await restrictedToken(["staging/*"]);
    const answer = await postEvents([event({ ...CHECKOUT })], { token });
    expect(answer.status).toBe(400);
    expect(answer.body.rejected).toEqual([
      { index: 0, reason: "service: this token may not write prod/payments/checkout-api" },
    ]);
    expect(await storedEvents()).toEqual([]);
  });

  test("spans outside are refused in partialSuccess with the reason, and neither they nor their reload events are stored", async () => {
    const { token } = await restrictedToken(["prod/payments/*"]);
    const start = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
    const resource = (environment: string, namespace: string, name: string) => ({
      attributes: [
        { key: "service.name", value: { stringValue: name } },
        { key: "service.namespace", value: { stringValue: namespace } },
        { key: "deployment.environment.name", value: { stringValue: environment } },
        { key: "service.instance.id", value: { stringValue: `${name}-pod-1` } },
      ],
    });
    const span = (n: number) => ({
      traceId: `5b8efff798038103d269b633813fc7${String(n).padStart(2, "0")}`,
      spanId: `eee19b7ec3c1b2${String(n).padStart(2, "0")}`,
      name: "reload.applied",
      kind: 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 5_000_000n).toString(),
      attributes: [
        { key: "reload.id", value: { stringValue: `rl-span-${n}` } },
        { key: "reload.kind", value: { stringValue: "config" } },
        { key: "reload.resource", value: { stringValue: "routes.yaml" } },
        { key: "reload.version.to", value: { stringValue: "v2" } },
      ],
    });
    const body = {
      resourceSpans: [
        {
          resource: resource("prod", "payments", "checkout-api"),
          scopeSpans: [{ scope: { name: "t" }, spans: [span(1)] }],
        },
        { resource: resource("prod", "finance", "ledger"), scopeSpans: [{ scope: { name: "t" }, spans: [span(2)] }] },
      ],
    };
    const response = await postTraces(
      new Request("http://127.0.0.1/v1/traces", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }),
    );
    expect(response.status).toBe(200);
    const { partialSuccess } = (await response.json()) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(partialSuccess.rejectedSpans).toBe("1");
    expect(partialSuccess.errorMessage).toContain("(#1): service: this token may not write prod/finance/ledger");
    const spans = await sql().query<{ span_id: string }[]>(`SELECT span_id FROM span ORDER BY span_id`);
    expect(spans.map((s) => s.span_id)).toEqual([span(1).spanId]);
    expect((await storedEvents()).map((e) => [e.name, e.token_id !== null])).toEqual([["checkout-api", true]]);
    expect(await services()).toEqual(["prod/payments/checkout-api"]);
  });
});

describe("the sending token", () => {
  test("is recorded on each event: the token's id, none for what the app wrote itself", async () => {
    const created = await restrictedToken(["prod/*"], "deploy bot");
    expect((await postEvents([event({ ...CHECKOUT, id: "by-token" })], { token: created.token })).status).toBe(200);
    await ingestControlEvents({
      events: [
        event({ ...CHECKOUT, id: "by-app", instance: null, reloadId: "rl-app", phase: "requested", toVersion: "v2" }),
      ],
    });
    expect((await storedEvents()).map((e) => [e.id, e.token_id])).toEqual([
      ["by-app", null],
      ["by-token", created.id],
    ]);
  });

  test("is shown in the event's details on the timeline and in the evidence bundle, by name and prefix, never its hash", async () => {
    const created = await restrictedToken(["prod/payments/*"], "deploy bot");
    const control = { ...CHECKOUT, reloadId: "rl-sent", kind: "config", resource: "routes.yaml", toVersion: "v2" };
    await ingestControlEvents({
      events: [
        event({ ...control, id: "app-requested", instance: null, phase: "requested", occurredAt: minutesAgo(10) }),
      ],
    });
    expect(
      (
        await postEvents(
          [
            event({
              ...control,
              id: "pod-applied",
              instance: "checkout-api-1",
              phase: "applied",
              occurredAt: minutesAgo(9),
            }),
          ],
          { token: created.token },
        )
      ).status,
    ).toBe(200);
    const [reload] = await sql().query<{ key: string }[]>(
      `SELECT id::text AS key FROM reload WHERE reload_id = 'rl-sent'`,
    );

    const timeline = await asViewer(() => getReloadTimelineData(reload!.key));
    const sentBy = Object.fromEntries(timeline!.events.map((e) => [e.id, e.sentBy]));
    expect(sentBy).toEqual({ "app-requested": "Reloadscope", "pod-applied": `token “deploy bot” (${created.prefix})` });

    const bundle = await asViewer(() => getEvidenceBundle(reload!.key, { username: "test-viewer", role: "viewer" }));
    const text = JSON.stringify(bundle);
    const events = [...bundle!.controlPlaneEvents, ...bundle!.instances.flatMap((i) => i.events)];
    expect(Object.fromEntries(events.map((e) => [e.id, e.sentBy]))).toEqual(sentBy);
    const [row] = await sql().query<{ token_hash: string }[]>(
      `SELECT token_hash FROM ingest_token WHERE id = $1`,
      created.id,
    );
    expect(text).not.toContain(row!.token_hash);
    expect(text).not.toContain(created.token);
  });
});

describe("control-plane phases of reloads Reloadscope requested", () => {
  async function appRequest(reloadId: string) {
    const [user] = await sql().query<{ id: number }[]>(
      `INSERT INTO app_user (username, role) VALUES ('op-' || $1, 'operator') RETURNING id`,
      reloadId,
    );
    const [svc] = await sql().query<{ id: number }[]>(
      `INSERT INTO service (environment, namespace, name) VALUES ('prod', 'payments', 'checkout-api')
       ON CONFLICT (environment, namespace, name) DO UPDATE SET name = excluded.name RETURNING id`,
    );
    await sql().execute(
      `INSERT INTO reload_request (reload_id, service_id, action, kind, resource, to_version, scope, targets, reason, requested_by,
                                   expires_at, change_hash, required_approvals, status)
       VALUES ($1, $2, 'reload', 'config', 'routes.yaml', 'v2', '{"mode":"all"}', '{}', 'test', $3, now() + interval '1 hour', 'h', 1, 'pending_approval')`,
      reloadId,
      svc!.id,
      user!.id,
    );
  }
  const control = (reloadId: string, overrides: Record<string, unknown>) =>
    event({
      ...CHECKOUT,
      reloadId,
      kind: "config",
      resource: "routes.yaml",
      toVersion: "v2",
      instance: null,
      initiator: "someone",
      ...overrides,
    });

  test("are refused from an ingest token, with a reason; the reload's instances still report", async () => {
    await appRequest("rs-20261207-1-abcdef");
    const answer = await postEvents(
      [
        control("rs-20261207-1-abcdef", { phase: "approved" }),
        control("rs-20261207-1-abcdef", { phase: "rejected", error: "no" }),
        control("rs-20261207-1-abcdef", { phase: "requested" }),
        control("rs-20261207-1-abcdef", { phase: "dispatched" }),
        control("rs-20261207-1-abcdef", { phase: "failed", error: "delivery failed" }),
        control("rs-20261207-1-abcdef", { phase: "applied", instance: "checkout-api-1" }),
        control("rs-20261207-1-abcdef", { phase: "failed", instance: "checkout-api-2", error: "parse error" }),
        // a reload the app did not request: the pipeline's own control plane
        control("rl-pipeline", { phase: "approved" }),
      ],
      { token: TEST_TOKEN },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(3);
    expect(answer.body.rejected).toEqual(
      [
        [0, "approved"],
        [1, "rejected"],
        [2, "requested"],
        [3, "dispatched"],
        [4, "failed"],
      ].map(([index, phase]) => ({
        index,
        reason: `phase: ${phase} events of a reload requested in Reloadscope are written by Reloadscope only`,
      })),
    );
    const phases = await sql().query<{ reload_id: string; phase: string }[]>(
      `SELECT reload_id, phase FROM reload_event ORDER BY reload_id, phase`,
    );
    expect(phases).toEqual([
      { reload_id: "rl-pipeline", phase: "approved" },
      { reload_id: "rs-20261207-1-abcdef", phase: "applied" },
      { reload_id: "rs-20261207-1-abcdef", phase: "failed" },
    ]);
  });

  test("are written by the app itself (the control-events job)", async () => {
    await appRequest("rs-20261207-2-abcdef");
    const stored = await ingestControlEvents({
      events: [control("rs-20261207-2-abcdef", { phase: "approved", initiator: "approver" })],
    });
    expect(stored).toEqual({ accepted: 1, duplicates: 0 });
  });
});

describe("reads of a restricted token", () => {
  async function seed() {
    const reload = (svc: Record<string, unknown>, reloadId: string) => {
      const base = { ...svc, reloadId, kind: "config", resource: "routes.yaml", toVersion: "v2" };
      return [
        event({ ...base, instance: null, phase: "requested", occurredAt: minutesAgo(10) }),
        event({ ...base, instance: `${String(svc.service)}-1`, phase: "acked", occurredAt: minutesAgo(9) }),
      ];
    };
    const answer = await postEvents([
      ...reload(CHECKOUT, "rl-1"),
      ...reload(LEDGER, "rl-1"),
      ...reload(STAGING, "rl-2"),
      ...reload(EDGE, "rl-3"),
    ]);
    expect(answer.status).toBe(200);
    const rows = await sql().query<{ key: string; label: string }[]>(
      `SELECT r.id::text AS key, s.environment || '/' || s.namespace || '/' || s.name AS label FROM reload r JOIN service s ON s.id = r.service_id`,
    );
    return Object.fromEntries(rows.map((r) => [r.label, r.key]));
  }

  async function list(token: string, query = "") {
    const response = await listReloadsRoute(
      new Request(`http://127.0.0.1/api/v1/reloads${query}`, { headers: { authorization: `Bearer ${token}` } }),
      undefined,
    );
    const body = (await response.json()) as {
      items: { environment: string; namespace: string | null; service: string }[];
    };
    return body.items.map((i) => `${i.environment}/${i.namespace ?? ""}/${i.service}`).sort();
  }

  async function one(token: string, key: string) {
    const response = await getReloadRoute(
      new Request(`http://127.0.0.1/api/v1/reloads/${key}`, { headers: { authorization: `Bearer ${token}` } }),
      {
        params: Promise.resolve({ key }),
      },
    );
    return response.status;
  }

  test("the list answers only the services the token may see; an unrestricted token sees all", async () => {
    await seed();
    expect(await list(TEST_TOKEN)).toEqual([
      "prod//edge",
      "prod/finance/ledger",
      "prod/payments/checkout-api",
      "staging/payments/checkout-api",
    ]);
    expect(await list((await restrictedToken(["prod/payments/*"])).token)).toEqual(["prod/payments/checkout-api"]);
    expect(await list((await restrictedToken(["prod//*", "staging/*"])).token)).toEqual([
      "prod//edge",
      "staging/payments/checkout-api",
    ]);
    expect(await list((await restrictedToken(["prod/*"])).token, "?reloadId=rl-1")).toEqual([
      "prod/finance/ledger",
      "prod/payments/checkout-api",
    ]);
    expect(await list((await restrictedToken(["dev/*"])).token)).toEqual([]);
  });

  test("one reload outside is 404, as if it did not exist", async () => {
    const keys = await seed();
    const { token } = await restrictedToken(["prod/payments/checkout-api"]);
    expect(await one(token, keys["prod/payments/checkout-api"]!)).toBe(200);
    expect(await one(token, keys["prod/finance/ledger"]!)).toBe(404);
    expect(await one(token, keys["staging/payments/checkout-api"]!)).toBe(404);
  });
});

describe("setting restrictions", () => {
  test("the form takes one pattern a line or comma-separated, and names a bad one beside its field", () => {
    expect(
      createTokenInput.parse({ name: "ci", scopes: ["ingest"], restrictions: "prod/*,\nstaging/payments/*" }),
    ).toEqual({
      name: "ci",
      scopes: ["ingest"],
      restrictions: ["prod/*", "staging/payments/*"],
    });
    expect(createTokenInput.parse({ name: "ci", scopes: ["ingest"], restrictions: "  " })).toEqual({
      name: "ci",
      scopes: ["ingest"],
    });
    const refused = createTokenInput.safeParse({
      name: "ci",
      scopes: ["ingest"],
      restrictions: "prod/*\nprod/checkout-api",
    });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(["restrictions"]);
    expect(refused.error?.issues[0]?.message).toContain("“prod/checkout-api”: write prod//checkout-api");
  });

  test("createIngestToken refuses a bad pattern; the token list shows each token's restrictions", async () => {
    await expect(createIngestToken("bad", ["ingest"], undefined, ["prod"])).rejects.toThrow(/restrictions: “prod”/);
    await restrictedToken(["prod/*", "staging/payments/*"], "restricted one");
    const tokens = await asAdmin(() => listTokens());
    const restricted = tokens.items.find((t) => t.name === "restricted one");
    expect(restricted?.restrictions).toEqual(["prod/*", "staging/payments/*"]);
    expect(tokens.items.find((t) => t.name === ENV_TOKEN_NAME)?.restrictions).toBeNull();
  });
});
