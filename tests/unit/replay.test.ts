import { describe, expect, test } from "vitest";
import { foldInstanceState } from "@/lib/domain/instance-state";
import { emptyFacts, type ReloadFacts } from "@/lib/domain/reload-status";
import {
  desiredVersionAt,
  groupPairStates,
  keepsSnapshot,
  outcomeAt,
  pairKey,
  replayStates,
  reloadReplayWindow,
  replayWindow,
  justBefore,
  withinWindow,
  snapshotSlots,
  stepIndex,
  type PairEvent,
  type PairState,
  type ReloadAtRow,
  type SnapshotPolicy,
} from "@/lib/domain/replay";
import type { ReloadStatus } from "@/lib/domain/types";
import { parseReplayParams, replayHref, replayLinkFor } from "@/lib/replay/params";

const T0 = Date.parse("2026-11-20T10:00:00.000Z");
const t = (minutes: number) => new Date(T0 + minutes * 60_000);

const pair = { serviceId: 1, instanceId: 7, kind: "config", resource: "app.yaml" };
const e = (minutes: number, phase: PairEvent["phase"], fields: Partial<PairEvent> = {}): PairEvent => ({
  ...pair,
  phase,
  occurredAt: t(minutes),
  fromVersion: null,
  toVersion: null,
  error: null,
  reloadId: null,
  ...fields,
});

// One pair's history: heartbeats, a reload that applies, a NACKed one, a rollback, an in-flight one.
const HISTORY: PairEvent[] = [
  e(0, "heartbeat", { toVersion: "v1" }),
  e(5, "heartbeat", { toVersion: "v1" }),
  e(10, "received", { reloadId: "rl-1", fromVersion: "v1", toVersion: "v2" }),
  e(11, "applied", { reloadId: "rl-1", fromVersion: "v1", toVersion: "v2" }),
  e(12, "acked", { reloadId: "rl-1", fromVersion: "v1", toVersion: "v2" }),
  e(20, "heartbeat", { toVersion: "v2" }),
  e(30, "nacked", { reloadId: "rl-2", fromVersion: "v2", toVersion: "v3", error: "bad key" }),
  e(35, "heartbeat", { toVersion: "v2" }),
  e(40, "applied", { reloadId: "rl-3", fromVersion: "v2", toVersion: "v4" }),
  e(41, "rolled_back", { reloadId: "rl-3", fromVersion: "v2", toVersion: "v4" }),
  e(50, "received", { reloadId: "rl-4", fromVersion: "v2", toVersion: "v5" }),
];

const asStateEvents = (events: PairEvent[]) => events.map((x) => ({ ...x, instance: "i" }));

describe("replayStates: a snapshot plus the events after it is the fold of everything", () => {
  // Every split point: the snapshot is the fold of the head, the tail is folded onto it.
  test.each(HISTORY.map((_, i) => [i] as const))("snapshot after %i events", (split) => {
    const head = foldInstanceState(null, asStateEvents(HISTORY.slice(0, split)));
    const base: PairState[] = head ? [{ ...pair, ...head }] : [];
    const replayed = replayStates(base, HISTORY.slice(split)).get(pairKey(pair)) ?? null;
    const whole = foldInstanceState(null, asStateEvents(HISTORY));
    expect(replayed && { ...replayed }).toEqual(whole && { ...pair, ...whole });
  });

  test.each([
    ["before anything", 0, null],
    ["the first heartbeat", 1, { version: "v1", since: t(0), outcome: "ok" }],
    ["mid-reload (received)", 3, { version: "v1", since: t(0), outcome: "in_progress", lastReloadId: "rl-1" }],
    ["after the ack", 5, { version: "v2", since: t(11), outcome: "ok", lastReloadId: "rl-1" }],
    ["after the NACK", 7, { version: "v2", since: t(11), outcome: "nacked", lastError: "bad key" }],
    ["a heartbeat keeps the NACK visible", 8, { version: "v2", outcome: "nacked", lastPhase: "heartbeat" }],
    ["after the rollback", 10, { version: "v2", since: t(41), outcome: "rolled_back" }],
    ["everything", 11, { version: "v2", outcome: "in_progress", lastReloadId: "rl-4" }],
  ] as const)("at %s", (_label, upTo, expected) => {
    const state = replayStates([], HISTORY.slice(0, upTo)).get(pairKey(pair)) ?? null;
    if (expected === null) expect(state).toBeNull();
    else expect(state).toMatchObject(expected);
  });

  test("pairs the events do not touch keep their snapshot state, and the base is not changed", () => {
    const other: PairState = {
      ...pair,
      instanceId: 8,
      version: "v9",
      since: t(0),
      lastPhase: "heartbeat",
      lastPhaseAt: t(0),
      outcome: "ok",
      lastError: null,
      lastReloadId: null,
      previousVersion: null,
      changedByHeartbeat: false,
    };
    const base = [other];
    const out = replayStates(base, HISTORY.slice(0, 2));
    expect(out.get(pairKey(other))).toBe(other);
    expect(out.size).toBe(2);
    expect(base).toEqual([other]);
  });
});

function reload(
  reloadId: string,
  status: ReloadStatus,
  facts: Partial<ReloadFacts>,
  completedAt: Date | null = null,
): ReloadAtRow {
  return {
    key: reloadId.replace(/\D/g, ""),
    serviceId: 1,
    reloadId,
    status,
    completedAt,
    facts: { ...emptyFacts("config", "app.yaml", facts.firstEventAt ?? t(0)), ...facts },
  };
}

describe("desiredVersionAt", () => {
  const approved = reload(
    "rl-1",
    "succeeded",
    { toVersion: "v2", fromVersion: "v1", requestedAt: t(0), approvedAt: t(2), startedAt: t(3), lastEventAt: t(6) },
    t(6),
  );
  const rolledBack = reload(
    "rl-2",
    "rolled_back",
    {
      toVersion: "v3",
      fromVersion: "v2",
      firstEventAt: t(10),
      dispatchedAt: t(10),
      startedAt: t(10),
      rolledBackAt: t(15),
      lastEventAt: t(15),
    },
    t(15),
  );
  const rejected = reload(
    "rl-3",
    "rejected",
    { toVersion: "v4", firstEventAt: t(20), requestedAt: t(20), rejectedAt: t(22), lastEventAt: t(22) },
    t(22),
  );
  const expiredUnstarted = reload(
    "rl-4",
    "expired",
    {
      toVersion: "v5",
      firstEventAt: t(30),
      requestedAt: t(30),
      approvedAt: t(31),
      expiredAt: t(46),
      lastEventAt: t(31),
    },
    t(46),
  );
  const all = [approved, rolledBack, rejected, expiredUnstarted];
  test.each([
    ["before any reload", -1, null],
    ["pending approval sets nothing", 1, null],
    ["approval sets the target", 2, "v2"],
    ["a newer dispatched reload replaces it", 12, "v3"],
    ["its rollback sets its fromVersion", 16, "v2"],
    ["a rejected request changes nothing, before or after its rejection", 21, "v2"],
    ["an approved request sets its target until it expires unstarted", 40, "v5"],
    ["then gives the place back", 50, "v2"],
  ] as const)("%s", (_label, minute, expected) => {
    expect(desiredVersionAt(all, t(minute))?.version ?? null).toBe(expected);
  });
});

describe("outcomeAt: an instance reloads only while its reload does", () => {
  const state: PairState = {
    ...pair,
    version: "v1",
    since: t(0),
    lastPhase: "received",
    lastPhaseAt: t(10),
    outcome: "in_progress",
    lastError: null,
    lastReloadId: "rl-1",
    previousVersion: null,
    changedByHeartbeat: false,
  };
  const own = reload(
    "rl-1",
    "expired",
    { firstEventAt: t(9), dispatchedAt: t(9), startedAt: t(9), expiredAt: t(24) },
    t(24),
  );
  const newer = reload("rl-2", "succeeded", { firstEventAt: t(30), dispatchedAt: t(30), startedAt: t(30) }, t(32));
  test.each([
    ["before its reload ends", [own], 20, "in_progress"],
    ["after its reload expired", [own], 25, "expired"],
    [
      "a newer reload started (its own still open)",
      [reload("rl-1", "in_progress", { startedAt: t(9), firstEventAt: t(9) }), newer],
      31,
      "expired",
    ],
    [
      "a newer reload not started yet",
      [reload("rl-1", "in_progress", { startedAt: t(9), firstEventAt: t(9) }), newer],
      29,
      "in_progress",
    ],
  ] as const)("%s", (_label, reloads, minute, expected) => {
    expect(outcomeAt(state, [...reloads], t(minute)).outcome).toBe(expected);
  });
  test("other outcomes are left alone", () => {
    expect(outcomeAt({ ...state, outcome: "nacked", lastError: "x" }, [own], t(60))).toEqual({
      outcome: "nacked",
      lastError: "x",
    });
  });
});

describe("groupPairStates groups as the live SQL does", () => {
  test("per version, split at the live cutoff, with outcome counts", () => {
    const s = (instanceId: number, version: string | null, at: number, outcome: PairState["outcome"]): PairState => ({
      ...pair,
      instanceId,
      version,
      since: t(at),
      lastPhase: "heartbeat",
      lastPhaseAt: t(at),
      outcome,
      lastError: null,
      lastReloadId: null,
      previousVersion: null,
      changedByHeartbeat: false,
    });
    const groups = groupPairStates(
      [s(1, "v1", 10, "ok"), s(2, "v1", 20, "nacked"), s(3, "v1", 0, "ok"), s(4, "v2", 15, "in_progress")],
      t(5),
      0,
    );
    const sorted = groups
      .map((g) => ({
        version: g.version,
        instances: g.instances,
        last: g.lastReportAt.getTime(),
        nacked: g.nacked,
        inProgress: g.inProgress,
      }))
      .sort((a, b) => a.last - b.last);
    expect(sorted).toEqual([
      { version: "v1", instances: 1, last: t(0).getTime(), nacked: 0, inProgress: 0 },
      { version: "v2", instances: 1, last: t(15).getTime(), nacked: 0, inProgress: 1 },
      { version: "v1", instances: 2, last: t(20).getTime(), nacked: 1, inProgress: 0 },
    ]);
  });
});

describe("snapshot schedule", () => {
  const DAY = 86_400_000;
  const policy: SnapshotPolicy = {
    intervalMs: 15 * 60_000,
    denseForMs: DAY,
    settleMs: 5 * 60_000,
    retentionMs: 3 * DAY,
  };
  const now = new Date("2026-11-20T10:07:00.000Z");
  test("dense slots for the last day, whole days before, each settled", () => {
    const slots = snapshotSlots(now, policy).map((d) => d.toISOString());
    expect(slots[0]).toBe("2026-11-18T00:00:00.000Z");
    expect(slots).toContain("2026-11-19T00:00:00.000Z");
    expect(slots).toContain("2026-11-19T10:15:00.000Z");
    expect(slots).not.toContain("2026-11-19T10:00:00.000Z");
    expect(slots.at(-1)).toBe("2026-11-20T10:00:00.000Z");
    expect(slots).toHaveLength(2 + 96);
    expect(slots.every((s) => keepsSnapshot(new Date(s), now, policy))).toBe(true);
  });
  test.each([
    ["a whole day inside retention", "2026-11-18T00:00:00.000Z", true],
    ["a day outside retention", "2026-11-17T00:00:00.000Z", false],
    ["a dense slot older than a day", "2026-11-19T09:45:00.000Z", false],
    ["a dense slot within the day", "2026-11-20T09:45:00.000Z", true],
    ["a slot not yet settled", "2026-11-20T10:05:00.000Z", false],
    ["an instant off the grid", "2026-11-20T09:46:00.000Z", false],
  ])("%s", (_label, at, kept) => {
    expect(keepsSnapshot(new Date(at), now, policy)).toBe(kept);
  });
});

describe("playback", () => {
  const times = [t(1), t(2), t(2), t(5)];
  test.each([
    ["forward from before the first", t(0), 1, 0],
    ["forward from the first", t(1), 1, 1],
    ["forward past equal times", t(2), 1, 3],
    ["forward from the last", t(5), 1, null],
    ["back from the last", t(5), -1, 2],
    ["back from between", t(3), -1, 1],
    ["back from the first", t(1), -1, null],
  ] as const)("%s", (_label, at, direction, expected) => {
    expect(stepIndex(times, at, direction)).toBe(expected);
  });
  test("a reload's window is its events with a minute either side, never past now", () => {
    const w = replayWindow(t(3), { firstEventAt: t(2), lastEventAt: t(10) }, t(10));
    expect(w).toEqual({ from: t(1), to: t(10) });
    expect(replayWindow(t(60), null, t(200))).toEqual({ from: t(30), to: t(90) });
    expect(replayWindow(t(60), null, t(70))).toEqual({ from: t(30), to: t(70) });
  });
  // "just before → just after": the replay a reload page, an alert and a matrix cell link to.
  test.each([
    [
      "dispatched: from a minute before the dispatch",
      { firstEventAt: t(0), startedAt: t(60), lastEventAt: t(62) },
      t(100),
      { from: t(59), to: t(63), at: t(59) },
    ],
    [
      "never dispatched (pending approval): from its request",
      { firstEventAt: t(5), startedAt: null, lastEventAt: t(5) },
      t(100),
      { from: t(4), to: t(6), at: t(4) },
    ],
    [
      "no start known: its first event",
      { firstEventAt: t(5), lastEventAt: t(9) },
      t(100),
      { from: t(4), to: t(10), at: t(4) },
    ],
    [
      "still running: never past now",
      { firstEventAt: t(5), startedAt: t(5), lastEventAt: t(9) },
      t(9.5),
      { from: t(4), to: t(9.5), at: t(4) },
    ],
    [
      "a start recorded before the first event (clock skew): the first event",
      { firstEventAt: t(5), startedAt: t(3), lastEventAt: t(9) },
      t(100),
      { from: t(4), to: t(10), at: t(4) },
    ],
  ] as const)("a reload's replay window, %s", (_label, reload, now, expected) => {
    expect(reloadReplayWindow(reload, now)).toEqual(expected);
    expect(replayWindow(t(50), reload, now)).toEqual({ from: expected.from, to: expected.to });
  });
  test("just before an instant, and whether an instant is inside a window", () => {
    expect(justBefore(t(10))).toEqual(t(9));
    expect(withinWindow(t(4), { from: t(4), to: t(6) })).toBe(true);
    expect(withinWindow(t(6.01), { from: t(4), to: t(6) })).toBe(false);
  });
});

describe("replay URL", () => {
  test.each([
    ["a reload: its own window", { reloadKey: "26", instant: t(5) }, "/replay?reload=26"],
    [
      "an alert without a reload: a minute before it fired",
      { reloadKey: null, instant: t(5) },
      `/replay?at=${encodeURIComponent(t(4).toISOString())}`,
    ],
    ["nothing known: the last half hour", { reloadKey: null }, "/replay"],
  ])("the replay link of %s", (_label, subject, href) => {
    expect(replayLinkFor(subject)).toBe(href);
  });
  const now = new Date("2026-11-20T10:00:00.000Z");
  test.each([
    [{ at: "2026-11-20T09:00:00.000Z" }, { at: new Date("2026-11-20T09:00:00.000Z"), reload: null, page: 1 }],
    [
      { at: "2026-11-20T10:00:00+01:00", reload: "42", page: "2" },
      { at: new Date("2026-11-20T09:00:00.000Z"), reload: "42", page: 2 },
    ],
    [{}, { at: null, reload: null, page: 1 }],
  ])("%j parses", (query, expected) => {
    expect(parseReplayParams(query, now, 30)).toEqual({ ok: true, params: expected });
  });
  test.each([
    [{ at: "yesterday" }, "at: must be an RFC 3339 instant"],
    [{ at: "2026-11-20" }, "at: must be an RFC 3339 instant"],
    [{ at: "2026-11-20T10:06:00Z" }, "at: is in the future"],
    [{ at: "2026-10-01T00:00:00Z" }, "at: is older than the retention window (30 days)"],
    [{ reload: "abc" }, "reload: must be a reload key"],
    [{ page: "0" }, "page:"],
  ])("%j is refused with a reason", (query, reason) => {
    const parsed = parseReplayParams(query, now, 30);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.errors.join("; ")).toContain(reason);
  });
  test("a link round-trips", () => {
    const href = replayHref({ at: new Date("2026-11-20T09:00:00.123Z"), reload: "7", page: 3 });
    expect(parseReplayParams(new URL(href, "http://x").searchParams, now, 30)).toEqual({
      ok: true,
      params: { at: new Date("2026-11-20T09:00:00.123Z"), reload: "7", page: 3 },
    });
  });
});
