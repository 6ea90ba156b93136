import { isDeepStrictEqual } from "node:util";
import { describe, expect, test } from "vitest";
import { affectsInstanceState, foldInstanceState, needsWrite, nextInstanceState, type InstanceState } from "@/lib/domain/instance-state";
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

  test.each<[string, Parameters<typeof domainEvent>[0], Date]>([
    ["a late applied of the current version, before since", { phase: "applied", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(50) }, at(50)],
    ["a late heartbeat on the current version, before since", { phase: "heartbeat", toVersion: "v2", occurredAt: at(45) }, at(45)],
    ["a late received of a reload from the current version", { phase: "received", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", occurredAt: at(40) }, at(40)],
    ["a late nacked of a reload from the current version", { phase: "nacked", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", error: "x", occurredAt: at(41) }, at(41)],
    ["a late rolled_back to the current version", { phase: "rolled_back", reloadId: "rl-3", fromVersion: "v2", toVersion: "v3", occurredAt: at(42) }, at(42)],
  ])("%s lowers `since` and nothing else", (_name, event, since) => {
    const next = nextInstanceState(applied, domainEvent(event));
    expect(next).toEqual({ ...applied, since });
    expect(applied.since).toEqual(at(60));
  });

  test.each<[string, Parameters<typeof domainEvent>[0]]>([
    ["a late applied of the current version after since", { phase: "applied", reloadId: "rl-2", fromVersion: "v1", toVersion: "v2", occurredAt: at(60.5) }],
    ["a late heartbeat of the current version exactly at since", { phase: "heartbeat", toVersion: "v2", occurredAt: at(60) }],
    ["a late received without a fromVersion", { phase: "received", reloadId: "rl-3", fromVersion: null, toVersion: "v3", occurredAt: at(40) }],
    ["a late applied without a toVersion", { phase: "applied", reloadId: "rl-2", fromVersion: "v2", toVersion: null, occurredAt: at(40) }],
  ])("%s returns the same object", (_name, event) => {
    expect(nextInstanceState(applied, domainEvent(event))).toBe(applied);
  });

  test("a late event cannot set `since` on a state whose version is unknown", () => {
    const unknown: InstanceState = { ...applied, version: null, since: null };
    expect(nextInstanceState(unknown, domainEvent({ phase: "received", reloadId: "rl-3", fromVersion: null, occurredAt: at(10) }))).toBe(unknown);
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

  test("events older than the state that do not show its version are history only", () => {
    const start = foldInstanceState(null, history)!;
    // The NACKed reload to v2 and the heartbeats on v1 say nothing of v3.
    expect(foldInstanceState(start, history.slice(0, 5))).toBe(start);
  });

  // lib bug (see the helper's report): v3 ran from 301, v4 from 500, v3 again from 510. The
  // late applied of v3 at 301 lowers `since` to 301 though v4 ran in between. Remove
  // `.fails` once lateEvent knows about revisited versions.
  test.fails("KNOWN BUG: a late event of a revisited version does not move `since` back past the visit", () => {
    const start = foldInstanceState(null, history)!;
    expect(start.since).toEqual(at(510));
    expect(foldInstanceState(start, history.slice(6, 8))).toBe(start);
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
  const applied = { ...base, lastPhase: "applied" as const, lastReloadId: "rl-1" };
  const progress = { ...base, lastPhase: "validated" as const, outcome: "in_progress" as const, lastReloadId: "rl-1" };
  test.each([
    ["a first state", null, base, true],
    ["a heartbeat that confirms the version 30 s later", base, { ...base, lastPhaseAt: later(30) }, false],
    ["a heartbeat that confirms the version 60 s later", base, { ...base, lastPhaseAt: later(60) }, true],
    ["a new version", base, { ...base, version: "v2", since: later(5), lastPhaseAt: later(5) }, true],
    ["a new outcome", base, { ...base, outcome: "nacked" as const, lastError: "bad", lastPhaseAt: later(1) }, true],
    ["another phase", base, { ...base, lastPhase: "applied" as const, lastPhaseAt: later(1) }, true],
    ["a heartbeat that only lowers since (a late event)", base, { ...base, since: new Date("2026-11-21T09:00:00Z") }, true],
    ["the very same state", base, base, false],
    ["a heartbeat that confirms the version, 30 s after an applied", applied, { ...applied, lastPhase: "heartbeat" as const, lastPhaseAt: later(30) }, true],
    ["the same progress phase again 1 s later (not a heartbeat: always written)", progress, { ...progress, lastPhaseAt: later(1) }, true],
    ["a progress event that only lowers since (a late event)", progress, { ...progress, since: new Date("2026-11-21T09:00:00Z") }, true],
    ["a progress event unchanged (a late event that implied nothing)", progress, progress, false],
  ])("%s → %s", (_name, current, next, expected) => {
    expect(needsWrite(current, next, 60_000)).toBe(expected);
  });
});

// "A reload's events give the same state in any arrival order" (lib/domain/instance-state.ts):
// ingest folds each event onto the stored state and writes it back only when needsWrite says
// so. Every arrival order (all of them up to 7 events, seeded shuffles beyond) must end in
// the state that chronological order gives.
interface OrderSet {
  name: string;
  from: keyof typeof fixture.states | null;
  events: (Record<string, unknown> & { phase: Phase })[];
  expect: InstanceState;
}
const REFRESH_MS = 60_000;
const orderIndependent = reviveDates(fixture.orderIndependent) as unknown as OrderSet[];
const knownOrderDependent = reviveDates(fixture.knownOrderDependent) as unknown as OrderSet[];

/** Storage as ingest does it: fold one event onto the stored row, write only when needsWrite says so. */
function stored(start: InstanceState | null, arrivals: ReloadEventInput[]): InstanceState | null {
  let row = start;
  for (const event of arrivals) {
    const next = nextInstanceState(row, event);
    if (next && needsWrite(row, next, REFRESH_MS)) row = next;
  }
  return row;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

function arrivalOrders<T>(items: readonly T[]): T[][] {
  if (items.length <= 7) return permutations(items);
  return Array.from({ length: 500 }, (_, seed) => shuffled(items, seed + 1));
}

/** The arrival orders whose stored state differs from the expected one (by event index). */
function disagreeing(set: OrderSet): { order: number[]; state: InstanceState | null }[] {
  const start = set.from === null ? null : { ...states[set.from]! };
  const events = set.events.map((e) => domainEvent(e));
  const bad: { order: number[]; state: InstanceState | null }[] = [];
  for (const order of arrivalOrders(events.map((_, i) => i))) {
    const state = stored(start, order.map((i) => events[i]!));
    if (!isDeepStrictEqual(state, set.expect)) bad.push({ order, state });
  }
  return bad;
}

describe("instance state does not depend on arrival order", () => {
  test("every set has distinct event times, listed oldest first", () => {
    for (const set of [...orderIndependent, ...knownOrderDependent]) {
      const times = set.events.map((e) => (e.occurredAt as Date).getTime());
      expect(times.every((t, i) => i === 0 || times[i - 1]! < t), set.name).toBe(true);
    }
  });

  test.each([...orderIndependent, ...knownOrderDependent].map((s) => [s.name, s] as const))("%s: chronological order gives the expected state", (_name, set) => {
    const start = set.from === null ? null : { ...states[set.from]! };
    const events = set.events.map((e) => domainEvent(e));
    expect(foldInstanceState(start, events)).toEqual(set.expect);
    expect(stored(start, events)).toEqual(set.expect);
  });

  test.each(orderIndependent.map((s) => [s.name, s] as const))("%s: every arrival order gives it too", (_name, set) => {
    expect(arrivalOrders(set.events).length).toBeGreaterThan(1);
    expect(disagreeing(set)).toEqual([]);
  });

  // lib bugs (see the helper's report): these sets still depend on arrival order. Each
  // is written as the expectation it should meet; remove `.fails` once it does.
  test.fails.each(knownOrderDependent.map((s) => [s.name, s] as const))("KNOWN BUG %s: every arrival order gives it too", (_name, set) => {
    expect(disagreeing(set)).toEqual([]);
  });
});
