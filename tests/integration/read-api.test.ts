// The read API (DESIGN.md, "Read API"): GET /api/v1/reloads and GET /api/v1/reloads/{key}
// through the real route handlers. Most reloads are written here with SQL, so the read side
// is checked on exactly the rows it is given; the last tests go through POST /api/v1/events.
import { beforeEach, describe, expect, test } from "vitest";
import { GET as getReloadRoute } from "@/app/api/v1/reloads/[key]/route";
import { GET as listReloadsRoute } from "@/app/api/v1/reloads/route";
import { createIngestToken } from "@/lib/api/token-admin";
import { resetTokenAuth } from "@/lib/api/tokens";
import { sql } from "@/lib/db/client";
import { encodeCursor } from "@/lib/reloads/filters";
import { getReload } from "@/lib/reloads/queries";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();
beforeEach(() => {
  resetTokenAuth();
});

type Json = Record<string, unknown>;

async function list(query: string, token: string = TEST_TOKEN) {
  const request = new Request(`http://127.0.0.1/api/v1/reloads${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const response = await listReloadsRoute(request, undefined);
  return {
    status: response.status,
    body: (await response.json()) as Json & { items: Json[]; nextCursor: string | null },
  };
}

async function one(key: string, token: string = TEST_TOKEN) {
  const request = new Request(`http://127.0.0.1/api/v1/reloads/${encodeURIComponent(key)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const response = await getReloadRoute(request, { params: Promise.resolve({ key }) });
  return { status: response.status, body: (await response.json()) as Json };
}

// ---- rows written directly -------------------------------------------------------------

async function service(name: string, environment = "prod", namespace = "payments"): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(
    `INSERT INTO service (environment, namespace, name) VALUES ($1, $2, $3) RETURNING id`,
    environment,
    namespace,
    name,
  );
  return row!.id;
}

async function instance(serviceId: number, key: string): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(
    `INSERT INTO instance (service_id, instance_key, first_seen_at, last_seen_at) VALUES ($1, $2, now(), now()) RETURNING id`,
    serviceId,
    key,
  );
  return row!.id;
}

interface ReloadSeed {
  serviceId: number;
  reloadId: string;
  kind?: string;
  resource?: string;
  status?: string;
  fromVersion?: string | null;
  toVersion?: string | null;
  initiator?: string | null;
  firstEventAt: string;
  requestedAt?: string | null;
  dispatchedAt?: string | null;
  completedAt?: string | null;
  convergenceMs?: string | number | null;
  targeted?: number;
  succeeded?: number;
  nacked?: number;
  failed?: number;
  rolledBack?: number;
}

async function reload(seed: ReloadSeed): Promise<string> {
  const [row] = await sql().query<{ key: string }[]>(
    `INSERT INTO reload (reload_id, service_id, kind, resource, status, from_version, to_version, initiator,
                         first_event_at, last_event_at, requested_at, dispatched_at, completed_at, convergence_ms,
                         instances_targeted, instances_succeeded, instances_nacked, instances_failed, instances_rolled_back)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
     RETURNING id::text AS key`,
    seed.reloadId,
    seed.serviceId,
    seed.kind ?? "config",
    seed.resource ?? "routes.yaml",
    seed.status ?? "in_progress",
    seed.fromVersion === undefined ? "a41c9e0" : seed.fromVersion,
    seed.toVersion === undefined ? "b7d2f11" : seed.toVersion,
    seed.initiator === undefined ? "pipeline:deploy-v1.2" : seed.initiator,
    seed.firstEventAt,
    seed.requestedAt ?? null,
    seed.dispatchedAt ?? null,
    seed.completedAt ?? null,
    seed.convergenceMs ?? null,
    seed.targeted ?? 0,
    seed.succeeded ?? 0,
    seed.nacked ?? 0,
    seed.failed ?? 0,
    seed.rolledBack ?? 0,
  );
  return row!.key;
}

async function reloadInstance(
  key: string,
  instanceId: number,
  phase: string | null,
  phaseAt: string | null,
  error: string | null = null,
) {
  await sql().execute(
    `INSERT INTO reload_instance (reload_key, instance_id, phase, phase_at, error, targeted) VALUES ($1::bigint, $2, $3, $4, $5, true)`,
    key,
    instanceId,
    phase,
    phaseAt,
    error,
  );
}

async function instanceState(
  serviceId: number,
  instanceId: number,
  version: string,
  kind = "config",
  resource = "routes.yaml",
) {
  await sql().execute(
    `INSERT INTO instance_state (instance_id, kind, resource, service_id, version, since, last_phase, last_phase_at, outcome)
     VALUES ($1, $2, $3, $4, $5, now(), 'heartbeat', now(), 'ok')`,
    instanceId,
    kind,
    resource,
    serviceId,
    version,
  );
}

const T = (minute: number) => new Date(Date.UTC(2026, 10, 21, 14, minute, 0)).toISOString();

// ---- one reload ------------------------------------------------------------------------

describe("GET /api/v1/reloads/{key}", () => {
  test("answers DESIGN.md's shape: N of M from the reload row, instances with their phase, version and error", async () => {
    const checkout = await service("checkout-api");
    const [a, b, c] = [
      await instance(checkout, "checkout-api-a"),
      await instance(checkout, "checkout-api-b"),
      await instance(checkout, "checkout-api-c"),
    ];
    await instanceState(checkout, b, "a41c9e0");
    await instanceState(checkout, c, "a41c9e0");
    const key = await reload({
      serviceId: checkout,
      reloadId: "rl-7f3a",
      firstEventAt: T(0),
      requestedAt: T(1),
      dispatchedAt: T(3),
      targeted: 20,
      succeeded: 12,
      nacked: 1,
    });
    await reloadInstance(key, a, "acked", T(4));
    await reloadInstance(key, b, "nacked", T(5), "refused: schema mismatch");
    await reloadInstance(key, c, null, null);

    const answer = await one(key);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      key,
      reloadId: "rl-7f3a",
      environment: "prod",
      namespace: "payments",
      service: "checkout-api",
      kind: "config",
      resource: "routes.yaml",
      fromVersion: "a41c9e0",
      toVersion: "b7d2f11",
      initiator: "pipeline:deploy-v1.2",
      status: "in_progress",
      targets: 20,
      acked: 12,
      nacked: 1,
      failed: 0,
      pending: 7,
      startedAt: T(3),
      completedAt: null,
      convergenceMs: null,
      // Not succeeded first, then by name.
      instances: [
        {
          instance: "checkout-api-b",
          phase: "nacked",
          version: "a41c9e0",
          error: "refused: schema mismatch",
          at: T(5),
        },
        { instance: "checkout-api-c", phase: "pending", version: "a41c9e0", error: null, at: null },
        { instance: "checkout-api-a", phase: "acked", version: "b7d2f11", error: null, at: T(4) },
      ],
      instancesTruncated: false,
    });
  });

  test.each([
    ["dispatched", { requestedAt: T(2), dispatchedAt: T(3) }, T(3)],
    ["requested, not dispatched", { requestedAt: T(2) }, T(2)],
    ["neither", {}, T(1)],
  ])("startedAt when %s", async (_name, times, startedAt) => {
    const key = await reload({ serviceId: await service("s"), reloadId: "rl-1", firstEventAt: T(1), ...times });
    expect((await one(key)).body.startedAt).toBe(startedAt);
  });

  test("a finished reload: completedAt, 64-bit convergenceMs as a number, and rolled-back instances out of pending", async () => {
    const key = await reload({
      serviceId: await service("s"),
      reloadId: "rl-done",
      status: "partially_failed",
      firstEventAt: T(0),
      completedAt: T(30),
      convergenceMs: "5000000000",
      targeted: 10,
      succeeded: 6,
      nacked: 1,
      failed: 2,
      rolledBack: 1,
    });
    const body = (await one(key)).body;
    expect(body).toMatchObject({
      status: "partially_failed",
      completedAt: T(30),
      convergenceMs: 5_000_000_000,
      targets: 10,
      acked: 6,
      nacked: 1,
      failed: 2,
      pending: 0,
    });
  });

  test("pending is never negative", async () => {
    const key = await reload({
      serviceId: await service("s"),
      reloadId: "rl-over",
      firstEventAt: T(0),
      targeted: 2,
      succeeded: 3,
    });
    expect((await one(key)).body.pending).toBe(0);
  });

  test("a service without a namespace reads as namespace null", async () => {
    const key = await reload({ serviceId: await service("s", "prod", ""), reloadId: "rl-ns", firstEventAt: T(0) });
    expect((await one(key)).body.namespace).toBeNull();
  });

  test("a rolled-back instance runs the reload's fromVersion", async () => {
    const s = await service("s");
    const i = await instance(s, "i-1");
    const key = await reload({ serviceId: s, reloadId: "rl-rb", firstEventAt: T(0), status: "rolled_back" });
    await reloadInstance(key, i, "rolled_back", T(2));
    expect((await one(key)).body.instances).toEqual([
      { instance: "i-1", phase: "rolled_back", version: "a41c9e0", error: null, at: T(2) },
    ]);
  });

  test("instances past the cap are left out, succeeded ones first, and the answer says so", async () => {
    const s = await service("s");
    const key = await reload({ serviceId: s, reloadId: "rl-cap", firstEventAt: T(0), targeted: 3 });
    await reloadInstance(key, await instance(s, "i-1"), "acked", T(1));
    await reloadInstance(key, await instance(s, "i-2"), "failed", T(1), "boom");
    await reloadInstance(key, await instance(s, "i-3"), "applied", T(1));
    const capped = await asViewer(() => getReload(key, 2));
    expect(capped!.instancesTruncated).toBe(true);
    expect(capped!.instances.map((i) => i.instance)).toEqual(["i-2", "i-1"]);
    const whole = await asViewer(() => getReload(key, 3));
    expect(whole!.instancesTruncated).toBe(false);
    expect(whole!.instances).toHaveLength(3);
  });

  test.each([
    "999",
    "abc",
    "0",
    "-1",
    "1.5",
    "01",
    " 1",
    "1e3",
    "9223372036854775808",
    "99999999999999999999999",
    "%",
    "\u0000",
    "１",
  ])("key %j names no reload → 404", async (key) => {
    await reload({ serviceId: await service("s"), reloadId: "rl-1", firstEventAt: T(0) });
    const answer = await one(key);
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe("not_found");
  });

  test("needs a token with the read scope", async () => {
    const key = await reload({ serviceId: await service("s"), reloadId: "rl-1", firstEventAt: T(0) });
    const { token } = await createIngestToken("ingest only", ["ingest"]);
    const answer = await one(key, token);
    expect(answer.status).toBe(403);
    expect(answer.body.message).toContain('"read"');
    expect((await one(key, "rs_not_a_token_at_all_0000000000")).status).toBe(401);
  });
});

// ---- the list --------------------------------------------------------------------------

describe("GET /api/v1/reloads", () => {
  test("newest first by first event, ties by key; {items, nextCursor}", async () => {
    const s = await service("s");
    const k1 = await reload({ serviceId: s, reloadId: "rl-1", firstEventAt: T(1) });
    const k2 = await reload({ serviceId: s, reloadId: "rl-2", firstEventAt: T(3) });
    const k3 = await reload({ serviceId: s, reloadId: "rl-3", firstEventAt: T(3) });
    const k4 = await reload({ serviceId: s, reloadId: "rl-4", firstEventAt: T(2) });
    const answer = await list("");
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((i) => i.key)).toEqual([k3, k2, k4, k1]);
    expect(answer.body.nextCursor).toBeNull();
    expect(Object.keys(answer.body).sort()).toEqual(["items", "nextCursor"]);
    // Items are the one-reload shape without the instances.
    expect(Object.keys(answer.body.items[0]!).sort()).toEqual(
      [
        "key",
        "reloadId",
        "environment",
        "namespace",
        "service",
        "kind",
        "resource",
        "fromVersion",
        "toVersion",
        "initiator",
        "status",
        "targets",
        "acked",
        "nacked",
        "failed",
        "pending",
        "startedAt",
        "completedAt",
        "convergenceMs",
      ].sort(),
    );
  });

  test("pages with an opaque cursor: every reload once, and reloads arriving between pages do not shift the pages", async () => {
    const s = await service("s");
    const keys: string[] = [];
    for (let m = 0; m < 7; m++)
      keys.unshift(await reload({ serviceId: s, reloadId: `rl-${m}`, firstEventAt: T(m % 3 === 0 ? 10 : m) }));
    const expected = (await list("?limit=500")).body.items.map((i) => i.key);
    expect(expected).toHaveLength(7);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.items.map((i) => i.key as string));
      cursor = answer.body.nextCursor;
      if (pages++ === 0) await reload({ serviceId: s, reloadId: "rl-newer", firstEventAt: T(50) });
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
  });

  test("a page that ends exactly at the last reload has no next cursor", async () => {
    const s = await service("s");
    for (let m = 0; m < 4; m++) await reload({ serviceId: s, reloadId: `rl-${m}`, firstEventAt: T(m) });
    const first = await list("?limit=2");
    expect(first.body.nextCursor).not.toBeNull();
    const second = await list(`?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
  });

  test("the default page is 50", async () => {
    const s = await service("s");
    await sql().execute(
      `INSERT INTO reload (reload_id, service_id, kind, resource, status, first_event_at, last_event_at)
       SELECT 'rl-' || n, $1, 'config', 'routes.yaml', 'succeeded', $2::timestamptz + n * interval '1 second', $2::timestamptz
       FROM generate_series(1, 60) AS n`,
      s,
      T(0),
    );
    const answer = await list("");
    expect(answer.body.items).toHaveLength(50);
    expect(answer.body.items[0]!.reloadId).toBe("rl-60");
    expect(answer.body.nextCursor).not.toBeNull();
  });

  describe("filters", () => {
    let keys: Record<string, string>;
    beforeEach(async () => {
      const checkout = await service("checkout-api", "prod", "payments");
      const cart = await service("cart", "prod", "");
      const stagingCheckout = await service("checkout-api", "staging", "payments");
      keys = {
        // One pipeline run touching two services: two reloads with one reloadId.
        checkoutRun: await reload({
          serviceId: checkout,
          reloadId: "rl-run-9",
          firstEventAt: T(10),
          status: "succeeded",
          initiator: "pipeline:run-9",
        }),
        cartRun: await reload({
          serviceId: cart,
          reloadId: "rl-run-9",
          firstEventAt: T(11),
          kind: "flags",
          resource: "flags.json",
          status: "partially_failed",
          initiator: "pipeline:run-9",
        }),
        staging: await reload({
          serviceId: stagingCheckout,
          reloadId: "rl-s1",
          firstEventAt: T(20),
          status: "in_progress",
          initiator: "person:sam",
        }),
        model: await reload({
          serviceId: checkout,
          reloadId: "rl-m1",
          firstEventAt: T(30),
          kind: "model",
          resource: "fraud-model",
          status: "failed",
          initiator: null,
        }),
      };
    });
    const keysOf = (items: Json[]) => items.map((i) => i.key as string).sort();
    const named = (...names: string[]) => names.map((n) => keys[n]!).sort();

    test.each([
      ["reloadId=rl-run-9", ["checkoutRun", "cartRun"]],
      ["environment=staging", ["staging"]],
      ["namespace=payments", ["checkoutRun", "staging", "model"]],
      ["service=checkout-api", ["checkoutRun", "staging", "model"]],
      ["service=checkout-api&environment=prod", ["checkoutRun", "model"]],
      ["kind=flags", ["cartRun"]],
      ["status=failed", ["model"]],
      ["status=failed,partially_failed", ["model", "cartRun"]],
      ["initiator=pipeline:run-9", ["checkoutRun", "cartRun"]],
      [`from=${T(11)}`, ["cartRun", "staging", "model"]],
      [`to=${T(11)}`, ["checkoutRun"]],
      [`from=${T(11)}&to=${T(30)}`, ["cartRun", "staging"]],
      ["from=2026-11-21&to=2026-11-22", ["checkoutRun", "cartRun", "staging", "model"]],
      [`from=${encodeURIComponent("2026-11-21T15:15:00+01:00")}`, ["staging", "model"]],
      ["environment=&service=", ["checkoutRun", "cartRun", "staging", "model"]],
      // The page's Service box is "contains" (q), one resource's reloads, and the time picker's relative times
      ["q=CHECKOUT", ["checkoutRun", "staging", "model"]],
      ["q=art", ["cartRun"]],
      ["resource=fraud-model", ["model"]],
      ["resource=flags.json&q=cart", ["cartRun"]],
      ["from=now-100000w", ["checkoutRun", "cartRun", "staging", "model"]],
      ["to=now-100000w", []],
      ["service=nothing-by-this-name", []],
    ])("%s", async (query, expected) => {
      const answer = await list(`?${query}`);
      expect(answer.status).toBe(200);
      expect(keysOf(answer.body.items)).toEqual(named(...expected));
    });

    test("a cursor keeps the filters' meaning across pages", async () => {
      const first = await list("?namespace=payments&limit=2");
      expect(first.body.items.map((i) => i.key)).toEqual([keys.model, keys.staging]);
      const second = await list(`?namespace=payments&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((i) => i.key)).toEqual([keys.checkoutRun]);
      expect(second.body.nextCursor).toBeNull();
    });
  });

  test.each([
    ["status=bogus", "status"],
    ["status=failed,nope", "status"],
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=ten", "limit"],
    ["limit=-5", "limit"],
    ["from=yesterday", "from"],
    ["from=2026-13-45T99:00:00Z", "from"],
    ["to=2026-11-21T14:00:00", "to"],
    ["to=2026-11-21 14:00", "to"],
    ["from=now-1y", "from"],
    ["from=72026-11-21", "from"],
    [`from=${T(30)}&to=${T(10)}`, "from"],
    ["cursor=not-a-cursor", "cursor"],
    [`cursor=${Buffer.from(JSON.stringify({ a: 1 })).toString("base64url")}`, "cursor"],
    [`cursor=${Buffer.from(JSON.stringify([1, "0"])).toString("base64url")}`, "cursor"],
    ["stauts=failed", "stauts"],
    ["status=failed&status=succeeded", "status"],
    ["service=%00", "service"],
    [`service=${"x".repeat(300)}`, "service"],
  ])("?%s → 400 naming %s", async (query, parameter) => {
    const answer = await list(`?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_parameter");
    expect(String(answer.body.message).startsWith(`${parameter}:`)).toBe(true);
  });

  test("a cursor this API made is accepted even for a position with no reload", async () => {
    const cursor = encodeCursor({ firstEventAt: new Date(T(5)), key: "12345" });
    const answer = await list(`?cursor=${cursor}`);
    expect(answer.status).toBe(200);
    expect(answer.body.items).toEqual([]);
  });

  test("needs a token with the read scope", async () => {
    const { token } = await createIngestToken("ingest only", ["ingest"]);
    const answer = await list("", token);
    expect(answer.status).toBe(403);
    expect(answer.body.message).toContain('"read"');
  });
});

// ---- through ingest (needs the ingest of the reload model rules) -----------------------

describe("a pipeline waiting on a reload it sent through ingest", () => {
  test("N of M follows the dispatched targets; a target that has not reported is pending", async () => {
    const control = {
      reloadId: "rl-wait",
      fromVersion: "v1",
      toVersion: "v2",
      initiator: "pipeline:deploy",
      instance: null,
    };
    const instances = ["i-1", "i-2", "i-3"];
    await postEvents(instances.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(30) })));
    const sent = await postEvents([
      event({ ...control, phase: "requested", occurredAt: minutesAgo(10) }),
      event({ ...control, phase: "dispatched", targets: instances, occurredAt: minutesAgo(9) }),
      event({ ...control, instance: "i-1", phase: "acked", occurredAt: minutesAgo(8) }),
      event({
        ...control,
        instance: "i-2",
        phase: "nacked",
        error: "refused: schema mismatch",
        occurredAt: minutesAgo(8),
      }),
    ]);
    expect(sent.status).toBe(200);
    expect(sent.body.rejected).toEqual([]);

    const listed = await list("?reloadId=rl-wait");
    expect(listed.body.items).toHaveLength(1);
    const summary = listed.body.items[0]!;
    expect(summary).toMatchObject({
      service: "checkout-api",
      status: "in_progress",
      targets: 3,
      acked: 1,
      nacked: 1,
      failed: 0,
      pending: 1,
      completedAt: null,
    });

    const detail = (await one(summary.key as string)).body;
    expect(detail.instances).toEqual([
      expect.objectContaining({ instance: "i-2", phase: "nacked", version: "v1", error: "refused: schema mismatch" }),
      expect.objectContaining({ instance: "i-3", phase: "pending", version: "v1", error: null, at: null }),
      expect.objectContaining({ instance: "i-1", phase: "acked", version: "v2", error: null }),
    ]);

    await postEvents(event({ ...control, instance: "i-3", phase: "acked", occurredAt: minutesAgo(7) }));
    const done = (await one(summary.key as string)).body;
    expect(done).toMatchObject({ status: "partially_failed", targets: 3, acked: 2, nacked: 1, pending: 0 });
    expect(done.completedAt).not.toBeNull();
  });

  test("one reloadId in two services is two reloads, found together by reloadId", async () => {
    const control = {
      reloadId: "rl-shared",
      fromVersion: "v1",
      toVersion: "v2",
      initiator: "pipeline:run",
      phase: "acked",
    };
    await postEvents([
      event({ ...control, service: "checkout-api", instance: "c-1", occurredAt: minutesAgo(5) }),
      event({ ...control, service: "cart", instance: "k-1", occurredAt: minutesAgo(4) }),
    ]);
    const listed = await list("?reloadId=rl-shared");
    expect(listed.body.items.map((i) => i.service)).toEqual(["cart", "checkout-api"]);
    expect(new Set(listed.body.items.map((i) => i.key)).size).toBe(2);
  });
});
