// The two reload rules the sweep, ingest's fallback, requests and the replay share: when an
// instance stops showing as reloading (reloadingEnded) and which reload sets the desired version
// (newestDesired). Their SQL sides are pinned against Postgres in tests/integration/
// reloading-agreement.test.ts and desired-agreement.test.ts; here the pure rules alone.
import { describe, expect, test } from "vitest";
import { newestDesired, type DesiredCandidate } from "@/lib/domain/desired-version";
import {
  ENDED_MESSAGE,
  fillMessage,
  OVERTAKEN_MESSAGE,
  reloadingEnded,
  type ReloadingPair,
  type ReloadingReload,
} from "@/lib/domain/reloading";
import { emptyFacts, type ReloadFacts } from "@/lib/domain/reload-status";
import type { ReloadStatus } from "@/lib/domain/types";

const T0 = Date.parse("2026-11-20T10:00:00.000Z");
const t = (minutes: number) => new Date(T0 + minutes * 60_000);

describe("fillMessage fills %s in order, as Postgres' format() does", () => {
  test.each([
    ["a %s b %s", ["1", "2"], "a 1 b 2"],
    ["%s%s", ["x", "%s"], "x%s"],
    ["none", [], "none"],
    ["one %s, two %s", ["1"], "one 1, two "],
  ] as const)("%s", (template, args, want) => {
    expect(fillMessage(template, ...args)).toBe(want);
  });
});

describe("reloadingEnded", () => {
  const pair: ReloadingPair = { outcome: "in_progress", lastReloadId: "own", lastPhaseAt: t(2) };
  const unnamed: ReloadingPair = { ...pair, lastReloadId: null };
  const r = (key: string, reloadId: string, startedAt: number | null, status: ReloadStatus): ReloadingReload => ({
    key,
    reloadId,
    startedAt: startedAt === null ? null : t(startedAt),
    status,
  });
  const own = (status: ReloadStatus = "in_progress") => r("1", "own", 0, status);
  const overtaken = (by: string, ownId = "own") => fillMessage(OVERTAKEN_MESSAGE, by, ownId);
  test.each<[string, ReloadingPair, ReloadingReload[], string | null]>([
    ["its own still under way", pair, [own()], null],
    ["its own ended", pair, [own("expired")], fillMessage(ENDED_MESSAGE, "own", "expired")],
    ["a newer one started after its own", pair, [own(), r("2", "new", 1, "approved")], overtaken("new")],
    ["one started with its own is not newer", pair, [own(), r("2", "new", 0, "in_progress")], null],
    ["the newest start is named", pair, [own(), r("3", "b", 5, "failed"), r("2", "a", 9, "failed")], overtaken("a")],
    ["a start tie: the higher key", pair, [own(), r("10", "b", 5, "failed"), r("9", "a", 5, "failed")], overtaken("b")],
    ["no own reload: from its last report", unnamed, [r("2", "new", 3, "approved")], overtaken("new", "its reload")],
    ["no own reload, an older start", unnamed, [r("2", "old", 1, "in_progress")], null],
  ])("%s", (_label, state, reloads, want) => {
    expect(reloadingEnded(state, reloads)).toBe(want);
  });
  test("a pair not in progress is left alone", () => {
    const reloads = [own("expired"), r("2", "new", 5, "in_progress")];
    expect(reloadingEnded({ ...pair, outcome: "failed" }, reloads)).toBeNull();
  });
});

describe("newestDesired", () => {
  const reload = (key: string, first: number, facts: Partial<ReloadFacts>, status: ReloadStatus): DesiredCandidate => ({
    key,
    status,
    facts: { ...emptyFacts("config", "app.yaml", t(first)), toVersion: `v${key}`, ...facts },
  });
  const pick = (reloads: DesiredCandidate[]) => newestDesired(reloads)?.reload.key ?? null;
  test("the newest setter wins, in any order", () => {
    const reloads = [
      reload("1", 0, { dispatchedAt: t(0), startedAt: t(0) }, "succeeded"),
      reload("2", 5, { dispatchedAt: t(5), startedAt: t(5) }, "partially_failed"),
      reload("3", 9, { requestedAt: t(9) }, "pending_approval"),
    ];
    expect(pick(reloads)).toBe("2");
    expect(pick([...reloads].reverse())).toBe("2");
  });
  test("a setAt tie goes to the one heard of first, then to the lower key", () => {
    const tie = (key: string, first: number) =>
      reload(key, first, { dispatchedAt: t(10), startedAt: t(10) }, "succeeded");
    expect(pick([tie("5", 4), tie("6", 3)])).toBe("6");
    expect(pick([tie("6", 3), tie("5", 4)])).toBe("6");
    expect(pick([tie("10", 3), tie("9", 3)])).toBe("9");
    expect(pick([tie("9", 3), tie("10", 3)])).toBe("9");
  });
  test("nothing set: null", () => {
    expect(newestDesired([reload("1", 0, { requestedAt: t(0) }, "rejected")])).toBeNull();
    expect(newestDesired([])).toBeNull();
  });
});
