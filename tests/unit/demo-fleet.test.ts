import { describe, expect, test } from "vitest";
import { DEMO_SERVICES, demoFleetEvents } from "@/lib/demo/demo-fleet";
import { assessDrift, type VersionCount } from "@/lib/domain/drift";
import { foldInstanceState, type InstanceState } from "@/lib/domain/instance-state";
import { deriveReloadStatus, desiredVersionFrom, foldReloadFacts, type ReloadFacts } from "@/lib/domain/reload-status";
import type { ReloadEventInput, ReloadStatus } from "@/lib/domain/types";
import { DEFAULT_RETENTION_MS, parseEvents } from "@/lib/ingest/parse-events";
import { countsOf } from "./helpers";

const NOW = new Date("2026-11-21T15:00:00.000Z");
/** RELOAD_TIMEOUT_SECONDS' default. */
const TIMEOUT_MS = 900_000;
const BOUNDS = { now: NOW, retentionMs: DEFAULT_RETENTION_MS };

const wire = demoFleetEvents({ now: NOW });
const serviceKey = (e: Record<string, unknown> | ReloadEventInput) =>
  `${String(e.environment)}/${String(e.namespace)}/${String(e.service)}`;

function parsedDemo(): ReloadEventInput[] {
  const parsed = parseEvents(wire, "json", wire.length, BOUNDS);
  expect(parsed.rejected).toEqual([]);
  return parsed.events.map((p) => p.event);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

describe("demo fleet: shape", () => {
  test("every demo event passes parseEvents with zero rejections", () => {
    const parsed = parseEvents(wire, "json", wire.length, BOUNDS);
    expect(parsed.total).toBe(wire.length);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(wire.length);
    expect(wire.length).toBeGreaterThan(500);
  });

  test("event ids are unique", () => {
    const ids = wire.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("events come oldest first and none is after now", () => {
    const times = wire.map((e) => Date.parse(String(e.occurredAt)));
    expect(times.every((t, i) => i === 0 || times[i - 1]! <= t)).toBe(true);
    expect(Math.max(...times)).toBeLessThanOrEqual(NOW.getTime());
  });

  test("is deterministic for a given clock", () => {
    expect(demoFleetEvents({ now: NOW })).toEqual(wire);
  });

  test("the events report 12 services over 2 environments, exactly the declared ones", () => {
    // Counted from the generated events, not from the declaration they are generated from.
    const inEvents = new Set(wire.map(serviceKey));
    expect(inEvents.size).toBe(12);
    expect(inEvents).toEqual(new Set(DEMO_SERVICES.map((s) => `${s.environment}/${s.namespace}/${s.name}`)));
    expect(new Set(wire.map((e) => e.environment))).toEqual(new Set(["prod", "staging"]));
  });

  test.each(DEMO_SERVICES.map((s) => [`${s.environment}/${s.namespace}/${s.name}`, s.instances] as const))(
    "%s: its events name exactly its %i instances, between 3 and 10",
    (key, count) => {
      const instances = new Set(wire.filter((e) => serviceKey(e) === key && e.instance).map((e) => e.instance));
      expect(instances.size).toBe(count);
      expect(instances.size).toBeGreaterThanOrEqual(3);
      expect(instances.size).toBeLessThanOrEqual(10);
    },
  );

  test("contains at least one nacked event, with its error", () => {
    const nacks = wire.filter((e) => e.phase === "nacked");
    expect(nacks.length).toBeGreaterThanOrEqual(1);
    for (const n of nacks) expect(String(n.error ?? "").length).toBeGreaterThan(0);
  });

  test("contains a reload whose every instance failed", () => {
    const byReload = groupBy(
      wire.filter((e) => e.reloadId && e.instance),
      (e) => String(e.reloadId),
    );
    const allFailed = [...byReload.values()].filter((events) => {
      const byInstance = groupBy(events, (e) => String(e.instance));
      return [...byInstance.values()].every(
        (list) =>
          list.some((e) => e.phase === "failed") && !list.some((e) => e.phase === "applied" || e.phase === "acked"),
      );
    });
    expect(allFailed.length).toBeGreaterThanOrEqual(1);
    // It reaches every instance of its service, not just one.
    const failed = allFailed[0]!;
    const key = serviceKey(failed[0]!);
    const size = DEMO_SERVICES.find((s) => `${s.environment}/${s.namespace}/${s.name}` === key)!.instances;
    expect(new Set(failed.map((e) => e.instance)).size).toBe(size);
  });
});

/** Reloads and instance states folded from the parsed demo, computed once inside the first test that needs them. */
interface Folded {
  reloads: { reloadId: string; key: string; facts: ReloadFacts; status: ReloadStatus }[];
  states: { cell: string; instance: string; state: InstanceState }[];
}
let folded: Folded | undefined;
function demoFolded(): Folded {
  if (folded) return folded;
  const events = parsedDemo();
  const reloads = [
    ...groupBy(
      events.filter((e) => e.reloadId),
      (e) => e.reloadId!,
    ).entries(),
  ].map(([reloadId, list]) => {
    const facts = list.reduce<ReloadFacts | null>(foldReloadFacts, null)!;
    const first = list[0]!;
    // No demo dispatch names its targets: the scope is the service's instances (all live).
    const targets = DEMO_SERVICES.find(
      (s) => `${s.environment}/${s.namespace}/${s.name}` === serviceKey(first),
    )!.instances;
    const counts = countsOf(list, targets);
    return {
      reloadId,
      key: `${serviceKey(first)}/${first.kind}/${first.resource}`,
      facts,
      status: deriveReloadStatus(facts, counts, NOW, TIMEOUT_MS),
    };
  });
  const states = [
    ...groupBy(
      events.filter((e) => e.instance),
      (e) => `${serviceKey(e)}/${e.kind}/${e.resource}\u0000${e.instance}`,
    ).entries(),
  ].map(([key, list]) => ({
    cell: key.split("\u0000")[0]!,
    instance: key.split("\u0000")[1]!,
    state: foldInstanceState(null, list)!,
  }));
  folded = { reloads, states };
  return folded;
}

const reloadsOf = (cell: string) =>
  demoFolded()
    .reloads.filter((r) => r.key === cell)
    .sort((a, b) => a.facts.firstEventAt.getTime() - b.facts.firstEventAt.getTime());
const cellStates = (cell: string) =>
  demoFolded()
    .states.filter((s) => s.cell === cell)
    .map((s) => s.state);

function drift(cell: string) {
  const list: InstanceState[] = cellStates(cell);
  const versions = [...groupBy(list, (s) => String(s.version)).values()].map((group): VersionCount => ({
    version: group[0]!.version,
    instances: group.length,
    newestSince: new Date(Math.max(...group.map((s) => s.since?.getTime() ?? 0))),
  }));
  const desired =
    reloadsOf(cell)
      .map((r) => desiredVersionFrom(r.facts, r.status))
      .filter((d) => d !== null)
      .at(-1) ?? null;
  return assessDrift(versions, desired, NOW);
}

describe("demo fleet through the domain functions", () => {
  test.each<[string, ReloadStatus]>([
    ["prod/identity/auth-gateway/policy/authz.rego", "failed"],
    ["prod/edge/ingress/routes/routes.yaml", "partially_failed"],
    // One indexer instance never finished its last reload, days ago: past the deadline it expired.
    ["prod/search/indexer/config/ranking.yaml", "expired"],
    ["prod/payments/checkout-api/config/checkout.yaml", "succeeded"],
  ])("the last reload of %s is %s", (cell, status) => {
    expect(reloadsOf(cell).at(-1)!.status).toBe(status);
  });

  test("every other reload succeeded", () => {
    const { reloads } = demoFolded();
    const counts = reloads.reduce<Record<string, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {});
    expect(counts).toEqual({ succeeded: reloads.length - 3, failed: 1, partially_failed: 1, expired: 1 });
  });

  test("the NACKing ingress proxy still shows the NACK after its later heartbeats, on the old routes", () => {
    const nacked = cellStates("prod/edge/ingress/routes/routes.yaml").filter((s) => s.outcome === "nacked");
    expect(nacked).toHaveLength(1);
    expect(nacked[0]).toMatchObject({ version: "rt-5120", lastPhase: "heartbeat" });
    expect(nacked[0]!.lastError).toMatch(/route conflict/);
  });

  test("every auth-gateway instance stays on the old policy with the failure visible", () => {
    const list = cellStates("prod/identity/auth-gateway/policy/authz.rego");
    expect(list).toHaveLength(6);
    for (const s of list) expect(s).toMatchObject({ version: "p-1207", outcome: "failed" });
  });

  test.each<[string, boolean, number]>([
    ["prod/search/indexer/config/ranking.yaml", true, 1],
    ["prod/edge/ingress/routes/routes.yaml", true, 1],
    ["prod/payments/checkout-api/config/checkout.yaml", false, 0],
    // A failed reload keeps its target desired: the six instances left on the old policy drift.
    ["prod/identity/auth-gateway/policy/authz.rego", true, 6],
    ["staging/edge/ingress/routes/routes.yaml", false, 0],
  ])("%s drifting %s with %i instance(s) off desired", (cell, drifting, offDesired) => {
    const d = drift(cell);
    expect(d.drifting).toBe(drifting);
    expect(d.offDesired).toBe(offDesired);
  });
});
