// The demo's simulated reload endpoint: only with the demo fleet, only signed deliveries, and
// a delivery becomes received … acked per instance through the ingest path, in its trace.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, test } from "vitest";
import { POST } from "@/app/api/demo/reload-target/route";
import { sql } from "@/lib/db/client";
import { DEMO_SERVICES } from "@/lib/demo/demo-fleet";
import { ensureDemoReloadTargets } from "@/lib/demo/demo-targets";
import { seedDemoFleet } from "@/lib/demo/seed-demo";
import { nackDraw } from "@/lib/demo/simulated-target";
import { signatureHeader } from "@/lib/dispatch/signature";
import { traceparent } from "@/lib/dispatch/webhook";
import { resetEnvCache } from "@/lib/env";
import { setTarget, TARGET_SECRET, waitFor, webhookBody } from "../support/dispatch-fixtures";
import { acceptEvents, event, minutesAgo } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

process.env.SECRETS_KEY ??= randomBytes(32).toString("base64");

useTestDatabase();

const INSTANCES = ["checkout-api-1", "checkout-api-2"];

const body = (reloadId: string) => webhookBody(reloadId, INSTANCES);

function post(text: string, headers: Record<string, string>) {
  return POST(
    new Request("http://127.0.0.1/api/demo/reload-target", {
      method: "POST",
      body: text,
      headers: { "content-type": "application/json", ...headers },
    }),
  );
}

/** The headers dispatch sends: signed now (or `at`), with the body's delivery id. */
function signed(text: string, secret = TARGET_SECRET, at = new Date()): Record<string, string> {
  let delivery = "";
  try {
    delivery = (JSON.parse(text) as { deliveryId?: string }).deliveryId ?? "";
  } catch {
    // not JSON: the endpoint refuses it before the delivery id matters
  }
  return {
    "x-reloadscope-signature": signatureHeader(text, secret, Math.floor(at.getTime() / 1000)),
    "x-reloadscope-delivery": delivery,
  };
}

function withDemo(values: Record<string, string>) {
  Object.assign(process.env, values);
  resetEnvCache();
}

afterEach(() => {
  withDemo({ DEMO_FLEET: "0", DEMO_NACK_RATE: "0.1" });
});

describe("the simulated reload endpoint", () => {
  test("answers 404 without the demo fleet", async () => {
    withDemo({ DEMO_FLEET: "0" });
    const text = JSON.stringify(body("rl-demo-0"));
    expect((await post(text, signed(text))).status).toBe(404);
  });

  test("refuses a delivery whose signature does not match (401), and bad JSON (400)", async () => {
    withDemo({ DEMO_FLEET: "1" });
    await acceptEvents(INSTANCES.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(1) })));
    await setTarget("http://127.0.0.1:1/api/demo/reload-target");
    const text = JSON.stringify(body("rl-demo-1"));
    expect((await post(text, signed(text, "another secret"))).status).toBe(401);
    expect((await post(text, {})).status).toBe(401);
    expect((await post("{not json", signed("{not json"))).status).toBe(400);
  });

  test("a captured delivery is refused when replayed after 5 minutes, or under another delivery id (401)", async () => {
    withDemo({ DEMO_FLEET: "1", DEMO_NACK_RATE: "0" });
    await acceptEvents(INSTANCES.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(1) })));
    await setTarget("http://127.0.0.1:1/api/demo/reload-target");
    const text = JSON.stringify(body("rl-demo-replay"));
    const old = await post(text, signed(text, TARGET_SECRET, new Date(Date.now() - 6 * 60_000)));
    expect(old.status).toBe(401);
    expect(((await old.json()) as { message: string }).message).toContain("older than 300 s");
    expect((await post(text, { ...signed(text), "x-reloadscope-delivery": "rl-demo-replay/rest" })).status).toBe(401);
    const [stored] = await sql().query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM reload_event WHERE reload_id = 'rl-demo-replay'`,
    );
    expect(stored!.n).toBe(0);
  });

  test("a signed delivery: 202, then received … acked per instance in the delivery's trace; the NACK rate picks by hash", async () => {
    withDemo({ DEMO_FLEET: "1", DEMO_NACK_RATE: "0" });
    await acceptEvents(INSTANCES.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(1) })));
    await setTarget("http://127.0.0.1:1/api/demo/reload-target");
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const text = JSON.stringify(body("rl-demo-2"));
    const response = await post(text, { ...signed(text), traceparent: traceparent(traceId, "00f067aa0ba902b7") });
    expect(response.status).toBe(202);
    const rows = await waitFor("both instances to ack", async () => {
      const r = await sql().query<{ instance_key: string; phase: string; trace_id: string | null }[]>(
        `SELECT i.instance_key, e.phase, e.trace_id FROM reload_event e JOIN instance i ON i.id = e.instance_id
         WHERE e.reload_id = 'rl-demo-2' ORDER BY e.occurred_at, e.id`,
      );
      return r.filter((x) => x.phase === "acked").length === INSTANCES.length ? r : null;
    });
    for (const instance of INSTANCES) {
      expect(rows.filter((r) => r.instance_key === instance).map((r) => r.phase)).toEqual([
        "received",
        "parsed",
        "validated",
        "applied",
        "acked",
      ]);
    }
    expect(new Set(rows.map((r) => r.trace_id))).toEqual(new Set([traceId]));
    // Reproducible: the draw is a pure function of reloadId + instance.
    expect(nackDraw("rl-demo-2", INSTANCES[0]!)).toBe(nackDraw("rl-demo-2", INSTANCES[0]!));
    expect(nackDraw("rl-demo-2", INSTANCES[0]!)).not.toBe(nackDraw("rl-demo-2", INSTANCES[1]!));
  });

  test("with DEMO_NACK_RATE=1 every instance refuses with a realistic error", async () => {
    withDemo({ DEMO_FLEET: "1", DEMO_NACK_RATE: "1" });
    await acceptEvents(INSTANCES.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(1) })));
    await setTarget("http://127.0.0.1:1/api/demo/reload-target");
    const text = JSON.stringify(body("rl-demo-3"));
    expect((await post(text, signed(text))).status).toBe(202);
    const nacks = await waitFor("both instances to NACK", async () => {
      const r = await sql().query<{ error: string }[]>(
        `SELECT error FROM reload_event WHERE reload_id = 'rl-demo-3' AND phase = 'nacked'`,
      );
      return r.length === INSTANCES.length ? r : null;
    });
    expect(nacks.every((n) => n.error.length > 10)).toBe(true);
  });
});

describe("demo reload targets on a real database (DEMO_FLEET=1)", () => {
  async function targets(): Promise<Map<string, string>> {
    const rows = await sql().query<{ key: string; url: string }[]>(
      `SELECT s.environment || '/' || s.namespace || '/' || s.name AS key, t.url FROM reload_target t JOIN service s ON s.id = t.service_id`,
    );
    return new Map(rows.map((r) => [r.key, r.url]));
  }

  test("attach to the services the demo fleet created, never to another service of the same database", async () => {
    await seedDemoFleet();
    // A real service reporting into the same database, without a target of its own.
    await acceptEvents([
      event({
        namespace: "payments",
        service: "refunds-api",
        instance: "refunds-api-1",
        toVersion: "v1",
        occurredAt: minutesAgo(1),
      }),
    ]);
    const added = await ensureDemoReloadTargets("http://127.0.0.1:3999");
    expect(added).toBe(DEMO_SERVICES.length);
    const set = await targets();
    expect([...set.keys()].sort()).toEqual(
      DEMO_SERVICES.map((d) => `${d.environment}/${d.namespace}/${d.name}`).sort(),
    );
    expect(set.has("prod/payments/refunds-api")).toBe(false);
    expect(new Set(set.values())).toEqual(new Set(["http://127.0.0.1:3999/api/demo/reload-target"]));
  });

  test("a database whose services were not made by the demo gets no target, even for a service named like a demo one", async () => {
    // prod/payments/checkout-api is a demo service's name, but here a real service reported it first.
    await acceptEvents([event({ instance: "checkout-api-real-1", toVersion: "v1", occurredAt: minutesAgo(1) })]);
    expect(await ensureDemoReloadTargets("http://127.0.0.1:3999")).toBe(0);
    expect((await targets()).size).toBe(0);
  });
});
