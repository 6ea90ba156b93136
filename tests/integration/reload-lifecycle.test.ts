import { describe, expect, test } from "vitest";
import { db } from "@/lib/db/client";
import { NO_FLEET_FILTERS } from "@/lib/fleet/filters";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { getServiceDetail } from "@/lib/services/queries";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { concurrencyTest, useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();

/** The one reload these tests' single service has under `reloadId` (reloads are keyed per service). */
async function reloadNamed(reloadId: string) {
  const reloads = await db().reload.findMany({ where: { reloadId } });
  expect(reloads).toHaveLength(1);
  return reloads[0]!;
}

function reloadEvents(
  reloadId: string,
  instances: string[],
  startMinutesAgo: number,
  outcome: (i: number) => "acked" | "nacked" | "failed",
) {
  const start = Date.now() - startMinutesAgo * 60_000;
  const at = (offsetSeconds: number) => new Date(start + offsetSeconds * 1000).toISOString();
  const control = { reloadId, fromVersion: "v1", toVersion: "v2", initiator: "person:sam", instance: null };
  return [
    event({ ...control, phase: "requested", occurredAt: at(0) }),
    event({ ...control, phase: "approved", occurredAt: at(60) }),
    event({ ...control, phase: "dispatched", occurredAt: at(70) }),
    ...instances.flatMap((instance, i) => {
      const one = { ...control, instance };
      const result = outcome(i);
      if (result === "acked") {
        return [
          event({ ...one, phase: "received", occurredAt: at(71) }),
          event({ ...one, phase: "applied", occurredAt: at(72 + i) }),
          event({ ...one, phase: "acked", occurredAt: at(73 + i) }),
        ];
      }
      return [
        event({ ...one, phase: "received", occurredAt: at(71) }),
        event({ ...one, phase: result, error: "refused: schema mismatch", occurredAt: at(72) }),
      ];
    }),
  ];
}

describe("reload lifecycle", () => {
  const instances = ["i-1", "i-2", "i-3", "i-4"];

  test("a reload every instance acks succeeds, with convergence time and a desired version", async () => {
    await postEvents(instances.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(60) })));
    await postEvents(reloadEvents("rl-ok", instances, 30, () => "acked"));
    const reload = await reloadNamed("rl-ok");
    expect(reload).toMatchObject({
      status: "succeeded",
      instancesReporting: 4,
      instancesSucceeded: 4,
      instancesFailed: 0,
      toVersion: "v2",
      initiator: "person:sam",
    });
    // dispatched at +70 s, last ack at +76 s
    expect(Number(reload.convergenceMs)).toBe(6000);
    const desired = await db().desiredVersion.findFirstOrThrow({});
    expect(desired.version).toBe("v2");
  });

  test("one NACK makes it partially failed and the instance drifts off the desired version", async () => {
    await postEvents(instances.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(60) })));
    await postEvents(reloadEvents("rl-nack", instances, 30, (i) => (i === 2 ? "nacked" : "acked")));
    const reload = await reloadNamed("rl-nack");
    expect(reload).toMatchObject({
      status: "partially_failed",
      instancesTargeted: 4,
      instancesSucceeded: 3,
      instancesNacked: 1,
      instancesFailed: 0,
      lastError: "refused: schema mismatch",
    });

    const matrix = await asViewer(() => getFleetMatrix(NO_FLEET_FILTERS));
    const row = matrix.groups[0]!.rows[0]!;
    const cell = row.cells.config![0]!;
    expect(cell.versions).toEqual([
      { version: "v2", instances: 3, isDesired: true },
      { version: "v1", instances: 1, isDesired: false },
    ]);
    expect(cell.nacked).toBe(1);
    expect(cell.drift.drifting).toBe(true);
    expect(cell.drift.reasons).toEqual(["mixed_versions", "off_desired"]);
    expect(row.drifting).toBe(true);

    const drifting = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, drifting: true }));
    expect(drifting.totals.matching).toBe(1);
  });

  test("a reload every instance fails is failed and keeps its target desired, so every instance drifts", async () => {
    await postEvents(instances.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(60) })));
    await postEvents(reloadEvents("rl-bad", instances, 30, () => "failed"));
    const reload = await reloadNamed("rl-bad");
    expect(reload.status).toBe("failed");
    // DESIGN.md: the desired version is kept when a reload fails; the instances left behind are drift.
    expect((await db().desiredVersion.findFirstOrThrow({})).version).toBe("v2");
    const detail = await asViewer(() => getServiceDetail(reload.serviceId));
    expect(detail!.reloads[0]!.status).toBe("failed");
    expect(Object.values(detail!.instances[0]!.states)[0]!.outcome).toBe("failed");
  });

  test("events of one reload split over requests in any order give the same status", async () => {
    const all = reloadEvents("rl-split", instances, 30, (i) => (i === 0 ? "nacked" : "acked")).reverse();
    for (let i = 0; i < all.length; i += 3) await postEvents(all.slice(i, i + 3));
    const reload = await reloadNamed("rl-split");
    expect(reload.status).toBe("partially_failed");
    expect(reload.requestedAt).not.toBeNull();
    expect(reload.instancesReporting).toBe(4);
  });

  concurrencyTest("concurrent acks from many instances are all counted", async () => {
    const many = Array.from({ length: 16 }, (_, i) => `inst-${i}`);
    // The 16 instances run the resource before the reload starts, so they are its targets.
    await postEvents(many.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(60) })));
    await postEvents(reloadEvents("rl-many", [], 5, () => "acked"));
    await Promise.all(
      many.map((instance, i) =>
        postEvents([
          event({
            reloadId: "rl-many",
            instance,
            phase: "acked",
            toVersion: "v2",
            occurredAt: minutesAgo(2 - i * 0.01),
          }),
        ]),
      ),
    );
    const reload = await reloadNamed("rl-many");
    expect(reload.instancesSucceeded).toBe(16);
    expect(reload.status).toBe("succeeded");
  });

  test("the matrix filters by environment, namespace and kind", async () => {
    await postEvents([
      event({ environment: "prod", namespace: "a", service: "s1", kind: "config" }),
      event({ environment: "staging", namespace: "a", service: "s1", kind: "model", resource: "m" }),
      event({ environment: "prod", namespace: "b", service: "s2", kind: "model", resource: "m" }),
    ]);
    expect((await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, env: "staging" }))).totals.matching).toBe(1);
    expect((await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, ns: "b" }))).totals.matching).toBe(1);
    const models = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, kind: "model" }));
    expect(models.totals.matching).toBe(2);
    expect(models.kinds).toEqual(["model"]);
    expect(models.facets.environments).toEqual(["prod", "staging"]);
  });
});

describe("desired version after a reload was under way", () => {
  const instances = ["i-1", "i-2"];

  test("stays the failed reload's target: the instances left on the old version are drift", async () => {
    await postEvents(instances.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(120) })));
    await postEvents(reloadEvents("rl-first", instances, 90, () => "acked"));
    expect((await db().desiredVersion.findFirstOrThrow({})).version).toBe("v2");

    // The next reload is requested, approved and dispatched: its target becomes desired…
    const start = Date.now() - 10 * 60_000;
    const at = (s: number) => new Date(start + s * 1000).toISOString();
    const control = { reloadId: "rl-second", fromVersion: "v2", toVersion: "v3", instance: null };
    await postEvents([
      event({ ...control, phase: "requested", occurredAt: at(0) }),
      event({ ...control, phase: "approved", occurredAt: at(10) }),
      event({ ...control, phase: "dispatched", occurredAt: at(20) }),
    ]);
    expect((await db().desiredVersion.findFirstOrThrow({})).version).toBe("v3");

    // …and stays so when every instance then refuses it: both instances drift off v3.
    await postEvents(
      instances.map((instance) =>
        event({ ...control, instance, phase: "nacked", error: "bad config", occurredAt: at(30) }),
      ),
    );
    expect((await reloadNamed("rl-second")).status).toBe("failed");
    expect(await db().desiredVersion.findFirstOrThrow({})).toMatchObject({ version: "v3", reloadId: "rl-second" });
    const matrix = await asViewer(() => getFleetMatrix(NO_FLEET_FILTERS));
    expect(matrix.totals.drifting).toBe(1);
  });

  test("goes back to the previous reload's target when the later one is rolled back", async () => {
    await postEvents(instances.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(120) })));
    await postEvents(reloadEvents("rl-first", instances, 90, () => "acked"));
    const control = { reloadId: "rl-only", fromVersion: "v2", toVersion: "v3", instance: null };
    await postEvents([
      event({ ...control, phase: "requested", occurredAt: minutesAgo(30) }),
      event({ ...control, phase: "dispatched", occurredAt: minutesAgo(29) }),
    ]);
    expect((await db().desiredVersion.findFirstOrThrow({})).version).toBe("v3");
    await postEvents(event({ ...control, phase: "rolled_back", occurredAt: minutesAgo(20) }));
    expect((await reloadNamed("rl-only")).status).toBe("rolled_back");
    expect((await db().desiredVersion.findFirstOrThrow({})).version).toBe("v2");
  });

  test("a rejected request sets nothing", async () => {
    await postEvents(instances.map((instance) => event({ instance, toVersion: "v1", occurredAt: minutesAgo(120) })));
    const control = { reloadId: "rl-no", fromVersion: "v1", toVersion: "v2", instance: null };
    await postEvents([
      event({ ...control, phase: "requested", occurredAt: minutesAgo(30) }),
      event({ ...control, phase: "rejected", occurredAt: minutesAgo(29) }),
    ]);
    expect((await reloadNamed("rl-no")).status).toBe("rejected");
    expect(await db().desiredVersion.count()).toBe(0);
  });

  test("an instance's own rollback is a partial failure, not the reload's", async () => {
    await postEvents(reloadEvents("rl-rb", instances, 10, () => "acked"));
    await postEvents(
      event({
        reloadId: "rl-rb",
        instance: "i-1",
        phase: "rolled_back",
        fromVersion: "v1",
        toVersion: "v2",
        occurredAt: minutesAgo(5),
      }),
    );
    const reload = await reloadNamed("rl-rb");
    expect(reload.status).toBe("partially_failed");
    expect((await db().desiredVersion.findFirstOrThrow({})).version).toBe("v2");
  });
});

test("instances silent for longer than INSTANCE_STALE_SECONDS leave the matrix and its drift", async () => {
  await postEvents([
    event({
      instance: "pod-replaced",
      toVersion: "v1",
      occurredAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    }),
    event({ instance: "pod-current", toVersion: "v2", occurredAt: minutesAgo(30) }),
  ]);
  const matrix = await asViewer(() => getFleetMatrix(NO_FLEET_FILTERS));
  const row = matrix.groups[0]!.rows[0]!;
  expect(row.service.instanceCount).toBe(1);
  expect(row.cells.config![0]!.versions).toEqual([{ version: "v2", instances: 1, isDesired: false }]);
  expect(row.drifting).toBe(false);
  const detail = await asViewer(() => getServiceDetail(row.service.id));
  expect(detail!.instances.find((i) => i.instanceKey === "pod-replaced")!.stale).toBe(true);
});
