import { describe, expect, test } from "vitest";
import {
  completedAt,
  convergenceMs,
  deriveReloadStatus,
  desiredVersionFrom,
  foldReloadFacts,
  instancePhaseBucket,
  TERMINAL_STATUSES,
  type ReloadFacts,
  type ReloadInstanceCounts,
} from "@/lib/domain/reload-status";
import { PHASES, RELOAD_STATUSES, type Phase, type ReloadEventInput, type ReloadStatus } from "@/lib/domain/types";
import fixture from "../fixtures/reload-lifecycle.json";
import { at, countsOf, domainEvent, shuffled } from "./helpers";

interface ScenarioEvent {
  phase: Phase;
  t: number;
  instance: string | null;
  initiator?: string;
  error?: string | null;
  fromVersion?: string;
  toVersion?: string;
}
interface Scenario {
  name: string;
  events: ScenarioEvent[];
  expect: {
    status: ReloadStatus;
    convergenceMs: number | null;
    completedAt: number | null;
    desired: { version: string; t: number } | null;
    initiator: string | null;
    lastError: string | null;
  };
}

const scenarios = fixture.scenarios as Scenario[];

function eventsOf(s: Scenario): ReloadEventInput[] {
  return s.events.map((e) =>
    domainEvent({
      phase: e.phase,
      reloadId: "rl-1",
      instance: e.instance,
      fromVersion: e.fromVersion ?? "v1",
      toVersion: e.toVersion ?? "v2",
      initiator: e.initiator ?? null,
      error: e.error ?? null,
      occurredAt: at(e.t),
    }),
  );
}

const fold = (events: ReloadEventInput[]) => events.reduce<ReloadFacts | null>(foldReloadFacts, null)!;

describe("reload lifecycle (fixture scenarios)", () => {
  test.each(scenarios.map((s) => [s.name, s] as const))("%s", (_name, s) => {
    const events = eventsOf(s);
    const facts = fold(events);
    const counts = countsOf(events);
    const status = deriveReloadStatus(facts, counts);
    expect(status).toBe(s.expect.status);
    expect(convergenceMs(facts, counts, status)).toBe(s.expect.convergenceMs);
    expect(completedAt(facts, counts, status)).toEqual(s.expect.completedAt === null ? null : at(s.expect.completedAt));
    expect(desiredVersionFrom(facts, status)).toEqual(
      s.expect.desired === null ? null : { version: s.expect.desired.version, setAt: at(s.expect.desired.t) },
    );
    expect(facts.initiator).toBe(s.expect.initiator);
    expect(facts.lastError).toBe(s.expect.lastError);
    expect(facts).toMatchObject({ kind: "config", resource: "routes.yaml", fromVersion: "v1", toVersion: "v2" });
  });

  test("the scenarios cover every status of the lifecycle", () => {
    const covered = new Set(scenarios.map((s) => s.expect.status));
    for (const status of ["pending_approval", "approved", "dispatching", "in_progress", "succeeded", "partially_failed", "failed", "rolled_back", "rejected"] as const) {
      expect(covered).toContain(status);
    }
  });
});

describe("foldReloadFacts is order-independent", () => {
  const seeds = [1, 2, 3, 5, 8, 13, 21, 34];
  test.each(scenarios.flatMap((s) => seeds.map((seed) => [s.name, seed, s] as const)))("%s (seed %i)", (_name, seed, s) => {
    const events = eventsOf(s);
    const sorted = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    expect(fold(shuffled(events, seed))).toEqual(fold(sorted));
    expect(fold([...events].reverse())).toEqual(fold(sorted));
  });
});

describe("foldReloadFacts", () => {
  test("the request is the authority on versions and initiator, whatever arrives first", () => {
    const instanceFirst = domainEvent({ phase: "applied", fromVersion: "stale", toVersion: "other", initiator: "agent:x", occurredAt: at(5) });
    const request = domainEvent({ phase: "requested", instance: null, fromVersion: "v1", toVersion: "v2", initiator: "person:sam.o", occurredAt: at(0) });
    for (const order of [[instanceFirst, request], [request, instanceFirst]]) {
      expect(fold(order)).toMatchObject({ fromVersion: "v1", toVersion: "v2", initiator: "person:sam.o", requestedAt: at(0), firstEventAt: at(0), lastEventAt: at(5) });
    }
  });

  test("a rolled_back event never changes what the reload was for", () => {
    const rb = domainEvent({ phase: "rolled_back", instance: null, fromVersion: "v2", toVersion: "v1", initiator: "person:ana.p", occurredAt: at(9) });
    const facts = fold([rb]);
    expect(facts).toMatchObject({ fromVersion: null, toVersion: null, initiator: null, rolledBackAt: at(9) });
  });

  test("keeps the earliest time of each control phase", () => {
    const facts = fold([
      domainEvent({ phase: "dispatched", instance: null, occurredAt: at(30) }),
      domainEvent({ phase: "dispatched", instance: null, occurredAt: at(10) }),
      domainEvent({ phase: "dispatched", instance: null, occurredAt: at(20) }),
      domainEvent({ phase: "approved", instance: null, occurredAt: at(8) }),
      domainEvent({ phase: "approved", instance: null, occurredAt: at(5) }),
    ]);
    expect(facts).toMatchObject({ dispatchedAt: at(10), approvedAt: at(5), firstEventAt: at(5), lastEventAt: at(30) });
  });

  test("only a failure without an instance marks the reload failed as a whole", () => {
    const instanceFailure = fold([domainEvent({ phase: "failed", instance: "i-1", error: "e", occurredAt: at(1) })]);
    expect(instanceFailure.failedAt).toBeNull();
    expect(instanceFailure.lastError).toBe("e");
    const controlFailure = fold([domainEvent({ phase: "failed", instance: null, error: "e", occurredAt: at(1) })]);
    expect(controlFailure.failedAt).toEqual(at(1));
  });

  test("does not mutate the facts it is given", () => {
    const first = fold([domainEvent({ phase: "requested", instance: null, toVersion: "v2", occurredAt: at(0) })]);
    const copy = structuredClone(first);
    foldReloadFacts(first, domainEvent({ phase: "approved", instance: null, occurredAt: at(9) }));
    expect(first).toEqual(copy);
  });
});

describe("instancePhaseBucket", () => {
  const expected: Record<Phase, ReturnType<typeof instancePhaseBucket>> = {
    requested: null,
    approved: null,
    rejected: null,
    heartbeat: null,
    dispatched: "inProgress",
    received: "inProgress",
    parsed: "inProgress",
    validated: "inProgress",
    staged: "inProgress",
    applied: "succeeded",
    acked: "succeeded",
    nacked: "failed",
    failed: "failed",
    rolled_back: "rolledBack",
  };
  test.each(PHASES.map((p) => [p, expected[p]] as const))("%s → %s", (phase, bucket) => {
    expect(instancePhaseBucket(phase)).toBe(bucket);
  });
});

const noFacts: ReloadFacts = {
  kind: "config",
  resource: "routes.yaml",
  fromVersion: "v1",
  toVersion: "v2",
  initiator: null,
  requestedAt: null,
  approvedAt: null,
  rejectedAt: null,
  dispatchedAt: null,
  rolledBackAt: null,
  failedAt: null,
  firstEventAt: at(0),
  lastEventAt: at(100),
  lastError: null,
  lastErrorAt: null,
};
const noCounts: ReloadInstanceCounts = {
  reporting: 0,
  succeeded: 0,
  failed: 0,
  inProgress: 0,
  rolledBack: 0,
  lastSucceededAt: null,
  lastFinishedAt: null,
};

describe("deriveReloadStatus precedence", () => {
  test.each<[string, Partial<ReloadFacts>, Partial<ReloadInstanceCounts>, ReloadStatus]>([
    ["requested only", { requestedAt: at(0) }, {}, "pending_approval"],
    ["approved", { requestedAt: at(0), approvedAt: at(1) }, {}, "approved"],
    ["dispatched", { requestedAt: at(0), approvedAt: at(1), dispatchedAt: at(2) }, {}, "dispatching"],
    ["an instance on the way", { dispatchedAt: at(2) }, { reporting: 2, succeeded: 1, inProgress: 1 }, "in_progress"],
    ["in progress wins over a failure", { dispatchedAt: at(2) }, { reporting: 2, failed: 1, inProgress: 1 }, "in_progress"],
    ["all succeeded", { dispatchedAt: at(2) }, { reporting: 3, succeeded: 3 }, "succeeded"],
    ["some failed", { dispatchedAt: at(2) }, { reporting: 3, succeeded: 2, failed: 1 }, "partially_failed"],
    ["all failed", { dispatchedAt: at(2) }, { reporting: 3, failed: 3 }, "failed"],
    ["control-plane failure before any instance", { dispatchedAt: at(2), failedAt: at(3) }, {}, "failed"],
    ["control-plane failure with successes", { dispatchedAt: at(2), failedAt: at(3) }, { reporting: 1, succeeded: 1 }, "partially_failed"],
    ["rejected", { requestedAt: at(0), rejectedAt: at(1) }, {}, "rejected"],
    ["rolled back by the control plane", { dispatchedAt: at(2), rolledBackAt: at(9) }, { reporting: 2, succeeded: 2 }, "rolled_back"],
    ["one instance of two rolled back", { dispatchedAt: at(2) }, { reporting: 2, succeeded: 1, rolledBack: 1 }, "partially_failed"],
    ["every instance rolled back", { dispatchedAt: at(2) }, { reporting: 2, rolledBack: 2 }, "rolled_back"],
    ["rollback wins over in-progress", { dispatchedAt: at(2), rolledBackAt: at(9) }, { reporting: 2, inProgress: 2 }, "rolled_back"],
  ])("%s → %s", (_name, facts, counts, status) => {
    expect(deriveReloadStatus({ ...noFacts, ...facts }, { ...noCounts, ...counts })).toBe(status);
  });
});

describe("convergenceMs", () => {
  const counts = { ...noCounts, reporting: 2, succeeded: 2, lastSucceededAt: at(50) };
  test.each<[string, Partial<ReloadFacts>, ReloadStatus, Partial<ReloadInstanceCounts>, number | null]>([
    ["from the dispatch", { requestedAt: at(0), dispatchedAt: at(20) }, "succeeded", {}, 30_000],
    ["from the request when nothing was dispatched", { requestedAt: at(5) }, "succeeded", {}, 45_000],
    ["from the first event when neither", {}, "succeeded", {}, 50_000],
    ["partially failed counts too", { dispatchedAt: at(10) }, "partially_failed", {}, 40_000],
    ["never negative", { dispatchedAt: at(60) }, "succeeded", {}, 0],
    ["null without a success", { dispatchedAt: at(10) }, "succeeded", { lastSucceededAt: null }, null],
    ...(["pending_approval", "approved", "dispatching", "in_progress", "failed", "rolled_back", "rejected", "cancelled", "expired"] as const).map(
      (s): [string, Partial<ReloadFacts>, ReloadStatus, Partial<ReloadInstanceCounts>, number | null] => [`null while ${s}`, { dispatchedAt: at(10) }, s, {}, null],
    ),
  ])("%s", (_name, facts, status, extra, expected) => {
    expect(convergenceMs({ ...noFacts, ...facts }, { ...counts, ...extra }, status)).toBe(expected);
  });
});

describe("completedAt", () => {
  test.each<[ReloadStatus, Partial<ReloadFacts>, Partial<ReloadInstanceCounts>, Date | null]>([
    ["pending_approval", {}, {}, null],
    ["approved", {}, {}, null],
    ["dispatching", {}, {}, null],
    ["in_progress", {}, { lastFinishedAt: at(40) }, null],
    ["succeeded", {}, { lastFinishedAt: at(40) }, at(40)],
    ["partially_failed", { failedAt: at(45) }, { lastFinishedAt: at(40) }, at(40)],
    ["failed", { failedAt: at(45) }, {}, at(45)],
    ["failed", {}, {}, at(100)],
    ["rejected", { rejectedAt: at(7) }, {}, at(7)],
    ["rolled_back", { rolledBackAt: at(80) }, { lastFinishedAt: at(90) }, at(80)],
    ["rolled_back", {}, { lastFinishedAt: at(90) }, at(90)],
  ])("%s → %s", (status, facts, counts, expected) => {
    expect(completedAt({ ...noFacts, ...facts }, { ...noCounts, ...counts }, status)).toEqual(expected);
  });

  test("terminal statuses are exactly the final ones", () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(
      ["succeeded", "partially_failed", "failed", "rolled_back", "rejected", "cancelled", "expired"].sort(),
    );
  });
});

describe("desiredVersionFrom", () => {
  const facts = { ...noFacts, requestedAt: at(1), approvedAt: at(3), dispatchedAt: at(4), rolledBackAt: at(99) };
  const expected: Record<ReloadStatus, { version: string; setAt: Date } | null> = {
    pending_approval: null,
    approved: { version: "v2", setAt: at(3) },
    dispatching: { version: "v2", setAt: at(3) },
    in_progress: { version: "v2", setAt: at(3) },
    succeeded: { version: "v2", setAt: at(3) },
    partially_failed: { version: "v2", setAt: at(3) },
    failed: null,
    rolled_back: { version: "v1", setAt: at(99) },
    rejected: null,
    cancelled: null,
    expired: null,
  };
  test.each(RELOAD_STATUSES.map((s) => [s, expected[s]] as const))("%s → %o", (status, want) => {
    expect(desiredVersionFrom(facts, status)).toEqual(want);
  });

  test.each<[string, Partial<ReloadFacts>, Date]>([
    ["approval time first", { approvedAt: at(3), dispatchedAt: at(4), requestedAt: at(1) }, at(3)],
    ["then the dispatch", { dispatchedAt: at(4), requestedAt: at(1) }, at(4)],
    ["then the request", { requestedAt: at(1) }, at(1)],
    ["then the first event", {}, at(0)],
  ])("setAt: %s", (_name, extra, setAt) => {
    expect(desiredVersionFrom({ ...noFacts, ...extra }, "succeeded")).toEqual({ version: "v2", setAt });
  });

  test("no target version → no desired version", () => {
    expect(desiredVersionFrom({ ...noFacts, toVersion: null }, "succeeded")).toBeNull();
  });
  test("a rollback with no known previous version → no desired version", () => {
    expect(desiredVersionFrom({ ...noFacts, fromVersion: null, rolledBackAt: at(9) }, "rolled_back")).toBeNull();
  });
  test("a rollback without rolledBackAt is set at the last event", () => {
    expect(desiredVersionFrom(noFacts, "rolled_back")).toEqual({ version: "v1", setAt: at(100) });
  });
});

test("foldReloadFacts keeps the newest failure's message whatever the arrival order", () => {
  const a = domainEvent({ phase: "failed", instance: "i-1", error: "error A", occurredAt: at(10) });
  const b = domainEvent({ phase: "nacked", instance: "i-2", error: "error B", occurredAt: at(15) });
  const c = domainEvent({ phase: "acked", instance: "i-3", occurredAt: at(20) });
  for (const order of [[a, b, c], [a, c, b], [c, a, b], [b, a, c], [c, b, a]]) {
    expect(order.reduce<ReloadFacts | null>(foldReloadFacts, null)!.lastError).toBe("error B");
  }
});
