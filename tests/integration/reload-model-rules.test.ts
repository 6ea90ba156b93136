// The reload model rules of DESIGN.md, each through the real POST /api/v1/events handler
// against a real Postgres (or PGlite), one describe per rule.
import { afterEach, describe, expect, test } from "vitest";
import { db, sql } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { sweepReloads } from "@/lib/ingest/sweep-reloads";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { concurrencyTest, useTestDatabase } from "../support/use-database";

useTestDatabase();

const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

async function reloadOf(reloadId: string, service = "checkout-api") {
  return db().reload.findFirstOrThrow({ where: { reloadId, service: { name: service } } });
}

async function desiredOf(service = "checkout-api") {
  return db().desiredVersion.findFirst({ where: { service: { name: service } } });
}

/** n instances running v1, as heartbeats an hour ago. */
async function fleetOnV1(n: number, service = "checkout-api") {
  const instances = Array.from({ length: n }, (_, i) => `${service}-${i + 1}`);
  const answer = await postEvents(
    instances.map((instance) => event({ service, instance, toVersion: "v1", occurredAt: minutesAgo(60) })),
  );
  expect(answer.status).toBe(200);
  return instances;
}

const control = (reloadId: string, extra: Record<string, unknown> = {}) => ({
  reloadId,
  instance: null,
  fromVersion: "v1",
  toVersion: "v2",
  initiator: "pipeline:deploy",
  ...extra,
});

/** An instance's report of `phase` on the reload `reloadId` to v2, `minutes` ago. */
const report = (
  reloadId: string,
  instance: string | undefined,
  phase: string,
  minutes: number,
  extra: Record<string, unknown> = {},
) => event({ reloadId, instance, phase, toVersion: "v2", occurredAt: minutesAgo(minutes), ...extra });

describe("1. a valid event cannot poison a reload", () => {
  afterEach(() => {
    delete process.env.RELOAD_TIMEOUT_SECONDS;
    resetEnvCache();
  });

  test("convergence past 2^31 ms is stored (64-bit) and later batches of the reload still go in", async () => {
    // A deadline long enough for a reload that takes 29 days.
    process.env.RELOAD_TIMEOUT_SECONDS = String(40 * 86_400);
    resetEnvCache();
    const [only] = await fleetOnV1(1);
    const dispatchedAt = ago(29 * DAY);
    expect(
      (await postEvents([event({ ...control("rl-long"), phase: "dispatched", occurredAt: dispatchedAt })])).status,
    ).toBe(200);
    const answer = await postEvents([
      report("rl-long", only, "acked", 1, { fromVersion: "v1" }),
      event({ service: "unrelated", instance: "u-1", toVersion: "x", occurredAt: minutesAgo(1) }),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(2);
    const reload = await reloadOf("rl-long");
    expect(reload.status).toBe("succeeded");
    expect(Number(reload.convergenceMs)).toBeGreaterThan(2 ** 31);
    // Another event of the same reload in a later batch is still accepted.
    const later = await postEvents([report("rl-long", only, "acked", 0.5, { fromVersion: "v1" })]);
    expect(later.status).toBe(200);
  });

  test("an event older than the retention window is refused alone; the batch's others are stored", async () => {
    const answer = await postEvents([
      event({
        reloadId: "rl-old",
        instance: "i-1",
        phase: "received",
        toVersion: "v2",
        occurredAt: "1990-01-01T00:00:00Z",
      }),
      event({ instance: "i-2", toVersion: "v1", occurredAt: minutesAgo(1) }),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.rejected).toEqual([
      { index: 0, reason: expect.stringContaining("occurredAt: is older than the retention window") },
    ]);
    expect(await db().reload.count()).toBe(0);
  });

  test("a duration past 2^31 ms is stored", async () => {
    const answer = await postEvents([event({ durationMs: 3_000_000_000 })]);
    expect(answer.status).toBe(200);
    const stored = await db().reloadEvent.findFirstOrThrow({});
    expect(Number(stored.durationMs)).toBe(3_000_000_000);
  });
});

describe("2. reload status has a scope", () => {
  test("a reload dispatched to 20 instances is in progress after one ack, and one early NACK does not fail it", async () => {
    const instances = await fleetOnV1(20);
    await postEvents([
      event({ ...control("rl-20"), phase: "requested", occurredAt: minutesAgo(10) }),
      event({ ...control("rl-20"), phase: "dispatched", targetCount: 20, occurredAt: minutesAgo(9) }),
    ]);
    await postEvents([report("rl-20", instances[0], "acked", 8, { fromVersion: "v1" })]);
    let reload = await reloadOf("rl-20");
    expect(reload).toMatchObject({ status: "in_progress", instancesTargeted: 20, instancesSucceeded: 1 });

    await postEvents([report("rl-20", instances[1], "nacked", 7, { error: "schema mismatch" })]);
    reload = await reloadOf("rl-20");
    expect(reload).toMatchObject({ status: "in_progress", instancesNacked: 1 });
    expect((await desiredOf())?.version).toBe("v2");

    // The other 18 ack: 19 of 20 acked, one refused → partially failed; v2 stays desired.
    await postEvents(
      instances
        .slice(2)
        .map((instance, i) =>
          event({ reloadId: "rl-20", instance, phase: "acked", toVersion: "v2", occurredAt: minutesAgo(6 - i * 0.01) }),
        ),
    );
    reload = await reloadOf("rl-20");
    expect(reload).toMatchObject({
      status: "partially_failed",
      instancesSucceeded: 19,
      instancesNacked: 1,
      instancesTargeted: 20,
    });
    expect((await desiredOf())?.version).toBe("v2");
  });

  test("without a dispatch scope the targets are the live instances reporting the resource when it starts", async () => {
    const instances = await fleetOnV1(5);
    await postEvents([event({ ...control("rl-implicit"), phase: "dispatched", occurredAt: minutesAgo(9) })]);
    await postEvents(
      instances
        .slice(0, 4)
        .map((instance) =>
          event({ reloadId: "rl-implicit", instance, phase: "acked", toVersion: "v2", occurredAt: minutesAgo(8) }),
        ),
    );
    const reload = await reloadOf("rl-implicit");
    expect(reload).toMatchObject({ status: "in_progress", instancesTargeted: 5, instancesSucceeded: 4 });
  });

  test("a named target list is the scope, and replaces a snapshot taken before the dispatch arrived", async () => {
    const instances = await fleetOnV1(6);
    // An instance reports before the control plane's dispatch event arrives.
    await postEvents([report("rl-canary", instances[0], "acked", 8)]);
    expect((await reloadOf("rl-canary")).instancesTargeted).toBe(6);
    await postEvents([
      event({
        ...control("rl-canary"),
        phase: "dispatched",
        targets: instances.slice(0, 2),
        occurredAt: minutesAgo(9),
      }),
    ]);
    let reload = await reloadOf("rl-canary");
    expect(reload).toMatchObject({ status: "in_progress", instancesTargeted: 2, instancesSucceeded: 1 });
    await postEvents([report("rl-canary", instances[1], "acked", 7)]);
    reload = await reloadOf("rl-canary");
    expect(reload).toMatchObject({ status: "succeeded", instancesTargeted: 2, instancesSucceeded: 2 });
  });

  test("a reload whose targets have not all finished by the deadline expires, naming the silent instances, and stops showing them as reloading", async () => {
    const instances = await fleetOnV1(3);
    await postEvents([
      event({ ...control("rl-stuck"), phase: "dispatched", targets: instances, occurredAt: minutesAgo(30) }),
      report("rl-stuck", instances[0], "acked", 29),
      report("rl-stuck", instances[1], "received", 29),
    ]);
    // 30 minutes is past the default 15-minute deadline: ingest derives it as expired already.
    let reload = await reloadOf("rl-stuck");
    expect(reload.status).toBe("expired");
    expect(reload.expiredAt).not.toBeNull();
    const silent = await db().reloadInstance.findMany({
      where: {
        reloadKey: reload.id,
        OR: [{ phase: null }, { phase: { in: ["received", "parsed", "validated", "staged", "dispatched"] } }],
      },
      include: { instance: true },
    });
    expect(silent.map((s) => s.instance.instanceKey).sort()).toEqual([instances[1], instances[2]].sort());
    // The target that was mid-reload no longer shows as reloading once the sweep has run.
    expect((await sweepReloads()).endedInstances).toBe(1);
    const state = await db().instanceState.findFirstOrThrow({ where: { instance: { instanceKey: instances[1] } } });
    expect(state.outcome).toBe("expired");
    expect(state.lastError).toContain("rl-stuck");
    // Expired after it started: its target stays desired (the silent instances are drift).
    expect((await desiredOf())?.version).toBe("v2");
    reload = await reloadOf("rl-stuck");
    expect(reload.status).toBe("expired");
  });

  test("the sweep expires a reload whose deadline passes after its last event", async () => {
    const instances = await fleetOnV1(2);
    await postEvents([
      event({ ...control("rl-later"), phase: "dispatched", targets: instances, occurredAt: minutesAgo(1) }),
    ]);
    expect((await reloadOf("rl-later")).status).toBe("dispatching");
    expect((await sweepReloads(new Date(Date.now() + 10 * 60_000))).expired).toBe(0);
    expect((await sweepReloads(new Date(Date.now() + 16 * 60_000))).expired).toBe(1);
    expect((await reloadOf("rl-later")).status).toBe("expired");
  });

  test("an approved reload that is never dispatched expires and gives the desired version back", async () => {
    await fleetOnV1(2);
    await postEvents([
      event({
        ...control("rl-before", { fromVersion: "v0", toVersion: "v1" }),
        phase: "requested",
        occurredAt: minutesAgo(50),
      }),
      event({
        ...control("rl-before", { fromVersion: "v0", toVersion: "v1" }),
        phase: "approved",
        occurredAt: minutesAgo(49),
      }),
      event({
        ...control("rl-before", { fromVersion: "v0", toVersion: "v1" }),
        phase: "dispatched",
        occurredAt: minutesAgo(48),
      }),
    ]);
    await postEvents([
      event({ ...control("rl-never"), phase: "requested", occurredAt: minutesAgo(3) }),
      event({ ...control("rl-never"), phase: "approved", occurredAt: minutesAgo(2) }),
    ]);
    expect((await desiredOf())?.version).toBe("v2");
    await sweepReloads(new Date(Date.now() + 20 * 60_000));
    expect((await reloadOf("rl-never")).status).toBe("expired");
    expect(await desiredOf()).toMatchObject({ version: "v1", reloadId: "rl-before" });
  });

  test("a request not yet started is cancelled when a newer request for the same resource comes", async () => {
    await postEvents([event({ ...control("rl-a"), phase: "requested", occurredAt: minutesAgo(5) })]);
    await postEvents([
      event({ ...control("rl-b", { toVersion: "v3" }), phase: "requested", occurredAt: minutesAgo(4) }),
    ]);
    expect((await sweepReloads()).cancelled).toBe(1);
    expect((await reloadOf("rl-a")).status).toBe("cancelled");
    expect((await reloadOf("rl-b")).status).toBe("pending_approval");
  });
});

describe("3. a reload belongs to one service; an event id to one event", () => {
  test("two services sending the same reloadId get two reloads, each with its own desired version", async () => {
    await postEvents([
      event({
        ...control("rl-shared", { toVersion: "a2" }),
        service: "svc-a",
        phase: "requested",
        occurredAt: minutesAgo(5),
      }),
      event({
        ...control("rl-shared", { toVersion: "a2" }),
        service: "svc-a",
        phase: "approved",
        occurredAt: minutesAgo(4),
      }),
      event({
        ...control("rl-shared", { toVersion: "b2" }),
        service: "svc-b",
        kind: "routes",
        resource: "r.yaml",
        phase: "requested",
        occurredAt: minutesAgo(5),
      }),
      event({
        ...control("rl-shared", { toVersion: "b2" }),
        service: "svc-b",
        kind: "routes",
        resource: "r.yaml",
        phase: "approved",
        occurredAt: minutesAgo(4),
      }),
    ]);
    const reloads = await db().reload.findMany({
      where: { reloadId: "rl-shared" },
      include: { service: true },
      orderBy: { id: "asc" },
    });
    expect(reloads.map((r) => [r.service.name, r.kind, r.toVersion])).toEqual([
      ["svc-a", "config", "a2"],
      ["svc-b", "routes", "b2"],
    ]);
    expect(await desiredOf("svc-a")).toMatchObject({ version: "a2", kind: "config" });
    expect(await desiredOf("svc-b")).toMatchObject({ version: "b2", kind: "routes" });
  });

  test("an event of a reload that disagrees on kind, resource or toVersion is refused with a reason", async () => {
    await postEvents([event({ ...control("rl-x"), phase: "requested", occurredAt: minutesAgo(5) })]);
    const answer = await postEvents([
      event({ ...control("rl-x"), kind: "model", phase: "approved", occurredAt: minutesAgo(4) }),
      event({ ...control("rl-x"), resource: "other.yaml", phase: "approved", occurredAt: minutesAgo(4) }),
      event({ ...control("rl-x", { toVersion: "v9" }), phase: "approved", occurredAt: minutesAgo(4) }),
      event({ ...control("rl-x"), phase: "approved", occurredAt: minutesAgo(4) }),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.rejected!.map((r) => [r.index, r.reason.split(":")[0]])).toEqual([
      [0, "kind"],
      [1, "resource"],
      [2, "toVersion"],
    ]);
    expect(await db().reloadEvent.count({ where: { reloadId: "rl-x" } })).toBe(2);
  });

  test("an id sent again with different content is refused, not counted as a duplicate", async () => {
    const original = event({ id: "evt-fixed-1", toVersion: "v1" });
    expect((await postEvents([original])).body.accepted).toBe(1);
    const same = await postEvents([original]);
    expect(same.body).toMatchObject({ accepted: 0, duplicates: 1, rejected: [] });
    const different = await postEvents([{ ...original, toVersion: "v2" }]);
    expect(different.status).toBe(400);
    expect(different.body).toMatchObject({
      accepted: 0,
      duplicates: 0,
      rejected: [{ index: 0, reason: "id: already used for a different event" }],
    });
    // …also inside one batch.
    const inBatch = await postEvents([event({ id: "evt-fixed-2" }), event({ id: "evt-fixed-2", toVersion: "other" })]);
    expect(inBatch.body).toMatchObject({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, reason: "id: already used for a different event" }],
    });
    const state = await db().instanceState.findFirstOrThrow({});
    expect(state.version).toBe("a41c9e0");
  });

  test("a dispatched event's targets and targetCount are its content: resent with others, it is refused and the scope stays", async () => {
    const at = minutesAgo(10);
    const dispatched = (over: Record<string, unknown>) =>
      event({
        id: "evt-dispatch-1",
        reloadId: "rl-scope",
        instance: null,
        phase: "dispatched",
        toVersion: "v2",
        occurredAt: at,
        ...over,
      });
    expect((await postEvents([dispatched({ targets: ["pod-a", "pod-b"] })])).body.accepted).toBe(1);
    // The same targets in another order: the same set, a duplicate.
    expect((await postEvents([dispatched({ targets: ["pod-b", "pod-a"] })])).body).toMatchObject({
      accepted: 0,
      duplicates: 1,
      rejected: [],
    });
    for (const other of [
      { targets: ["pod-a", "pod-c"] },
      { targets: ["pod-a"] },
      { targets: undefined, targetCount: 5 },
    ]) {
      const answer = await postEvents([dispatched(other)]);
      expect(answer.body, JSON.stringify(other)).toMatchObject({
        accepted: 0,
        duplicates: 0,
        rejected: [{ index: 0, reason: "id: already used for a different event" }],
      });
    }
    // …also inside one batch, and for a count alone.
    const counted = (targetCount: number) =>
      event({
        id: "evt-dispatch-2",
        reloadId: "rl-count",
        instance: null,
        phase: "dispatched",
        toVersion: "v2",
        occurredAt: at,
        targetCount,
      });
    const inBatch = await postEvents([counted(20), counted(21)]);
    expect(inBatch.body).toMatchObject({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, reason: "id: already used for a different event" }],
    });
    expect((await postEvents([counted(20)])).body).toMatchObject({ accepted: 0, duplicates: 1 });
    // Stored where a recount sees them, and the reload keeps the first scope.
    const stored = await db().reloadEvent.findMany({
      where: { id: { in: ["evt-dispatch-1", "evt-dispatch-2"] } },
      orderBy: { id: "asc" },
    });
    expect(stored.map((e) => [e.targets, e.targetCount])).toEqual([
      [["pod-a", "pod-b"], 2],
      [null, 20],
    ]);
    const reload = await db().reload.findFirstOrThrow({ where: { reloadId: "rl-scope" } });
    expect(reload.targetCount).toBe(2);
  });

  test("an id resent with other names or labels changes nothing: no service, instance or label appears", async () => {
    const original = event({ id: "evt-fixed-3", toVersion: "v1", labels: { region: "eu-west-1" } });
    await postEvents([original]);
    const ghost = await postEvents([{ ...original, service: "ghost-svc" }]);
    expect(ghost.body).toMatchObject({
      accepted: 0,
      duplicates: 0,
      rejected: [{ index: 0, reason: "id: already used for a different event" }],
    });
    // Labels describe the instance, not the event: the same event with other labels is a duplicate,
    // and changes nothing.
    const relabelled = await postEvents([{ ...original, labels: { region: "evil" } }]);
    expect(relabelled.body).toMatchObject({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await db().service.count({ where: { name: "ghost-svc" } })).toBe(0);
    expect((await db().instance.findFirstOrThrow({})).labels).toEqual({ region: "eu-west-1" });
  });
});

describe("4. CloudEvents source", () => {
  test("fills the initiator, not an instance, for control-plane phases", async () => {
    /** The deployer's CloudEvent of prod checkout-api's reload rl-ce of config routes.yaml; `data` adds the phase and the rest. */
    const cloud = (data: Record<string, unknown>) => ({
      specversion: "1.0",
      type: "dev.reloadscope.reload",
      id: `ce-${data.phase}`,
      source: "/controlplane/deployer",
      time: minutesAgo(5),
      data: {
        reloadId: "rl-ce",
        environment: "prod",
        service: "checkout-api",
        kind: "config",
        resource: "routes.yaml",
        ...data,
      },
    });
    const answer = await postEvents(
      [cloud({ phase: "dispatched", toVersion: "v2" }), cloud({ phase: "failed", error: "webhook 502" })],
      { contentType: "application/cloudevents-batch+json" },
    );
    expect(answer.body).toMatchObject({ accepted: 2, rejected: [] });
    expect(await db().instance.count()).toBe(0);
    const reload = await reloadOf("rl-ce");
    expect(reload).toMatchObject({ initiator: "/controlplane/deployer", status: "failed", instancesReporting: 0 });
  });
});

describe("5. clock skew", () => {
  test("an event 9 minutes in the future is refused and does not freeze the instance's state", async () => {
    const future = await postEvents([
      event({ toVersion: "v-future", occurredAt: new Date(Date.now() + 9 * 60_000).toISOString() }),
    ]);
    expect(future.status).toBe(400);
    expect(future.body.rejected![0]!.reason).toContain("occurredAt: is more than 5 minutes in the future");
    await postEvents([event({ toVersion: "v-now", occurredAt: minutesAgo(0) })]);
    expect((await db().instanceState.findFirstOrThrow({})).version).toBe("v-now");
  });
});

describe("7. locking in one order", () => {
  concurrencyTest(
    "concurrent batches over the same reloads and instance states, in opposite orders, all commit",
    async () => {
      // Instance ids 1…24 sort differently as strings and as numbers; the reloads' ids differ in case and length.
      const instances = await fleetOnV1(24);
      const reloads = ["rl-b", "rl-B", "rl-a10", "rl-a9", "rl-é"];
      const batches = Array.from({ length: 16 }, (_, b) => {
        const items = reloads.flatMap((reloadId, r) =>
          instances.map((instance, i) =>
            event({
              reloadId,
              kind: `k${r}`,
              resource: `res-${r}`,
              instance,
              phase: "received",
              toVersion: "v2",
              occurredAt: minutesAgo(5 - (b * 24 + i) * 0.0001),
            }),
          ),
        );
        return b % 2 === 0 ? items : items.reverse();
      });
      const answers = await Promise.all(batches.map((batch) => postEvents(batch)));
      expect(answers.map((a) => a.status)).toEqual(batches.map(() => 200));
      const rows = await sql().query<{ n: number }[]>(`SELECT count(*)::int AS n FROM reload_instance`);
      expect(rows[0]!.n).toBe(reloads.length * instances.length);
      for (const reloadId of reloads) expect((await reloadOf(reloadId)).instancesReporting).toBe(24);
    },
  );
});

describe("11. hostile input gets a 4xx naming the problem, and nothing of it is written", () => {
  test.each([
    ["a lone surrogate in service", { service: "svc-\ud800" }, "service"],
    ["a lone surrogate in a label value", { labels: { region: "eu-\udc00" } }, "labels"],
    ["a lone surrogate in an attribute key", { attributes: { "k\ud83d": 1 } }, "attributes"],
    ["a lone surrogate in the id", { id: "evt-\ud800" }, "id"],
    ["occurredAt in year 0000", { occurredAt: "0000-01-01T00:00:00Z" }, "occurredAt"],
  ])("%s → 400 naming the field", async (_name, patch, field) => {
    const answer = await postEvents([event(patch)]);
    expect(answer.status).toBe(400);
    expect(answer.body.rejected![0]!.reason.startsWith(`${field}:`)).toBe(true);
    expect(await db().reloadEvent.count()).toBe(0);
    expect(await db().service.count()).toBe(0);
  });

  test("a lone surrogate in one event does not fail its batch", async () => {
    const answer = await postEvents([event({ service: "svc-\ud800" }), event({ instance: "fine-1" })]);
    expect(answer.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await db().instanceState.findFirstOrThrow({ include: { instance: true } })).instance.instanceKey).toBe(
      "fine-1",
    );
  });
});

describe("11. a database that is shutting down", () => {
  test("answers 503 with Retry-After (57P03 through Prisma and through pg), and a later request works again", async () => {
    const { startRefusingPostgres } = await import("../support/refusing-postgres");
    const { disconnectDb } = await import("@/lib/db/client");
    const fake = await startRefusingPostgres("57P03", "the database system is shutting down");
    const realUrl = process.env.DATABASE_URL;
    try {
      await disconnectDb();
      process.env.DATABASE_URL = fake.url;
      resetEnvCache();
      // A token never seen before, so the lookup has to reach the database.
      const answer = await postEvents([event()], { token: "rs_never_seen_token_0000000000000000" });
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await disconnectDb();
      process.env.DATABASE_URL = realUrl;
      resetEnvCache();
      await fake.close();
    }
    expect((await postEvents([event()])).status).toBe(200);
  });
});

describe("8. ingest reads what a batch touches, not whole reloads", () => {
  /** Rows of reload_instance read by scans and index fetches since the last call (after a stats flush). */
  async function reloadInstanceRowsRead(): Promise<number> {
    await sql().query(`SELECT pg_stat_force_next_flush()`);
    const [row] = await sql().query<{ n: string }[]>(
      `SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::text AS n FROM pg_stat_user_tables WHERE relname = 'reload_instance'`,
    );
    return Number(row!.n);
  }

  test("an ack from one of 2,000 targets reads a handful of reload_instance rows", async () => {
    const targets = Array.from({ length: 2000 }, (_, i) => `big-${i}`);
    await postEvents([event({ ...control("rl-big"), phase: "dispatched", targets, occurredAt: minutesAgo(3) })]);
    await postEvents(
      targets
        .slice(0, 500)
        .map((instance) =>
          event({ reloadId: "rl-big", instance, phase: "acked", toVersion: "v2", occurredAt: minutesAgo(2) }),
        ),
    );
    const before = await reloadInstanceRowsRead();
    await postEvents([report("rl-big", targets[1999], "acked", 1)]);
    const read = (await reloadInstanceRowsRead()) - before;
    // The first slice recounted the reload's rows on every batch (2,000+ reads here).
    expect(read).toBeLessThan(20);
    expect((await reloadOf("rl-big")).instancesSucceeded).toBe(501);
  });
});
