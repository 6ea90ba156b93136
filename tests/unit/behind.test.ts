import { describe, expect, test } from "vitest";
import { behindRows, behindSince, parseBehindSort, type BehindPair } from "@/lib/domain/behind";
import { assessDrift } from "@/lib/domain/drift";

const NOW = new Date("2026-11-21T14:00:00Z");
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);
const pair = (
  instanceKey: string,
  version: string,
  sinceMinutes: number | null,
  setMinutes = 60,
  resource = "app.yaml",
): BehindPair => ({
  instanceKey,
  kind: "config",
  resource,
  version,
  desired: "v2",
  since: sinceMinutes === null ? null : at(sinceMinutes),
  desiredSetAt: at(setMinutes),
  lastReportAt: at(1),
});

describe("behindSince", () => {
  test.each([
    ["ran the old version before v2 was desired: behind since it was set", 120, 60, 60],
    ["moved off the desired version later: behind since its move", 10, 60, 10],
    ["a version of unknown age: since it was set", null, 60, 60],
  ] as const)("%s", (_why, since, set, expected) => {
    expect(behindSince(since === null ? null : at(since), at(set))).toEqual(at(expected));
  });

  test.each([120, 10])("one pair's age is the drift rule's off-desired age (moved %d min ago)", (sinceMinutes) => {
    const p = pair("i-1", "v1", sinceMinutes);
    const drift = assessDrift(
      [{ version: "v1", instances: 1, newestSince: p.since }],
      { version: "v2", setAt: p.desiredSetAt },
      NOW,
      0,
    );
    expect(behindRows([p], "behind", NOW)[0]!.behindMs).toBe(drift.driftingForMs);
  });
});

describe("behindRows", () => {
  const pairs = [
    pair("o-4", "v1", 120),
    pair("o-2", "z-test", 10),
    pair("o-3", "a-hotfix", 5),
    pair("o-2", "v1", 120, 60, "b.yaml"),
  ];

  test.each([
    ["behind", ["o-2 b.yaml", "o-4 app.yaml", "o-2 app.yaml", "o-3 app.yaml"]],
    ["instance", ["o-2 app.yaml", "o-2 b.yaml", "o-3 app.yaml", "o-4 app.yaml"]],
    ["version", ["o-3 app.yaml", "o-2 b.yaml", "o-4 app.yaml", "o-2 app.yaml"]],
  ] as const)("sorted by %s, ties ending on instance and resource", (sort, expected) => {
    expect(behindRows(pairs, sort, NOW).map((r) => `${r.instanceKey} ${r.resource}`)).toEqual(expected);
  });

  test("a clock behind the data never makes a negative age", () => {
    expect(behindRows([pair("o-1", "v1", -5, -5)], "behind", NOW)[0]!.behindMs).toBe(0);
  });
});

test.each([
  [undefined, "behind"],
  ["instance", "instance"],
  ["version", "version"],
  [["version", "instance"], "version"],
  ["slowest", "behind"],
  ["", "behind"],
] as const)("parseBehindSort(%j) → %s", (raw, expected) => {
  expect(parseBehindSort(raw as string | string[] | undefined)).toBe(expected);
});
