import { describe, expect, test } from "vitest";
import { offersRollbackTo, proposeRollback, rollbackPreflight, type ReloadHistoryEntry } from "@/lib/domain/rollback";

const t = (minute: number) => new Date(Date.UTC(2026, 10, 20, 12, minute));
const r = (
  reloadId: string,
  minute: number,
  fromVersion: string | null,
  toVersion: string | null,
  acked: number,
): ReloadHistoryEntry => ({
  reloadId,
  at: t(minute),
  fromVersion,
  toVersion,
  acked,
});

describe("proposeRollback", () => {
  const desired = { version: "v3", reloadId: "rl-3", setAt: t(30) };
  test.each<[string, ReloadHistoryEntry[], string | null, string | null]>([
    [
      "the last acked version before the desired one",
      [r("rl-1", 0, null, "v1", 4), r("rl-2", 10, "v1", "v2", 4), r("rl-3", 30, "v2", "v3", 4)],
      "v2",
      "acked",
    ],
    [
      "in any order",
      [r("rl-3", 30, "v2", "v3", 4), r("rl-1", 0, null, "v1", 4), r("rl-2", 10, "v1", "v2", 4)],
      "v2",
      "acked",
    ],
    [
      "skips one nobody acked",
      [r("rl-1", 0, null, "v1", 4), r("rl-2", 10, "v1", "v2", 0), r("rl-3", 30, "v1", "v3", 4)],
      "v1",
      "acked",
    ],
    [
      "skips one that went to the desired version too",
      [r("rl-1", 0, null, "v1", 2), r("rl-2", 10, "v1", "v3", 2), r("rl-3", 30, "v3", "v3", 4)],
      "v1",
      "acked",
    ],
    [
      "ignores later reloads (a pending request, a rejected one)",
      [r("rl-2", 10, "v1", "v2", 4), r("rl-3", 30, "v2", "v3", 4), r("rl-4", 40, "v3", "v4", 3)],
      "v2",
      "acked",
    ],
    ["falls back to what the desired reload moved from", [r("rl-3", 30, "v2", "v3", 4)], "v2", "previous"],
    ["nothing to go back to", [r("rl-3", 30, null, "v3", 4)], null, null],
  ])("%s", (_, history, version, basis) => {
    const proposal = proposeRollback(desired, history);
    expect(proposal?.version ?? null).toBe(version);
    expect(proposal?.basis ?? null).toBe(basis);
  });

  test("no desired version, no proposal", () => {
    expect(proposeRollback(null, [r("rl-1", 0, null, "v1", 4)])).toBeNull();
  });

  test("the desired reload out of the history window: reloads before the time it was set", () => {
    const proposal = proposeRollback(desired, [r("rl-2", 10, "v1", "v2", 1), r("rl-4", 40, "v3", "v9", 3)]);
    expect(proposal).toMatchObject({ version: "v2", reloadId: "rl-2" });
  });
});

describe("rollbackPreflight", () => {
  test("which instances would move, and whether each ever acked the version", () => {
    const preflight = rollbackPreflight(
      "v2",
      [
        { instance: "pod-c", version: "v3" },
        { instance: "pod-a", version: "v2" },
        { instance: "pod-b", version: "v3" },
        { instance: "pod-d", version: null },
      ],
      new Set(["pod-a", "pod-c"]),
    );
    expect(preflight.rows.map((x) => [x.instance, x.moves, x.everAcked])).toEqual([
      ["pod-b", true, false],
      ["pod-c", true, true],
      ["pod-d", true, false],
      ["pod-a", false, true],
    ]);
    expect(preflight.moving).toBe(3);
    expect(preflight.movingUnconfirmed).toBe(2);
  });
});

describe("offersRollbackTo", () => {
  test.each<[string, { toVersion: string | null; acked: number }, string | null, boolean]>([
    ["an acked earlier version", { toVersion: "v1", acked: 3 }, "v2", true],
    ["the desired version itself", { toVersion: "v2", acked: 3 }, "v2", false],
    ["a version nobody acked", { toVersion: "v1", acked: 0 }, "v2", false],
    ["a reload without a target", { toVersion: null, acked: 3 }, "v2", false],
    ["a resource without a desired version", { toVersion: "v1", acked: 3 }, null, false],
  ])("%s: %s", (_, reload, desired, offered) => {
    expect(offersRollbackTo(reload, desired)).toBe(offered);
  });
});
