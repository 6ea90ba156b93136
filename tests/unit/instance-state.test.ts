import { describe, expect, test } from "vitest";
import { affectsInstanceState, foldInstanceState, needsWrite, nextInstanceState, type InstanceState } from "@/lib/domain/instance-state";
import { PHASES, type Phase } from "@/lib/domain/types";
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
      };
      const next = nextInstanceState(current, domainEvent({ phase, reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(20) }));
      expect(next).toEqual({
        version: "v1",
        since: at(0),
        lastPhase: phase,
        lastPhaseAt: at(20),
        outcome: "in_progress",
        lastError: null,
        lastReloadId: "rl-2",
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
  };

  test.each(["requested", "approved", "rejected"] as const)("control phase %s is ignored (same object back)", (phase) => {
    const event = domainEvent({ phase, instance: "checkout-api-1", fromVersion: "v1", toVersion: "v2", occurredAt: at(60) });
    expect(nextInstanceState(current, event)).toBe(current);
    expect(nextInstanceState(null, event)).toBeNull();
  });

  test.each(["dispatched", "failed", "rolled_back", "applied"] as const)("%s without an instance is ignored", (phase) => {
    const event = domainEvent({ phase, instance: null, fromVersion: "v1", toVersion: "v2", error: "x", occurredAt: at(60) });
    expect(nextInstanceState(current, event)).toBe(current);
    expect(nextInstanceState(null, event)).toBeNull();
  });
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
  };

  test.each([
    ["a late applied of an older reload", domainEvent({ phase: "applied", reloadId: "rl-1", fromVersion: "v0", toVersion: "v1", occurredAt: at(30) })],
    ["a late heartbeat on the old version", domainEvent({ phase: "heartbeat", toVersion: "v1", occurredAt: at(59) })],
    ["a late nacked", domainEvent({ phase: "nacked", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", error: "late", occurredAt: at(40) })],
    ["a late received", domainEvent({ phase: "received", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(50) })],
    ["a late rolled_back", domainEvent({ phase: "rolled_back", reloadId: "rl-1", fromVersion: "v0", toVersion: "v1", occurredAt: at(55) })],
  ])("%s returns the same object", (_name, event) => {
    const next = nextInstanceState(applied, event);
    expect(next).toBe(applied);
    expect(next?.version).toBe("v2");
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
    domainEvent({ phase: "nacked", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", error: "route conflict", occurredAt: at(102) }),
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
    });
  });

  test.each([
    ["up to the NACK", 4, { version: "v1", since: at(0), outcome: "nacked", lastError: "route conflict" }],
    ["NACK survives a same-version heartbeat", 5, { version: "v1", outcome: "nacked", lastPhase: "heartbeat", lastReloadId: "rl-2" }],
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

  test("events older than the starting state are history only", () => {
    const start = foldInstanceState(null, history)!;
    expect(foldInstanceState(start, history.slice(0, 8))).toBe(start);
  });

  test("arrival order through nextInstanceState: a late older applied never turns the version back", () => {
    const newer = domainEvent({ phase: "applied", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", occurredAt: at(200) });
    const older = domainEvent({ phase: "applied", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(100) });
    const state = [newer, older].reduce(nextInstanceState, null);
    expect(state).toMatchObject({ version: "v3", since: at(200), lastReloadId: "rl-3" });
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
  };
  const later = (seconds: number) => new Date(base.lastPhaseAt.getTime() + seconds * 1000);
  test.each([
    ["a first state", null, base, true],
    ["a heartbeat that confirms the version 30 s later", base, { ...base, lastPhaseAt: later(30) }, false],
    ["a heartbeat that confirms the version 60 s later", base, { ...base, lastPhaseAt: later(60) }, true],
    ["a new version", base, { ...base, version: "v2", since: later(5), lastPhaseAt: later(5) }, true],
    ["a new outcome", base, { ...base, outcome: "nacked" as const, lastError: "bad", lastPhaseAt: later(1) }, true],
    ["another phase", base, { ...base, lastPhase: "applied" as const, lastPhaseAt: later(1) }, true],
  ])("%s → %s", (_name, current, next, expected) => {
    expect(needsWrite(current, next, 60_000)).toBe(expected);
  });
});
