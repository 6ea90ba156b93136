import { describe, expect, test } from "vitest";
import {
  completedAt,
  convergenceMs,
  deriveReloadStatus,
  emptyFacts,
  desiredVersionFrom,
  finishedTargets,
  foldReloadFacts,
  instancePhaseBucket,
  isTerminal,
  LIVE_SETTLE_MS,
  reloadDeadline,
  timelineLive,
  unfinishedTargets,
  type ReloadFacts,
  type ReloadInstanceCounts,
} from "@/lib/domain/reload-status";
import { FINAL_PHASES, UNSUCCESSFUL_PHASES } from "@/lib/domain/phases";
import {
  FAILED_STATUSES,
  NON_TERMINAL_STATUSES,
  OUTCOME_STATUSES,
  PHASES,
  RELOAD_STATUSES,
  TERMINAL_STATUSES,
  type Phase,
  type ReloadEventInput,
  type ReloadStatus,
} from "@/lib/domain/types";
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
  targets: number | null;
  now: number;
  set?: { cancelledAt?: number };
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
const TIMEOUT_MS = fixture.timeoutSeconds * 1000;

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

/** Facts, counts and status of a scenario as the store derives them (lib/ingest/reload-rows.ts `derive`). */
function judge(s: Scenario, events: ReloadEventInput[]) {
  let facts = fold(events);
  if (s.set?.cancelledAt !== undefined) facts = { ...facts, cancelledAt: at(s.set.cancelledAt) };
  const counts = countsOf(events, s.targets ?? undefined);
  const status = deriveReloadStatus(facts, counts, at(s.now), TIMEOUT_MS);
  // The store stamps expiry (for display) at the deadline when it finds it.
  if (status === "expired" && !facts.expiredAt) facts = { ...facts, expiredAt: reloadDeadline(facts, TIMEOUT_MS) };
  return { facts, counts, status };
}

describe("reload lifecycle (fixture scenarios)", () => {
  test.each(scenarios.map((s) => [s.name, s] as const))("%s", (_name, s) => {
    const { facts, counts, status } = judge(s, eventsOf(s));
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

  test("the scenarios cover every status", () => {
    const covered = new Set(scenarios.map((s) => s.expect.status));
    expect([...covered].sort()).toEqual([...RELOAD_STATUSES].sort());
  });

  test("non-terminal and terminal statuses split the statuses between them", () => {
    expect([...NON_TERMINAL_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual([...RELOAD_STATUSES].sort());
    for (const s of RELOAD_STATUSES) expect(isTerminal(s)).toBe((TERMINAL_STATUSES as readonly string[]).includes(s));
    expect(isTerminal("no such status")).toBe(false);
  });

  test("failed is what a run came to short of success; expired is not among them (DESIGN.md Status)", () => {
    expect([...OUTCOME_STATUSES].sort()).toEqual(["failed", "partially_failed", "rolled_back", "succeeded"]);
    expect([...FAILED_STATUSES].sort()).toEqual(["failed", "partially_failed", "rolled_back"]);
    expect(FAILED_STATUSES.every((s) => isTerminal(s))).toBe(true);
    expect(FAILED_STATUSES as readonly string[]).not.toContain("expired");
  });
});

describe("timelineLive: the reload page refreshes while the reload is open, and a while after its last event arrived", () => {
  test.each<[string, ReloadStatus, number | null, boolean]>([
    ["open, no event yet", "pending_approval", null, true],
    ["open, last event long ago", "in_progress", 3_600_000, true],
    ["ended, the ending event just arrived (an ack may follow its applied)", "succeeded", 0, true],
    ["ended, last event just inside the settle time", "partially_failed", LIVE_SETTLE_MS - 1, true],
    ["ended, last event exactly the settle time ago", "failed", LIVE_SETTLE_MS, false],
    ["ended long ago", "succeeded", 3_600_000, false],
    ["ended without any event (rejected request)", "rejected", null, false],
  ])("%s", (_name, status, msSinceLastArrival, live) => {
    expect(timelineLive(status, msSinceLastArrival)).toBe(live);
  });
});

describe("a reload's outcome does not depend on arrival order", () => {
  const seeds = [1, 2, 3, 5, 8, 13, 21, 34];
  const withSeveral = scenarios.filter((s) => s.events.length > 1);
  test.each(withSeveral.flatMap((s) => seeds.map((seed) => [s.name, seed, s] as const)))(
    "%s (seed %i)",
    (_name, seed, s) => {
      const events = eventsOf(s);
      const sorted = [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
      const expected = judge(s, sorted);
      for (const order of [shuffled(events, seed), [...sorted].reverse()]) {
        expect(fold(order)).toEqual(fold(sorted));
        expect(judge(s, order)).toEqual(expected);
      }
      expect(expected.status).toBe(s.expect.status);
    },
  );
});

describe("foldReloadFacts", () => {
  test("the request is the authority on versions and initiator, whatever arrives first", () => {
    const instanceFirst = domainEvent({
      phase: "applied",
      fromVersion: "stale",
      toVersion: "other",
      initiator: "agent:x",
      occurredAt: at(5),
    });
    const request = domainEvent({
      phase: "requested",
      instance: null,
      fromVersion: "v1",
      toVersion: "v2",
      initiator: "person:sam.o",
      occurredAt: at(0),
    });
    for (const order of [
      [instanceFirst, request],
      [request, instanceFirst],
    ]) {
      expect(fold(order)).toMatchObject({
        fromVersion: "v1",
        toVersion: "v2",
        initiator: "person:sam.o",
        requestedAt: at(0),
        firstEventAt: at(0),
        lastEventAt: at(5),
      });
    }
  });

  test("a rolled_back event never changes what the reload was for", () => {
    const rb = domainEvent({
      phase: "rolled_back",
      instance: null,
      fromVersion: "v2",
      toVersion: "v1",
      initiator: "person:ana.p",
      occurredAt: at(9),
    });
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
      domainEvent({ phase: "rejected", instance: null, occurredAt: at(7) }),
      domainEvent({ phase: "rejected", instance: null, occurredAt: at(6) }),
    ]);
    expect(facts).toMatchObject({
      dispatchedAt: at(10),
      approvedAt: at(5),
      rejectedAt: at(6),
      startedAt: at(10),
      firstEventAt: at(5),
      lastEventAt: at(30),
    });
  });

  // startedAt: the first dispatch or the first event from an instance.
  test.each<[string, Parameters<typeof domainEvent>[0][], Date | null]>([
    ["a request does not start it", [{ phase: "requested", instance: null, occurredAt: at(0) }], null],
    [
      "an approval does not start it",
      [
        { phase: "requested", instance: null, occurredAt: at(0) },
        { phase: "approved", instance: null, occurredAt: at(3) },
      ],
      null,
    ],
    [
      "a control-plane failure does not start it",
      [{ phase: "failed", instance: null, error: "e", occurredAt: at(4) }],
      null,
    ],
    ["a control-plane rollback does not start it", [{ phase: "rolled_back", instance: null, occurredAt: at(4) }], null],
    [
      "the dispatch starts it",
      [
        { phase: "requested", instance: null, occurredAt: at(0) },
        { phase: "dispatched", instance: null, occurredAt: at(5) },
      ],
      at(5),
    ],
    [
      "an instance's report starts it",
      [
        { phase: "requested", instance: null, occurredAt: at(0) },
        { phase: "received", instance: "i-1", occurredAt: at(6) },
      ],
      at(6),
    ],
    [
      "an instance reporting before the dispatch starts it earlier",
      [
        { phase: "dispatched", instance: null, occurredAt: at(9) },
        { phase: "received", instance: "i-1", occurredAt: at(7) },
      ],
      at(7),
    ],
    ["an instance's failure starts it", [{ phase: "failed", instance: "i-1", error: "e", occurredAt: at(8) }], at(8)],
  ])("startedAt: %s", (_name, events, startedAt) => {
    const list = events.map((e) => domainEvent(e));
    expect(fold(list).startedAt).toEqual(startedAt);
    expect(fold([...list].reverse()).startedAt).toEqual(startedAt);
  });

  // A control-plane phase that happens to name an instance starts nothing: a request naming
  // an instance must not skip approval (in_progress, desired set).
  test.each(["requested", "approved", "rejected"] as const)(
    "a %s event that names an instance does not start the reload",
    (phase) => {
      const facts = fold([
        domainEvent({ phase: "requested", instance: null, occurredAt: at(0) }),
        domainEvent({ phase, instance: "checkout-api-1", occurredAt: at(1) }),
      ]);
      expect(facts.startedAt).toBeNull();
    },
  );

  test("only a failure without an instance marks the reload failed as a whole", () => {
    const instanceFailure = fold([domainEvent({ phase: "failed", instance: "i-1", error: "e", occurredAt: at(1) })]);
    expect(instanceFailure.failedAt).toBeNull();
    expect(instanceFailure.lastError).toBe("e");
    const controlFailure = fold([domainEvent({ phase: "failed", instance: null, error: "e", occurredAt: at(1) })]);
    expect(controlFailure.failedAt).toEqual(at(1));
  });

  test("only a rollback without an instance rolls the reload back as a whole", () => {
    expect(fold([domainEvent({ phase: "rolled_back", instance: "i-1", occurredAt: at(1) })]).rolledBackAt).toBeNull();
    expect(fold([domainEvent({ phase: "rolled_back", instance: null, occurredAt: at(1) })]).rolledBackAt).toEqual(
      at(1),
    );
  });

  test("events never set cancelledAt or expiredAt (those are the control plane's and the sweep's)", () => {
    const facts = fold(
      PHASES.filter((p) => p !== "heartbeat").map((phase, i) =>
        domainEvent({ phase, error: "e", toVersion: "v2", occurredAt: at(i) }),
      ),
    );
    expect(facts).toMatchObject({ cancelledAt: null, expiredAt: null });
  });

  test("does not mutate the facts it is given", () => {
    const first = fold([domainEvent({ phase: "requested", instance: null, toVersion: "v2", occurredAt: at(0) })]);
    const copy = structuredClone(first);
    foldReloadFacts(first, domainEvent({ phase: "approved", instance: null, occurredAt: at(9) }));
    foldReloadFacts(first, domainEvent({ phase: "dispatched", instance: null, occurredAt: at(10) }));
    expect(first).toEqual(copy);
  });

  test("keeps the newest failure's message whatever the arrival order", () => {
    const a = domainEvent({ phase: "failed", instance: "i-1", error: "error A", occurredAt: at(10) });
    const b = domainEvent({ phase: "nacked", instance: "i-2", error: "error B", occurredAt: at(15) });
    const c = domainEvent({ phase: "acked", instance: "i-3", occurredAt: at(20) });
    for (const order of [
      [a, b, c],
      [a, c, b],
      [c, a, b],
      [b, a, c],
      [c, b, a],
      [b, c, a],
    ]) {
      expect(fold(order)).toMatchObject({ lastError: "error B", lastErrorAt: at(15) });
    }
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
    nacked: "nacked",
    failed: "failed",
    rolled_back: "rolledBack",
  };
  test.each(PHASES.map((p) => [p, expected[p]] as const))("%s → %s", (phase, bucket) => {
    expect(instancePhaseBucket(phase)).toBe(bucket);
  });
  test("null → null", () => {
    expect(instancePhaseBucket(null)).toBeNull();
  });
});

const noFacts: ReloadFacts = {
  ...emptyFacts("config", "routes.yaml", at(0)),
  fromVersion: "v1",
  toVersion: "v2",
  lastEventAt: at(100),
};
const noCounts: ReloadInstanceCounts = {
  targets: 0,
  reporting: 0,
  succeeded: 0,
  nacked: 0,
  failed: 0,
  rolledBack: 0,
  inProgress: 0,
  lastSucceededAt: null,
  lastFinishedAt: null,
};

describe("finishedTargets: N of 'N of M finished'", () => {
  test.each<[Partial<ReloadInstanceCounts>, number]>([
    [{}, 0],
    [{ targets: 3, reporting: 3, inProgress: 3 }, 0],
    [{ targets: 2, reporting: 1, succeeded: 1 }, 1],
    [{ targets: 2, reporting: 1, nacked: 1 }, 1],
    [{ targets: 2, reporting: 1, failed: 1 }, 1],
    [{ targets: 2, reporting: 1, rolledBack: 1 }, 1],
    [{ targets: 20, reporting: 15, succeeded: 1, nacked: 2, failed: 3, rolledBack: 4, inProgress: 5 }, 10],
    // more finished reports than the scope never read above it
    [{ targets: 2, reporting: 3, succeeded: 3 }, 2],
    [{ targets: 0, reporting: 1, rolledBack: 1 }, 0],
  ])("%o → %i", (counts, finished) => {
    const c = { ...noCounts, ...counts };
    expect(finishedTargets(c)).toBe(finished);
    expect(unfinishedTargets(c)).toBe(c.targets - finished);
    expect(unfinishedTargets(c)).toBeGreaterThanOrEqual(0);
  });

  test("a final phase is one whose bucket is neither in progress nor none: the phases and the counts agree", () => {
    for (const phase of PHASES) {
      const bucket = instancePhaseBucket(phase);
      expect(FINAL_PHASES.has(phase), phase).toBe(bucket !== null && bucket !== "inProgress");
      const unsuccessful = bucket === "nacked" || bucket === "failed" || bucket === "rolledBack";
      expect(UNSUCCESSFUL_PHASES.has(phase), phase).toBe(unsuccessful);
    }
  });
});

describe("deriveReloadStatus", () => {
  const started = { requestedAt: at(0), dispatchedAt: at(2), startedAt: at(2) };
  // With the default timeout the deadline of `started` is at(902); of a bare request at(900).
  test.each<[string, Partial<ReloadFacts>, Partial<ReloadInstanceCounts>, number, ReloadStatus]>([
    // before start
    ["requested only", { requestedAt: at(0) }, {}, 100, "pending_approval"],
    ["requested, exactly at its deadline", { requestedAt: at(0) }, {}, 900, "pending_approval"],
    ["requested, past its deadline", { requestedAt: at(0) }, {}, 901, "expired"],
    ["approved", { requestedAt: at(0), approvedAt: at(1) }, {}, 100, "approved"],
    ["approved, past the approval's deadline", { requestedAt: at(0), approvedAt: at(1) }, {}, 902, "expired"],
    ["rejected", { requestedAt: at(0), rejectedAt: at(1) }, {}, 100, "rejected"],
    ["rejected stays rejected past the deadline", { requestedAt: at(0), rejectedAt: at(1) }, {}, 5000, "rejected"],
    ["cancelled", { requestedAt: at(0), approvedAt: at(1), cancelledAt: at(5) }, {}, 100, "cancelled"],
    ["cancelled stays cancelled past the deadline", { requestedAt: at(0), cancelledAt: at(5) }, {}, 5000, "cancelled"],
    [
      "control-plane failure before start",
      { requestedAt: at(0), approvedAt: at(1), failedAt: at(3) },
      {},
      100,
      "failed",
    ],
    // started, not finished
    ["dispatched to 2, none reporting", started, { targets: 2 }, 100, "dispatching"],
    ["dispatched, no scope known and none reporting", started, {}, 100, "dispatching"],
    ["1 of 2 on the way", started, { targets: 2, reporting: 2, succeeded: 1, inProgress: 1 }, 100, "in_progress"],
    ["1 acked of 20 targets", started, { targets: 20, reporting: 1, succeeded: 1 }, 100, "in_progress"],
    ["1 early NACK of 20 targets", started, { targets: 20, reporting: 1, nacked: 1 }, 100, "in_progress"],
    ["19 acked of 20 targets", started, { targets: 20, reporting: 19, succeeded: 19 }, 100, "in_progress"],
    [
      "a failure while another target is on the way",
      started,
      { targets: 2, reporting: 2, failed: 1, inProgress: 1 },
      100,
      "in_progress",
    ],
    [
      "M is never below the reporting instances",
      started,
      { targets: 1, reporting: 3, succeeded: 2, inProgress: 1 },
      100,
      "in_progress",
    ],
    ["unfinished exactly at the deadline", started, { targets: 2, reporting: 1, succeeded: 1 }, 902, "in_progress"],
    // finished
    ["all 3 acked", started, { targets: 3, reporting: 3, succeeded: 3 }, 100, "succeeded"],
    ["all acked (targets not known: M = reporting)", started, { reporting: 3, succeeded: 3 }, 100, "succeeded"],
    ["2 acked, 1 NACKed", started, { targets: 3, reporting: 3, succeeded: 2, nacked: 1 }, 100, "partially_failed"],
    ["2 acked, 1 failed", started, { targets: 3, reporting: 3, succeeded: 2, failed: 1 }, 100, "partially_failed"],
    [
      "2 acked, 1 rolled back on its own",
      started,
      { targets: 3, reporting: 3, succeeded: 2, rolledBack: 1 },
      100,
      "partially_failed",
    ],
    ["all NACKed", started, { targets: 3, reporting: 3, nacked: 3 }, 100, "failed"],
    ["all failed", started, { targets: 3, reporting: 3, failed: 3 }, 100, "failed"],
    [
      "NACKed, failed and rolled back, none acked",
      started,
      { targets: 3, reporting: 3, nacked: 1, failed: 1, rolledBack: 1 },
      100,
      "failed",
    ],
    ["every target rolled back on its own", started, { targets: 2, reporting: 2, rolledBack: 2 }, 100, "failed"],
    [
      "finished before the deadline, judged after it",
      started,
      { targets: 2, reporting: 2, succeeded: 2, lastFinishedAt: at(50) },
      5000,
      "succeeded",
    ],
    // control plane
    ["control-plane failure, none reporting", { ...started, failedAt: at(3) }, { targets: 3 }, 100, "failed"],
    [
      "control-plane failure with 1 of 3 acked, 2 on the way",
      { ...started, failedAt: at(3) },
      { targets: 3, reporting: 3, succeeded: 1, inProgress: 2 },
      100,
      "partially_failed",
    ],
    [
      "control-plane failure with NACKs only",
      { ...started, failedAt: at(3) },
      { targets: 3, reporting: 1, nacked: 1 },
      100,
      "failed",
    ],
    [
      "control-plane rollback after success",
      { ...started, rolledBackAt: at(9) },
      { targets: 2, reporting: 2, succeeded: 2 },
      100,
      "rolled_back",
    ],
    [
      "control-plane rollback mid-rollout",
      { ...started, rolledBackAt: at(9) },
      { targets: 20, reporting: 2, inProgress: 2 },
      100,
      "rolled_back",
    ],
    [
      "control-plane rollback wins over expiry",
      { ...started, rolledBackAt: at(9), expiredAt: at(902) },
      { targets: 2, reporting: 1, inProgress: 1 },
      5000,
      "rolled_back",
    ],
    // expiry
    [
      "started, unfinished past the deadline",
      started,
      { targets: 3, reporting: 2, succeeded: 1, inProgress: 1 },
      903,
      "expired",
    ],
    ["dispatched, none reporting past the deadline", started, { targets: 2 }, 903, "expired"],
    [
      "the last target acked after the deadline",
      started,
      { targets: 2, reporting: 2, succeeded: 2, lastFinishedAt: at(950) },
      1000,
      "expired",
    ],
    [
      "the last target acked 1 ms after the deadline",
      started,
      { targets: 2, reporting: 2, succeeded: 2, lastFinishedAt: at(902.001) },
      1000,
      "expired",
    ],
    [
      "the last target acked exactly at the deadline",
      started,
      { targets: 2, reporting: 2, succeeded: 2, lastFinishedAt: at(902) },
      1000,
      "succeeded",
    ],
    [
      "every target NACKed, the last after the deadline",
      started,
      { targets: 2, reporting: 2, nacked: 2, lastFinishedAt: at(950) },
      1000,
      "expired",
    ],
    [
      "expiredAt is for display: events that finished in time decide",
      { ...started, expiredAt: at(902) },
      { targets: 2, reporting: 2, succeeded: 2, lastFinishedAt: at(50) },
      1000,
      "succeeded",
    ],
    [
      "the deadline counts from the latest step (approval after dispatch)",
      { ...started, approvedAt: at(500) },
      { targets: 2, reporting: 1, inProgress: 1 },
      1300,
      "in_progress",
    ],
  ])("%s → %s", (_name, facts, counts, nowSeconds, status) => {
    expect(deriveReloadStatus({ ...noFacts, ...facts }, { ...noCounts, ...counts }, at(nowSeconds), 900_000)).toBe(
      status,
    );
  });

  test.each([1, 5, 19])("%i acked of 20 stays in_progress until the last target finishes", (acked) => {
    const facts = { ...noFacts, ...started };
    const counts = { ...noCounts, targets: 20, reporting: acked, succeeded: acked };
    expect(deriveReloadStatus(facts, counts, at(100), 900_000)).toBe("in_progress");
    expect(deriveReloadStatus(facts, { ...counts, reporting: 20, succeeded: 20 }, at(100), 900_000)).toBe("succeeded");
    expect(deriveReloadStatus(facts, { ...counts, reporting: 20, nacked: 20 - acked }, at(100), 900_000)).toBe(
      "partially_failed",
    );
  });

  test("the timeout is honoured as given", () => {
    const facts = { ...noFacts, ...started };
    const counts = { ...noCounts, targets: 2, reporting: 1, inProgress: 1 };
    expect(deriveReloadStatus(facts, counts, at(62), 60_000)).toBe("in_progress");
    expect(deriveReloadStatus(facts, counts, at(63), 60_000)).toBe("expired");
  });
});

describe("convergenceMs", () => {
  const counts = { ...noCounts, targets: 2, reporting: 2, succeeded: 2, lastSucceededAt: at(50) };
  test.each<[string, Partial<ReloadFacts>, ReloadStatus, Partial<ReloadInstanceCounts>, number | null]>([
    ["from the dispatch", { requestedAt: at(0), dispatchedAt: at(20) }, "succeeded", {}, 30_000],
    ["from the request when nothing was dispatched", { requestedAt: at(5) }, "succeeded", {}, 45_000],
    ["from the first event when neither", {}, "succeeded", {}, 50_000],
    ["partially failed counts too", { dispatchedAt: at(10) }, "partially_failed", {}, 40_000],
    ["never negative", { dispatchedAt: at(60) }, "succeeded", {}, 0],
    ["null without a success", { dispatchedAt: at(10) }, "succeeded", { lastSucceededAt: null }, null],
    ...(
      [
        "pending_approval",
        "approved",
        "dispatching",
        "in_progress",
        "failed",
        "rolled_back",
        "rejected",
        "cancelled",
        "expired",
      ] as const
    ).map((s): [string, Partial<ReloadFacts>, ReloadStatus, Partial<ReloadInstanceCounts>, number | null] => [
      `null while ${s}`,
      { dispatchedAt: at(10) },
      s,
      {},
      null,
    ]),
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
    ["cancelled", { cancelledAt: at(8) }, { lastFinishedAt: at(40) }, at(8)],
    ["expired", { expiredAt: at(902) }, { lastFinishedAt: at(40) }, at(902)],
    ["rolled_back", { rolledBackAt: at(80) }, { lastFinishedAt: at(90) }, at(80)],
    ["rolled_back", {}, { lastFinishedAt: at(90) }, at(90)],
    ["rolled_back", {}, {}, at(100)],
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
  const v2At3 = { version: "v2", setAt: at(3) };

  describe("a reload that started (approved at 3, dispatched at 4, rolled back at 99)", () => {
    const facts = {
      ...noFacts,
      requestedAt: at(1),
      approvedAt: at(3),
      dispatchedAt: at(4),
      startedAt: at(4),
      rolledBackAt: at(99),
    };
    const expected: Record<ReloadStatus, { version: string; setAt: Date } | null> = {
      pending_approval: null,
      approved: v2At3,
      dispatching: v2At3,
      in_progress: v2At3,
      succeeded: v2At3,
      partially_failed: v2At3,
      failed: v2At3,
      rolled_back: { version: "v1", setAt: at(99) },
      rejected: null,
      cancelled: null,
      expired: v2At3,
    };
    test.each(RELOAD_STATUSES.map((s) => [s, expected[s]] as const))("%s → %o", (status, want) => {
      expect(desiredVersionFrom(facts, status)).toEqual(want);
    });
  });

  describe("a reload approved at 3 that never started", () => {
    const facts = { ...noFacts, requestedAt: at(1), approvedAt: at(3) };
    test.each<[ReloadStatus, { version: string; setAt: Date } | null]>([
      ["approved", v2At3],
      ["failed", v2At3],
      ["expired", null],
      ["cancelled", null],
      ["rejected", null],
      ["pending_approval", null],
    ])("%s → %o", (status, want) => {
      expect(desiredVersionFrom(facts, status)).toEqual(want);
    });
  });

  describe("a request neither approved nor started", () => {
    const facts = { ...noFacts, requestedAt: at(1) };
    test.each(RELOAD_STATUSES.filter((s) => s !== "rolled_back").map((s) => [s] as const))("%s → null", (status) => {
      expect(desiredVersionFrom(facts, status)).toBeNull();
    });
  });

  test.each<[string, Partial<ReloadFacts>, Date]>([
    ["approval time first", { approvedAt: at(3), dispatchedAt: at(4), startedAt: at(4), requestedAt: at(1) }, at(3)],
    ["then the dispatch", { dispatchedAt: at(4), startedAt: at(2), requestedAt: at(1) }, at(4)],
    ["then the first instance report", { startedAt: at(6), requestedAt: at(1) }, at(6)],
  ])("setAt: %s", (_name, extra, setAt) => {
    expect(desiredVersionFrom({ ...noFacts, ...extra }, "succeeded")).toEqual({ version: "v2", setAt });
    expect(desiredVersionFrom({ ...noFacts, ...extra }, "in_progress")).toEqual({ version: "v2", setAt });
  });

  test("no target version → no desired version", () => {
    expect(desiredVersionFrom({ ...noFacts, toVersion: null, startedAt: at(2) }, "succeeded")).toBeNull();
  });
  test("a rollback with no known previous version → no desired version", () => {
    expect(desiredVersionFrom({ ...noFacts, fromVersion: null, rolledBackAt: at(9) }, "rolled_back")).toBeNull();
  });
  test("a rollback without rolledBackAt (every target rolled back) is set at the last event", () => {
    expect(desiredVersionFrom(noFacts, "rolled_back")).toEqual({ version: "v1", setAt: at(100) });
  });
});

describe("control-plane failures and cancellation against what happened after them", () => {
  const started = { requestedAt: at(0), dispatchedAt: at(2), lastDispatchedAt: at(2), startedAt: at(2) };
  const acked = {
    ...noCounts,
    targets: 2,
    reporting: 2,
    succeeded: 2,
    lastSucceededAt: at(20),
    lastFinishedAt: at(20),
  };
  test.each([
    [
      "a failed delivery, retried by a later dispatch, then every target acked",
      { ...started, failedAt: at(5), lastDispatchedAt: at(8) },
      acked,
      "succeeded",
    ],
    [
      "a failure after the last dispatch ends it",
      { ...started, failedAt: at(9), lastDispatchedAt: at(8) },
      { ...acked, targets: 3 },
      "partially_failed",
    ],
    [
      "a failure with nothing acked after the last dispatch",
      { ...started, failedAt: at(9) },
      { ...noCounts, targets: 2 },
      "failed",
    ],
    [
      "cancelled before it started",
      { requestedAt: at(0), approvedAt: at(1), cancelledAt: at(5) },
      noCounts,
      "cancelled",
    ],
    ["started before the newer request came: not cancelled", { ...started, cancelledAt: at(5) }, acked, "succeeded"],
    [
      "started only after it was superseded: cancelled",
      { ...started, dispatchedAt: at(6), lastDispatchedAt: at(6), startedAt: at(6), cancelledAt: at(5) },
      acked,
      "cancelled",
    ],
  ] as const)("%s → %s", (_name, facts, counts, status) => {
    expect(deriveReloadStatus({ ...noFacts, ...facts }, counts, at(60), 900_000)).toBe(status);
  });
});
