import { describe, expect, test } from "vitest";
import { db } from "@/lib/db/client";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { shuffled } from "@/lib/random";
import { concurrencyTest, useTestDatabase } from "../support/use-database";

useTestDatabase();

const stateOf = async (instanceKey: string, resource = "routes.yaml") => {
  const instance = await db().instance.findFirstOrThrow({ where: { instanceKey } });
  return db().instanceState.findUniqueOrThrow({
    where: { instanceId_kind_resource: { instanceId: instance.id, kind: "config", resource } },
  });
};

describe("instance state", () => {
  test("an older event arriving after a newer one goes into history without turning the version back", async () => {
    await postEvents(event({ phase: "applied", reloadId: "rl-new", toVersion: "v2", occurredAt: minutesAgo(5) }));
    await postEvents(event({ phase: "applied", reloadId: "rl-old", toVersion: "v1", occurredAt: minutesAgo(30) }));
    const state = await stateOf("checkout-api-1");
    expect(state.version).toBe("v2");
    expect(await db().reloadEvent.count()).toBe(2);
  });

  test("out-of-order events inside one batch are applied oldest first", async () => {
    const newest = minutesAgo(1);
    await postEvents([
      event({ toVersion: "v3", occurredAt: newest }),
      event({ toVersion: "v1", occurredAt: minutesAgo(20) }),
      event({ toVersion: "v2", occurredAt: minutesAgo(10) }),
    ]);
    const state = await stateOf("checkout-api-1");
    expect(state.version).toBe("v3");
    expect(state.since?.toISOString()).toBe(newest);
  });

  test("a NACK keeps the running version and records the error", async () => {
    await postEvents(event({ toVersion: "v1", occurredAt: minutesAgo(10) }));
    await postEvents(
      event({
        phase: "nacked",
        reloadId: "rl-2",
        fromVersion: "v1",
        toVersion: "v2",
        error: "bad route",
        occurredAt: minutesAgo(5),
      }),
    );
    const state = await stateOf("checkout-api-1");
    expect(state).toMatchObject({ version: "v1", outcome: "nacked", lastError: "bad route", lastReloadId: "rl-2" });
  });

  test("ingest records who changed the version, the same whatever the arrival order", async () => {
    const times = [minutesAgo(30), minutesAgo(20), minutesAgo(10), minutesAgo(5)];
    const life = (instance: string) => [
      event({ instance, toVersion: "v1", occurredAt: times[0] }),
      // the version changes with no reload reporting it
      event({ instance, toVersion: "v2", occurredAt: times[1] }),
      event({ instance, toVersion: "v2", occurredAt: times[2] }),
    ];
    // in-order, one by one; and newest first, one by one (each a late event: the history replays)
    for (const e of life("in-order")) expect((await postEvents(e)).status).toBe(200);
    for (const e of life("reversed").reverse()) expect((await postEvents(e)).status).toBe(200);
    for (const instance of ["in-order", "reversed"]) {
      expect(await stateOf(instance), instance).toMatchObject({
        version: "v2",
        since: new Date(times[1]!),
        previousVersion: "v1",
        changedByHeartbeat: true,
      });
    }
    // a reload acked on both moves them on: no longer a heartbeat's change
    for (const instance of ["in-order", "reversed"]) {
      await postEvents(
        event({ instance, phase: "acked", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", occurredAt: times[3] }),
      );
      expect(await stateOf(instance), instance).toMatchObject({
        version: "v3",
        previousVersion: "v2",
        changedByHeartbeat: false,
      });
    }
  });

  concurrencyTest("concurrent writers to one instance lose no update", async () => {
    // 16 requests at once (the per-process ingest limit), each moving the instance to a later version; the newest must win.
    const base = Date.now() - 60 * 60_000;
    const versions = Array.from({ length: 16 }, (_, i) => i);
    // Sent in a fixed shuffled order (seeded), so the newest is neither first nor last by construction.
    const order = shuffled(versions, 20261123);
    expect(order.at(-1)).not.toBe(15);
    const answers = await Promise.all(
      order.map((i) =>
        postEvents([
          event({ toVersion: `v${i}`, occurredAt: new Date(base + i * 1000).toISOString() }),
          event({ resource: "other.yaml", toVersion: `w${i}`, occurredAt: new Date(base + i * 1000).toISOString() }),
        ]),
      ),
    );
    expect(answers.every((a) => a.status === 200 && a.body.accepted === 2)).toBe(true);
    expect((await stateOf("checkout-api-1")).version).toBe("v15");
    expect((await stateOf("checkout-api-1", "other.yaml")).version).toBe("w15");
    expect(await db().instanceState.count()).toBe(2);
    expect(await db().instance.count()).toBe(1);
    expect(await db().reloadEvent.count()).toBe(32);
  });

  concurrencyTest("concurrent first events for new services and instances create each once", async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postEvents([event({ service: "fresh", instance: `i-${i % 3}` })])),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await db().service.count()).toBe(1);
    expect(await db().instance.count()).toBe(3);
    expect(await db().instanceState.count()).toBe(3);
  });
});

describe("instances", () => {
  test("labels follow the newest event, even within the same minute; older events only fill gaps", async () => {
    const [oldest, newest] = [minutesAgo(30), minutesAgo(9.9)];
    await postEvents(event({ labels: { region: "eu-west-1" }, occurredAt: minutesAgo(10) }));
    await postEvents(event({ labels: { region: "eu-central-1", pod: "p-2" }, occurredAt: newest }));
    await postEvents(event({ labels: { region: "us-east-1", zone: "a" }, occurredAt: oldest }));
    const instance = await db().instance.findFirstOrThrow({});
    expect(instance.labels).toEqual({ region: "eu-central-1", pod: "p-2", zone: "a" });
    expect(instance.firstSeenAt.toISOString()).toBe(oldest);
    // Last-seen is touched at most once a minute (ADR 0004), so it may lag the newest event by under a minute, never lead it.
    const lag = Date.parse(newest) - instance.lastSeenAt.getTime();
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60_000);
  });
});
