import { isDeepStrictEqual } from "node:util";
import { describe, expect, test } from "vitest";
import {
  affectsInstanceState,
  foldInstanceState,
  needsWrite,
  nextInstanceState,
  replayInstanceState,
  sameState,
  type InstanceState,
} from "@/lib/domain/instance-state";
import { PHASES, type Phase, type ReloadEventInput } from "@/lib/domain/types";
import fixture from "../fixtures/instance-state-transitions.json";
import { at, domainEvent, reviveDates, shuffled } from "./helpers";

type FixtureCase = {
  name: string;
  from: keyof typeof fixture.states | null;
  event: Record<string, unknown> & { phase: Phase };
  expect: Partial<InstanceState>;
};

const states = reviveDates(fixture.states) as unknown as Record<string, InstanceState>;
const cases = reviveDates(fixture.cases) as unknown as FixtureCase[];

describe("nextInstanceState (fixture table)", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const current = c.from === null ? null : { ...states[c.from]! };
    const before = current ? { ...current } : null;
    const next = nextInstanceState(current, domainEvent(c.event));
    expect(next).not.toBeNull();
    expect(next).toMatchObject(c.expect);
    // The function must not mutate the state it was given.
    expect(current).toEqual(before);
  });
});

describe("nextInstanceState: progress phases", () => {
  test.each(["dispatched", "received", "parsed", "validated", "staged"] as const)(
    "%s on an instance that NACKed earlier → in_progress, version and since unchanged, error cleared",
    (phase) => {
      const current: InstanceState = {
        version: "v1",
        since: at(0),
        lastPhase: "nacked",
        lastPhaseAt: at(10),
        outcome: "nacked",
        lastError: "boom",
        lastReloadId: "rl-1",
        previousVersion: "v0",
        changedByHeartbeat: true,
      };
      const next = nextInstanceState(
        current,
        domainEvent({ phase, reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(20) }),
      );
      expect(next).toEqual({
        version: "v1",
        since: at(0),
        lastPhase: phase,
        lastPhaseAt: at(20),
        outcome: "in_progress",
        lastError: null,
        lastReloadId: "rl-2",
        // on the way to v2, still on v1: how v1 came stays as it was
        previousVersion: "v0",
        changedByHeartbeat: true,
      });
    },
  );
});

describe("nextInstanceState: events that do not touch instance state", () => {
  const current: InstanceState = {
    version: "v1",
    since: at(0),
    lastPhase: "heartbeat",
    lastPhaseAt: at(10),
    outcome: "ok",
    lastError: null,
    lastReloadId: null,
    previousVersion: null,
    changedByHeartbeat: false,
  };

  test.each(["requested", "approved", "rejected"] as const)(
    "control phase %s is ignored (same object back)",
    (phase) => {
      const event = domainEvent({
        phase,
        instance: "checkout-api-1",
        fromVersion: "v1",
        toVersion: "v2",
        occurredAt: at(60),
      });
      expect(nextInstanceState(current, event)).toBe(current);
      expect(nextInstanceState(null, event)).toBeNull();
    },
  );

  test.each(["dispatched", "failed", "rolled_back", "applied"] as const)(
    "%s without an instance is ignored",
    (phase) => {
      const event = domainEvent({
        phase,
        instance: null,
        fromVersion: "v1",
        toVersion: "v2",
        error: "x",
        occurredAt: at(60),
      });
      expect(nextInstanceState(current, event)).toBe(current);
      expect(nextInstanceState(null, event)).toBeNull();
    },
  );
});

describe("affectsInstanceState", () => {
  const control = new Set<Phase>(["requested", "approved", "rejected"]);
  test.each(PHASES.map((p) => [p, !control.has(p)] as const))("phase %s with an instance → %s", (phase, expected) => {
    expect(affectsInstanceState({ phase, instance: "i-1" })).toBe(expected);
  });
  test.each(PHASES.map((p) => [p] as const))("phase %s without an instance → false", (phase) => {
    expect(affectsInstanceState({ phase, instance: null })).toBe(false);
  });
});

describe("nextInstanceState: out-of-order events", () => {
  const applied: InstanceState = {
    version: "v2",
    since: at(60),
    lastPhase: "acked",
    lastPhaseAt: at(61),
    outcome: "ok",
    lastError: null,
    lastReloadId: "rl-2",
    previousVersion: "v1",
    changedByHeartbeat: false,
  };

  test.each([
    [
      "a late applied of an older reload",
      domainEvent({ phase: "applied", reloadId: "rl-1", fromVersion: "v0", toVersion: "v1", occurredAt: at(30) }),
    ],
    ["a late heartbeat on the old version", domainEvent({ phase: "heartbeat", toVersion: "v1", occurredAt: at(59) })],
    [
      "a late nacked",
      domainEvent({
        phase: "nacked",
        reloadId: "rl-2",
        fromVersion: "v1",
        toVersion: "v2",
        error: "late",
        occurredAt: at(40),
      }),
    ],
    [
      "a late received",
      domainEvent({ phase: "received", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(50) }),
    ],
    [
      "a late rolled_back",
      domainEvent({ phase: "rolled_back", reloadId: "rl-1", fromVersion: "v0", toVersion: "v1", occurredAt: at(55) }),
    ],
  ])("%s returns the same object", (_name, event) => {
    const next = nextInstanceState(applied, event);
    expect(next).toBe(applied);
    expect(next?.version).toBe("v2");
  });

  // The former "a late event lowers `since`" rule is gone: an event older than the state is
  // not applied here at all (ingest replays the pair's history instead, see replayInstanceState).
  test.each<[string, Parameters<typeof domainEvent>[0]]>([
    [
      "a late applied of the current version, before since",
      { phase: "applied", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(50) },
    ],
    [
      "a late heartbeat on the current version, before since",
      { phase: "heartbeat", toVersion: "v2", occurredAt: at(45) },
    ],
    [
      "a late received of a reload from the current version",
      { phase: "received", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", occurredAt: at(40) },
    ],
    [
      "a late nacked of a reload from the current version",
      { phase: "nacked", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", error: "x", occurredAt: at(41) },
    ],
    [
      "a late rolled_back to the current version",
      { phase: "rolled_back", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", occurredAt: at(42) },
    ],
    [
      "a late failed 1 ms before lastPhaseAt",
      { phase: "failed", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", error: "x", occurredAt: at(60.999) },
    ],
  ])("%s leaves the state as it is (same object, `since` not lowered)", (_name, event) => {
    const next = nextInstanceState(applied, domainEvent(event));
    expect(next).toBe(applied);
    expect(applied.since).toEqual(at(60));
  });

  test.each<[string, Parameters<typeof domainEvent>[0]]>([
    [
      "a late applied of the current version after since",
      { phase: "applied", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(60.5) },
    ],
    [
      "a late heartbeat of the current version exactly at since",
      { phase: "heartbeat", toVersion: "v2", occurredAt: at(60) },
    ],
    [
      "a late received without a fromVersion",
      { phase: "received", reloadId: "rl-3", fromVersion: null, toVersion: "v3", occurredAt: at(40) },
    ],
    [
      "a late applied without a toVersion",
      { phase: "applied", reloadId: "rl-2", fromVersion: "v2", toVersion: null, occurredAt: at(40) },
    ],
  ])("%s returns the same object", (_name, event) => {
    expect(nextInstanceState(applied, domainEvent(event))).toBe(applied);
  });

  test("a late event cannot set `since` on a state whose version is unknown", () => {
    const unknown: InstanceState = { ...applied, version: null, since: null };
    expect(
      nextInstanceState(
        unknown,
        domainEvent({ phase: "received", reloadId: "rl-3", fromVersion: null, occurredAt: at(10) }),
      ),
    ).toBe(unknown);
  });

  test("an event at exactly lastPhaseAt is applied (not treated as older)", () => {
    const next = nextInstanceState(applied, domainEvent({ phase: "heartbeat", toVersion: "v2", occurredAt: at(61) }));
    expect(next).not.toBe(applied);
    expect(next?.lastPhase).toBe("heartbeat");
  });
});

describe("foldInstanceState", () => {
  // One instance's life: v1, a NACKed reload to v2, heartbeats, a successful reload to v3,
  // a rolled-back reload to v4, heartbeats. Distinct times, so the fold has one right answer.
  const history = [
    domainEvent({ phase: "heartbeat", toVersion: "v1", occurredAt: at(0) }),
    domainEvent({ phase: "received", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(100) }),
    domainEvent({ phase: "validated", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(101) }),
    domainEvent({
      phase: "nacked",
      reloadId: "rl-2",
      fromVersion: "v1",
      toVersion: "v2",
      error: "route conflict",
      occurredAt: at(102),
    }),
    domainEvent({ phase: "heartbeat", toVersion: "v1", occurredAt: at(200) }),
    domainEvent({ phase: "received", reloadId: "rl-3", fromVersion: "v1", toVersion: "v3", occurredAt: at(300) }),
    domainEvent({ phase: "applied", reloadId: "rl-3", fromVersion: "v1", toVersion: "v3", occurredAt: at(301) }),
    domainEvent({ phase: "acked", reloadId: "rl-3", fromVersion: "v1", toVersion: "v3", occurredAt: at(302) }),
    domainEvent({ phase: "heartbeat", toVersion: "v3", occurredAt: at(400) }),
    domainEvent({ phase: "applied", reloadId: "rl-4", fromVersion: "v3", toVersion: "v4", occurredAt: at(500) }),
    domainEvent({ phase: "rolled_back", reloadId: "rl-4", fromVersion: "v3", toVersion: "v4", occurredAt: at(510) }),
    domainEvent({ phase: "heartbeat", toVersion: "v3", occurredAt: at(600) }),
  ];

  test("folds a life in order", () => {
    expect(foldInstanceState(null, history)).toEqual({
      version: "v3",
      since: at(510),
      lastPhase: "heartbeat",
      lastPhaseAt: at(600),
      outcome: "rolled_back",
      lastError: null,
      lastReloadId: "rl-4",
      previousVersion: "v4",
      changedByHeartbeat: false,
    });
  });

  test.each([
    ["up to the NACK", 4, { version: "v1", since: at(0), outcome: "nacked", lastError: "route conflict" }],
    [
      "NACK survives a same-version heartbeat",
      5,
      { version: "v1", outcome: "nacked", lastPhase: "heartbeat", lastReloadId: "rl-2" },
    ],
    ["up to the ack of v3", 8, { version: "v3", since: at(301), outcome: "ok", lastError: null, lastReloadId: "rl-3" }],
    ["applied v4", 10, { version: "v4", since: at(500), outcome: "ok" }],
  ] as const)("prefix %s", (_name, length, expected) => {
    expect(foldInstanceState(null, history.slice(0, length))).toMatchObject(expected);
  });

  test.each([1, 2, 3, 42, 1234, 99999])("shuffled (seed %i) folds to the same state as sorted", (seed) => {
    const sorted = foldInstanceState(null, history);
    const mixed = shuffled(history, seed);
    expect(mixed.map((e) => e.id)).not.toEqual(history.map((e) => e.id));
    expect(foldInstanceState(null, mixed)).toEqual(sorted);
  });

  test("does not reorder the caller's array", () => {
    const mixed = shuffled(history, 7);
    const ids = mixed.map((e) => e.id);
    foldInstanceState(null, mixed);
    expect(mixed.map((e) => e.id)).toEqual(ids);
  });

  test("events older than the state that do not show its version are history only", () => {
    const start = foldInstanceState(null, history)!;
    // The NACKed reload to v2 and the heartbeats on v1 say nothing of v3.
    expect(foldInstanceState(start, history.slice(0, 5))).toBe(start);
  });

  // v3 ran from 301, v4 from 500, v3 again from 510: the late applied of v3 at 301 must not
  // move `since` back to 301 (v4 ran in between).
  test("a late event of a revisited version does not move `since` back past the visit", () => {
    const start = foldInstanceState(null, history)!;
    expect(start.since).toEqual(at(510));
    expect(foldInstanceState(start, history.slice(6, 8))).toBe(start);
  });

  test("arrival order through nextInstanceState: a late older applied never turns the version back", () => {
    const newer = domainEvent({
      phase: "applied",
      reloadId: "rl-3",
      fromVersion: "v2",
      toVersion: "v3",
      occurredAt: at(200),
    });
    const older = domainEvent({
      phase: "applied",
      reloadId: "rl-2",
      fromVersion: "v1",
      toVersion: "v2",
      occurredAt: at(100),
    });
    const state = [newer, older].reduce(nextInstanceState, null);
    expect(state).toMatchObject({ version: "v3", since: at(200), lastReloadId: "rl-3" });
  });
});

describe("how the version came: previousVersion and changedByHeartbeat", () => {
  const hb = (seconds: number, version: string) =>
    domainEvent({ phase: "heartbeat", toVersion: version, occurredAt: at(seconds) });
  const step = (
    phase: Phase,
    seconds: number,
    reloadId: string,
    from: string,
    to: string,
    error: string | null = null,
  ) => domainEvent({ phase, reloadId, fromVersion: from, toVersion: to, error, occurredAt: at(seconds) });
  type Facts = Pick<InstanceState, "version" | "previousVersion" | "changedByHeartbeat">;

  test.each<[string, ReloadEventInput[], Facts]>([
    [
      "a first heartbeat is a first report, no change",
      [hb(0, "v1")],
      { version: "v1", previousVersion: null, changedByHeartbeat: false },
    ],
    [
      "a first applied is a first report too",
      [step("applied", 0, "rl-1", "v0", "v1")],
      { version: "v1", previousVersion: null, changedByHeartbeat: false },
    ],
    [
      "a heartbeat on a new version → changed by heartbeat, from the old one",
      [hb(0, "v1"), hb(30, "v2")],
      { version: "v2", previousVersion: "v1", changedByHeartbeat: true },
    ],
    [
      "a same-version heartbeat keeps it",
      [hb(0, "v1"), hb(30, "v2"), hb(60, "v2"), hb(600, "v2")],
      { version: "v2", previousVersion: "v1", changedByHeartbeat: true },
    ],
    [
      "an applied of the same version keeps it (it did not move the version)",
      [hb(0, "v1"), hb(30, "v2"), step("applied", 40, "rl-2", "v1", "v2")],
      { version: "v2", previousVersion: "v1", changedByHeartbeat: true },
    ],
    [
      "a NACK leaves it (the version stays)",
      [hb(0, "v1"), hb(30, "v2"), step("nacked", 40, "rl-3", "v2", "v3", "bad")],
      { version: "v2", previousVersion: "v1", changedByHeartbeat: true },
    ],
    [
      "a reload in progress leaves it",
      [hb(0, "v1"), hb(30, "v2"), step("received", 40, "rl-3", "v2", "v3")],
      { version: "v2", previousVersion: "v1", changedByHeartbeat: true },
    ],
    [
      "an acked reload to another version resets it",
      [hb(0, "v1"), hb(30, "v2"), step("acked", 40, "rl-3", "v2", "v3")],
      { version: "v3", previousVersion: "v2", changedByHeartbeat: false },
    ],
    [
      "a rollback resets it",
      [hb(0, "v1"), hb(30, "v2"), step("applied", 40, "rl-3", "v2", "v3"), step("rolled_back", 50, "rl-3", "v2", "v3")],
      { version: "v2", previousVersion: "v3", changedByHeartbeat: false },
    ],
    [
      "a heartbeat after a reload sets it again",
      [step("acked", 0, "rl-1", "v0", "v1"), hb(30, "v1"), hb(60, "v5")],
      { version: "v5", previousVersion: "v1", changedByHeartbeat: true },
    ],
    [
      "a heartbeat back to the previous version is a change too",
      [hb(0, "v1"), step("acked", 10, "rl-2", "v1", "v2"), hb(20, "v1")],
      { version: "v1", previousVersion: "v2", changedByHeartbeat: true },
    ],
    [
      "a heartbeat that names the version first known from a reload's progress",
      [step("received", 0, "rl-1", "v1", "v2"), hb(30, "v9")],
      { version: "v9", previousVersion: "v1", changedByHeartbeat: true },
    ],
    [
      "a heartbeat onto a state whose version is unknown is a first report",
      [domainEvent({ phase: "parsed", reloadId: "rl-1", occurredAt: at(0) }), hb(30, "v1")],
      { version: "v1", previousVersion: null, changedByHeartbeat: false },
    ],
  ])("%s", (_name, events, expected) => {
    expect(foldInstanceState(null, events)).toMatchObject(expected);
    // Whatever order the events arrive in, the fold (time order) says the same.
    for (const seed of [1, 2, 3]) expect(foldInstanceState(null, shuffled(events, seed))).toMatchObject(expected);
  });

  test("a late heartbeat of the old version does not undo the change nor its source", () => {
    const state = foldInstanceState(null, [hb(0, "v1"), hb(30, "v2")])!;
    expect(nextInstanceState(state, hb(20, "v1"))).toBe(state);
  });

  test("sameState tells states apart by how their version came", () => {
    const state = foldInstanceState(null, [hb(0, "v1"), hb(30, "v2")])!;
    expect(sameState(state, { ...state, changedByHeartbeat: false })).toBe(false);
    expect(sameState(state, { ...state, previousVersion: "v0" })).toBe(false);
    expect(sameState(state, { ...state })).toBe(true);
  });
});

describe("needsWrite", () => {
  const base = {
    version: "v1",
    since: new Date("2026-11-21T10:00:00Z"),
    lastPhase: "heartbeat" as const,
    lastPhaseAt: new Date("2026-11-21T12:00:00Z"),
    outcome: "ok" as const,
    lastError: null,
    lastReloadId: null,
    previousVersion: null,
    changedByHeartbeat: false,
  };
  const later = (seconds: number) => new Date(base.lastPhaseAt.getTime() + seconds * 1000);
  const applied = { ...base, lastPhase: "applied" as const, lastReloadId: "rl-1" };
  const progress = { ...base, lastPhase: "validated" as const, outcome: "in_progress" as const, lastReloadId: "rl-1" };
  test.each([
    ["a first state", null, base, true],
    ["a heartbeat that confirms the version 30 s later", base, { ...base, lastPhaseAt: later(30) }, false],
    ["a heartbeat that confirms the version 60 s later", base, { ...base, lastPhaseAt: later(60) }, true],
    ["a new version", base, { ...base, version: "v2", since: later(5), lastPhaseAt: later(5) }, true],
    ["a new outcome", base, { ...base, outcome: "nacked" as const, lastError: "bad", lastPhaseAt: later(1) }, true],
    ["another phase", base, { ...base, lastPhase: "applied" as const, lastPhaseAt: later(1) }, true],
    ["a heartbeat that only lowers since (a replay)", base, { ...base, since: new Date("2026-11-21T09:00:00Z") }, true],
    ["the very same state", base, base, false],
    [
      "a replay that learns who changed the version (same version and since)",
      base,
      { ...base, previousVersion: "v0", changedByHeartbeat: true },
      true,
    ],
    [
      "a heartbeat that confirms the version, 30 s after an applied",
      applied,
      { ...applied, lastPhase: "heartbeat" as const, lastPhaseAt: later(30) },
      true,
    ],
    [
      "the same progress phase again 1 s later (not a heartbeat: always written)",
      progress,
      { ...progress, lastPhaseAt: later(1) },
      true,
    ],
    [
      "a progress event that only lowers since (a replay)",
      progress,
      { ...progress, since: new Date("2026-11-21T09:00:00Z") },
      true,
    ],
    ["a progress event unchanged (a late event that implied nothing)", progress, progress, false],
  ])("%s → %s", (_name, current, next, expected) => {
    expect(needsWrite(current, next, 60_000)).toBe(expected);
  });
});

describe("replayInstanceState", () => {
  // The window of history a replay reads: v1 from 100, a reload to v2 at 200 rolled back at 300.
  const history = [
    domainEvent({ phase: "heartbeat", toVersion: "v1", occurredAt: at(100) }),
    domainEvent({ phase: "applied", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(200) }),
    domainEvent({ phase: "rolled_back", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(300) }),
  ];
  const replayed: InstanceState = {
    version: "v1",
    since: at(300),
    lastPhase: "rolled_back",
    lastPhaseAt: at(300),
    outcome: "rolled_back",
    lastError: null,
    lastReloadId: "rl-2",
    previousVersion: "v2",
    changedByHeartbeat: false,
  };
  // The row as written before: v1 since 50, reported by a heartbeat that replaced v0.
  const previous = (over: Partial<InstanceState>): InstanceState => ({
    version: "v1",
    since: at(50),
    lastPhase: "heartbeat",
    lastPhaseAt: at(250),
    outcome: "ok",
    lastError: null,
    lastReloadId: "rl-1",
    previousVersion: "v0",
    changedByHeartbeat: true,
    ...over,
  });

  test("folds the history from nothing, in time order", () => {
    expect(foldInstanceState(null, history)).toEqual(replayed);
  });

  // A history window whose version never changes: v1 from 100 (the window start) on.
  const steady = [
    domainEvent({ phase: "heartbeat", toVersion: "v1", occurredAt: at(100) }),
    domainEvent({ phase: "received", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(200) }),
    domainEvent({
      phase: "nacked",
      reloadId: "rl-2",
      fromVersion: "v1",
      toVersion: "v2",
      error: "bad",
      occurredAt: at(300),
    }),
  ];
  // A window that starts before the version is known: version unknown at 100, v1 from 200.
  const unknownFirst = [
    domainEvent({ phase: "parsed", reloadId: "rl-2", occurredAt: at(100) }),
    domainEvent({ phase: "heartbeat", toVersion: "v1", occurredAt: at(200) }),
  ];
  const steadyState = foldInstanceState(null, steady)!;
  const unknownFirstState = foldInstanceState(null, unknownFirst)!;

  // `lent`: the version's run began before the window, so `since` and how the version came
  // (previousVersion, changedByHeartbeat) are previous's; else all is the replay's.
  test.each<[string, typeof history, InstanceState | null, boolean, Date | null, boolean]>([
    [
      "not truncated: previous is ignored, even with the same version and an earlier since",
      steady,
      previous({ since: at(50) }),
      false,
      at(100),
      false,
    ],
    [
      "not truncated: previous is ignored when the window starts before the version is known",
      unknownFirst,
      previous({ since: at(50) }),
      false,
      at(200),
      false,
    ],
    [
      "truncated, same version, previous.since before the window start → previous.since",
      steady,
      previous({ since: at(50) }),
      true,
      at(50),
      true,
    ],
    [
      "truncated, same version, previous.since exactly at the window start → previous.since",
      unknownFirst,
      previous({ since: at(100) }),
      true,
      at(100),
      true,
    ],
    [
      "truncated, same version, previous.since inside the window (earlier than the replay's) → the replay's",
      unknownFirst,
      previous({ since: at(150) }),
      true,
      at(200),
      false,
    ],
    [
      "truncated, same version, previous.since later than the replay's → the replay's",
      steady,
      previous({ since: at(120) }),
      true,
      at(100),
      false,
    ],
    [
      "truncated, same version, previous.since equal to the replay's → the replay's",
      steady,
      previous({ since: at(100) }),
      true,
      at(100),
      false,
    ],
    [
      "truncated, another version → the replay's",
      steady,
      previous({ version: "v0", since: at(50) }),
      true,
      at(100),
      false,
    ],
    [
      "truncated, previous without a version → the replay's",
      steady,
      previous({ version: null, since: null }),
      true,
      at(100),
      false,
    ],
    ["truncated, previous without since → the replay's", steady, previous({ since: null }), true, at(100), false],
    ["truncated, no previous → the replay's", steady, null, true, at(100), false],
  ])("%s", (_name, events, prev, truncated, since, lent) => {
    const before = structuredClone(prev);
    const expected = events === steady ? steadyState : unknownFirstState;
    const result = replayInstanceState(events, prev, truncated);
    // The window alone sees one version and calls it a first report (nothing before it).
    expect(expected).toMatchObject({ previousVersion: null, changedByHeartbeat: false });
    // Only `since` and how the version came may come from previous; the rest is the replay's.
    const source = lent ? { previousVersion: prev!.previousVersion, changedByHeartbeat: prev!.changedByHeartbeat } : {};
    expect(result).toEqual({ ...expected, since, ...source });
    expect(prev).toEqual(before);
  });

  test("truncated, the replay's version unknown: previous does not lend a since", () => {
    const events = [domainEvent({ phase: "parsed", reloadId: "rl-2", occurredAt: at(100) })];
    expect(replayInstanceState(events, previous({ version: null, since: null }), true)).toEqual(
      foldInstanceState(null, events),
    );
  });

  test("a history with nothing about the instance's state replays to null, whatever previous says", () => {
    const control = [
      domainEvent({ phase: "requested", instance: "checkout-api-1", toVersion: "v2", occurredAt: at(100) }),
    ];
    expect(replayInstanceState(control, previous({}), true)).toBeNull();
    expect(replayInstanceState([], previous({}), false)).toBeNull();
  });

  test("events of equal time replay in the order given (ingest: arrival order)", () => {
    const a = domainEvent({
      phase: "applied",
      reloadId: "rl-2",
      fromVersion: "v1",
      toVersion: "v2",
      occurredAt: at(100),
    });
    const b = domainEvent({
      phase: "failed",
      reloadId: "rl-3",
      fromVersion: "v1",
      toVersion: "v3",
      error: "x",
      occurredAt: at(100),
    });
    expect(replayInstanceState([a, b], null, false)).toMatchObject({
      version: "v2",
      lastPhase: "failed",
      lastReloadId: "rl-3",
    });
    expect(replayInstanceState([b, a], null, false)).toMatchObject({
      version: "v2",
      lastPhase: "applied",
      outcome: "ok",
      lastReloadId: "rl-2",
    });
  });

  // lib bug (see the helper's report): with a truncated window, previous.since wins whenever
  // the version matches and previous.since is at/before the window start, even when the
  // window itself shows another version in between. Here the row says v1 since 50 (written
  // before the batch), the batch brings applied v2 at 200 and its rollback at 300 together
  // with a late event, and the replay keeps since 50 though v2 ran from 200 to 300.
  test("truncated, the window leaves the version and comes back → the replay's since", () => {
    expect(replayInstanceState(history, previous({ since: at(50) }), true)).toEqual(replayed);
  });
});

// "The same state whatever the arrival order" (lib/ingest/store-instance-states.ts): the store
// folds a batch that comes in time order onto the stored row and writes it when needsWrite
// says so; a batch holding an event older than the row's last one, or older than an event
// already stored for the pair (an unwritten heartbeat), replays the pair's stored history.
// Every arrival order (all of them up to 7 events, seeded shuffles beyond) must end in the
// state that chronological order gives.
interface OrderSet {
  name: string;
  events: (Record<string, unknown> & { phase: Phase })[];
  expect: InstanceState;
}
const REFRESH_MS = 60_000;
const orderSets = reviveDates(fixture.orderIndependent) as unknown as OrderSet[];

/**
 * Which batches replay. "any": one holding an event older than the row's last event or than
 * the newest stored event. "changes": as findLate does it, the second check only for a
 * batch that changes what the row says (a heartbeat that merely confirms it is folded).
 */
type LateRule = "any" | "changes";

const time = (e: ReloadEventInput) => e.occurredAt.getTime();

/** One instance × resource as ingest keeps it: its stored events and its instance_state row. */
class SimulatedStore {
  /** Every event received so far, in arrival order. */
  readonly stored: ReloadEventInput[] = [];
  state: InstanceState | null = null;
  replays = 0;

  constructor(
    private readonly rule: LateRule,
    private readonly replay = true,
  ) {}

  receive(batch: ReloadEventInput[]): void {
    const current = this.state;
    const oldest = Math.min(...batch.map(time));
    const newestStored = Math.max(-Infinity, ...this.stored.map(time));
    this.stored.push(...batch);
    const folded = foldInstanceState(current, batch);
    const olderThanRow = current !== null && oldest < current.lastPhaseAt.getTime();
    const olderThanStored =
      oldest < newestStored &&
      (this.rule === "any" ||
        (current !== null && folded !== null && folded !== current && !sameState(current, folded)));
    let next = folded;
    if (this.replay && (olderThanRow || olderThanStored)) {
      this.replays++;
      // Oldest first; Array.prototype.sort is stable, so equal times keep arrival order.
      next = replayInstanceState(
        [...this.stored].sort((a, b) => time(a) - time(b)),
        current,
        false,
      );
    }
    if (next && next !== current && needsWrite(current, next, REFRESH_MS)) this.state = next;
  }
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

function arrivalOrders<T>(items: readonly T[]): T[][] {
  if (items.length <= 7) return permutations(items);
  return Array.from({ length: 500 }, (_, seed) => shuffled(items, seed + 1));
}

/** Consecutive batches of `size` events (the last one may be smaller). */
function batches<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

interface Run {
  rule: LateRule;
  batchSize: number;
  replay?: boolean;
}

function storeState(events: ReloadEventInput[], run: Run): { state: InstanceState | null; replays: number } {
  const store = new SimulatedStore(run.rule, run.replay ?? true);
  for (const batch of batches(events, run.batchSize)) store.receive(batch);
  return { state: store.state, replays: store.replays };
}

/** The arrival orders whose stored state differs from the expected one (by event index). */
function disagreeing(set: OrderSet, run: Run): { order: number[]; state: InstanceState | null }[] {
  const events = set.events.map((e) => domainEvent(e));
  const bad: { order: number[]; state: InstanceState | null }[] = [];
  for (const order of arrivalOrders(events.map((_, i) => i))) {
    const { state } = storeState(
      order.map((i) => events[i]!),
      run,
    );
    if (!isDeepStrictEqual(state, set.expect)) bad.push({ order, state });
  }
  return bad;
}

const runs: Run[] = [
  { rule: "any", batchSize: 1 },
  { rule: "changes", batchSize: 1 },
  { rule: "any", batchSize: 2 },
  { rule: "changes", batchSize: 2 },
];

describe("instance state does not depend on arrival order", () => {
  test("every set has distinct event times, listed oldest first", () => {
    for (const set of orderSets) {
      const times = set.events.map((e) => (e.occurredAt as Date).getTime());
      expect(
        times.every((t, i) => i === 0 || times[i - 1]! < t),
        set.name,
      ).toBe(true);
    }
  });

  test.each(orderSets.map((s) => [s.name, s] as const))(
    "%s: chronological order gives the expected state, without a replay",
    (_name, set) => {
      const events = set.events.map((e) => domainEvent(e));
      expect(foldInstanceState(null, events)).toEqual(set.expect);
      for (const run of runs) {
        expect(storeState(events, run), `${run.rule}, batches of ${run.batchSize}`).toEqual({
          state: set.expect,
          replays: 0,
        });
      }
    },
  );

  test.each(orderSets.flatMap((s) => runs.map((run) => [s.name, run.rule, run.batchSize, s, run] as const)))(
    "%s: every arrival order gives it too (late rule %s, batches of %i)",
    (_name, _rule, _size, set, run) => {
      expect(arrivalOrders(set.events).length).toBeGreaterThan(1);
      expect(disagreeing(set, run)).toEqual([]);
    },
  );

  test("the replay is what makes it so: without it, the sets that need it depend on arrival order", () => {
    const needing = orderSets
      .filter((set) => disagreeing(set, { rule: "any", batchSize: 1, replay: false }).length > 0)
      .map((s) => s.name);
    // The revisited versions, a failure after applied and a rollback all need the history.
    expect(needing).toEqual(
      expect.arrayContaining([
        "received, applied, rolled back",
        "rolled back to the version the state already had",
        "applied then failed",
        "a revisited version: v3, v4, then v3 again after a rollback",
        "a revisited version: v3, v4, then v3 again by a new reload",
        "a reload's report older than an unwritten heartbeat",
      ]),
    );
  });

  test("a report older than an unwritten heartbeat replays (the heartbeat is not in the row)", () => {
    const [hb0, received, hb30] = orderSets
      .find((s) => s.name === "a reload's report older than an unwritten heartbeat")!
      .events.map((e) => domainEvent(e));
    for (const rule of ["any", "changes"] as const) {
      const store = new SimulatedStore(rule);
      store.receive([hb0!]);
      store.receive([hb30!]);
      expect(store.state?.lastPhaseAt, "the second heartbeat is not written").toEqual(hb0!.occurredAt);
      store.receive([received!]);
      expect(store.replays).toBe(1);
      expect(store.state).toMatchObject({
        lastPhase: "heartbeat",
        lastPhaseAt: hb30!.occurredAt,
        outcome: "in_progress",
        lastReloadId: "rl-2",
      });
    }
  });
});
