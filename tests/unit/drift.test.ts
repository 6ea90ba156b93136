import { describe, expect, test } from "vitest";
import { assessDrift, DEFAULT_DRIFT_THRESHOLD_MS, type DesiredVersion, type VersionCount } from "@/lib/domain/drift";

const MIN = 60_000;
const NOW = new Date("2026-11-21T15:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const v = (version: string | null, instances: number, sinceAgoMs: number | null): VersionCount => ({
  version,
  instances,
  newestSince: sinceAgoMs === null ? null : ago(sinceAgoMs),
});
const desired = (version: string, setAgoMs: number): DesiredVersion => ({ version, setAt: ago(setAgoMs) });

describe("assessDrift", () => {
  test.each<[string, VersionCount[], DesiredVersion | null, { drifting: boolean; reasons: string[]; versionCount: number; offDesired: number; driftingForMs: number | null }]>([
    ["no instances", [], null, { drifting: false, reasons: [], versionCount: 0, offDesired: 0, driftingForMs: null }],
    ["one version, no desired", [v("a", 5, 60 * MIN)], null, { drifting: false, reasons: [], versionCount: 1, offDesired: 0, driftingForMs: null }],
    ["one version equal to desired", [v("a", 5, 60 * MIN)], desired("a", 60 * MIN), { drifting: false, reasons: [], versionCount: 1, offDesired: 0, driftingForMs: null }],
    [
      "mixed versions, latest move younger than the threshold (rollout in progress)",
      [v("a", 3, 60 * MIN), v("b", 2, 1 * MIN)],
      null,
      { drifting: false, reasons: [], versionCount: 2, offDesired: 0, driftingForMs: null },
    ],
    [
      "mixed versions for longer than the threshold",
      [v("a", 3, 60 * MIN), v("b", 2, 10 * MIN)],
      null,
      { drifting: true, reasons: ["mixed_versions"], versionCount: 2, offDesired: 0, driftingForMs: 10 * MIN },
    ],
    [
      "mixed versions exactly at the threshold is not yet drift",
      [v("a", 3, 60 * MIN), v("b", 2, 5 * MIN)],
      null,
      { drifting: false, reasons: [], versionCount: 2, offDesired: 0, driftingForMs: null },
    ],
    [
      "single version off desired for longer than the threshold",
      [v("a", 4, 60 * MIN)],
      desired("b", 20 * MIN),
      { drifting: true, reasons: ["off_desired"], versionCount: 1, offDesired: 4, driftingForMs: 20 * MIN },
    ],
    [
      "off desired but the desired version was set a moment ago",
      [v("a", 4, 60 * MIN)],
      desired("b", 1 * MIN),
      { drifting: false, reasons: [], versionCount: 1, offDesired: 4, driftingForMs: null },
    ],
    [
      "a straggler on the old version: mixed and off desired",
      [v("new", 4, 30 * MIN), v("old", 1, 90 * MIN)],
      desired("new", 40 * MIN),
      { drifting: true, reasons: ["mixed_versions", "off_desired"], versionCount: 2, offDesired: 1, driftingForMs: 30 * MIN },
    ],
    [
      "off desired counts every instance of every other version",
      [v("x", 2, 90 * MIN), v("y", 3, 80 * MIN), v("want", 1, 70 * MIN)],
      desired("want", 70 * MIN),
      { drifting: true, reasons: ["mixed_versions", "off_desired"], versionCount: 3, offDesired: 5, driftingForMs: 70 * MIN },
    ],
    [
      "null versions are ignored (instances that never reported a version)",
      [v("a", 5, 60 * MIN), v(null, 2, 60 * MIN)],
      desired("a", 60 * MIN),
      { drifting: false, reasons: [], versionCount: 1, offDesired: 0, driftingForMs: null },
    ],
    [
      "versions with zero instances are ignored",
      [v("a", 5, 60 * MIN), v("b", 0, 60 * MIN)],
      desired("a", 60 * MIN),
      { drifting: false, reasons: [], versionCount: 1, offDesired: 0, driftingForMs: null },
    ],
  ])("%s", (_name, versions, want, expected) => {
    expect(assessDrift(versions, want, NOW, 5 * MIN)).toEqual(expected);
  });

  test.each([
    [4 * MIN, false],
    [5 * MIN, false],
    [5 * MIN + 1, true],
    [6 * MIN, true],
  ])("default threshold of 5 minutes: mixed for %i ms → drifting %s", (age, drifting) => {
    expect(DEFAULT_DRIFT_THRESHOLD_MS).toBe(5 * MIN);
    expect(assessDrift([v("a", 1, 2 * 60 * MIN), v("b", 1, age)], null, NOW).drifting).toBe(drifting);
  });

  test.each([
    [1 * MIN, true],
    [30 * MIN, true],
    [61 * MIN, false],
  ])("threshold %i ms, versions mixed for 60 minutes → drifting %s", (threshold, drifting) => {
    expect(assessDrift([v("a", 1, 3 * 60 * MIN), v("b", 1, 60 * MIN)], null, NOW, threshold).drifting).toBe(drifting);
  });
});
