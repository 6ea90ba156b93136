import { describe, expect, test } from "vitest";
import {
  assessDrift,
  assessResourceDrift,
  couldDrift,
  DEFAULT_DRIFT_THRESHOLD_MS,
  driftingInstances,
  expectedVersion,
  isDriftingPair,
  isLive,
  liveSince,
  type DesiredVersion,
  type DriftPolicy,
  type PairGroup,
  type VersionCount,
} from "@/lib/domain/drift";
import { seededRandom } from "@/lib/random";

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
  test.each<
    [
      string,
      VersionCount[],
      DesiredVersion | null,
      { drifting: boolean; reasons: string[]; versionCount: number; offDesired: number; driftingForMs: number | null },
    ]
  >([
    ["no instances", [], null, { drifting: false, reasons: [], versionCount: 0, offDesired: 0, driftingForMs: null }],
    [
      "one version, no desired",
      [v("a", 5, 60 * MIN)],
      null,
      { drifting: false, reasons: [], versionCount: 1, offDesired: 0, driftingForMs: null },
    ],
    [
      "one version equal to desired",
      [v("a", 5, 60 * MIN)],
      desired("a", 60 * MIN),
      { drifting: false, reasons: [], versionCount: 1, offDesired: 0, driftingForMs: null },
    ],
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
      {
        drifting: true,
        reasons: ["mixed_versions", "off_desired"],
        versionCount: 2,
        offDesired: 1,
        driftingForMs: 30 * MIN,
      },
    ],
    [
      "off desired counts every instance of every other version",
      [v("x", 2, 90 * MIN), v("y", 3, 80 * MIN), v("want", 1, 70 * MIN)],
      desired("want", 70 * MIN),
      {
        drifting: true,
        reasons: ["mixed_versions", "off_desired"],
        versionCount: 3,
        offDesired: 5,
        driftingForMs: 70 * MIN,
      },
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

const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const POLICY: DriftPolicy = { thresholdMs: 5 * MIN, staleMs: DAY };
const g = (version: string | null, instances: number, sinceAgoMs: number | null, reportAgoMs: number): PairGroup => ({
  version,
  instances,
  newestSince: sinceAgoMs === null ? null : ago(sinceAgoMs),
  lastReportAt: ago(reportAgoMs),
});

describe("liveSince / isLive", () => {
  test.each([
    [0, true],
    [DAY - 1, true],
    // exactly at the cutoff is still live (SQL: last_phase_at >= cutoff)
    [DAY, true],
    [DAY + 1, false],
    [3 * DAY, false],
  ])("a pair last heard %i ms ago is live: %s", (age, live) => {
    expect(isLive(ago(age), NOW, DAY)).toBe(live);
    expect(ago(age).getTime() >= liveSince(NOW, DAY).getTime()).toBe(live);
  });
});

describe("assessResourceDrift", () => {
  test.each<
    [
      string,
      PairGroup[],
      DesiredVersion | null,
      {
        drifting: boolean;
        reasons: string[];
        versionCount: number;
        offDesired: number;
        livePairs: number;
        stalePairs: number;
      },
    ]
  >([
    [
      "a gone pair on another version does not make a mix",
      [g("v2", 3, 60 * MIN, 1 * MIN), g("v1", 1, 3 * DAY, 2 * DAY)],
      null,
      { drifting: false, reasons: [], versionCount: 1, offDesired: 0, livePairs: 3, stalePairs: 1 },
    ],
    [
      "a gone pair off desired is not off desired",
      [g("v2", 3, 60 * MIN, 1 * MIN), g("v1", 2, 3 * DAY, DAY + 1)],
      desired("v2", 2 * HOUR),
      { drifting: false, reasons: [], versionCount: 1, offDesired: 0, livePairs: 3, stalePairs: 2 },
    ],
    [
      "a pair heard from at exactly the cutoff still counts",
      [g("v2", 3, 60 * MIN, 1 * MIN), g("v1", 1, 3 * DAY, DAY)],
      desired("v2", 2 * HOUR),
      {
        drifting: true,
        reasons: ["mixed_versions", "off_desired"],
        versionCount: 2,
        offDesired: 1,
        livePairs: 4,
        stalePairs: 0,
      },
    ],
    [
      "live and stale groups of one version add up; only the live ones count",
      [g("v1", 2, 60 * MIN, 1 * MIN), g("v1", 5, 3 * DAY, 2 * DAY), g("v2", 1, 20 * MIN, 1 * MIN)],
      null,
      { drifting: true, reasons: ["mixed_versions"], versionCount: 2, offDesired: 0, livePairs: 3, stalePairs: 5 },
    ],
    [
      "every pair gone: nothing to drift",
      [g("v1", 2, 3 * DAY, 2 * DAY), g("v2", 2, 3 * DAY, 2 * DAY)],
      desired("v3", 3 * DAY),
      { drifting: false, reasons: [], versionCount: 0, offDesired: 0, livePairs: 0, stalePairs: 4 },
    ],
    [
      "pairs without a version are counted as live pairs but not as a version",
      [g("v1", 2, 60 * MIN, 1 * MIN), g(null, 1, null, 1 * MIN)],
      desired("v1", 2 * HOUR),
      { drifting: false, reasons: [], versionCount: 1, offDesired: 0, livePairs: 3, stalePairs: 0 },
    ],
  ])("%s", (_name, groups, want, expected) => {
    expect(assessResourceDrift(groups, want, NOW, POLICY)).toMatchObject(expected);
  });

  test("the stale window comes from the policy: a shorter window leaves out more", () => {
    const groups = [g("v2", 3, 60 * MIN, 1 * MIN), g("v1", 1, 3 * HOUR, 2 * HOUR)];
    expect(assessResourceDrift(groups, null, NOW, { thresholdMs: 5 * MIN, staleMs: DAY }).drifting).toBe(true);
    expect(assessResourceDrift(groups, null, NOW, { thresholdMs: 5 * MIN, staleMs: HOUR }).drifting).toBe(false);
  });

  test("with every pair live it is assessDrift over the versions", () => {
    const groups = [g("a", 3, 60 * MIN, 1 * MIN), g("b", 2, 10 * MIN, 1 * MIN)];
    const { livePairs, stalePairs, ...rest } = assessResourceDrift(groups, desired("b", 30 * MIN), NOW, POLICY);
    expect(rest).toEqual(assessDrift(groups, desired("b", 30 * MIN), NOW, POLICY.thresholdMs));
    expect([livePairs, stalePairs]).toEqual([5, 0]);
  });
});

// Seeded cases, so a failure reproduces: raw pairs, each its own group.
const random = seededRandom(20261123);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const AGES = [1, 30_000, 4 * MIN, 5 * MIN, 5 * MIN + 1, 20 * MIN, 3 * HOUR, DAY - 1, DAY, DAY + 1, 3 * DAY];
const cases = Array.from({ length: 300 }, () => {
  const pairs: PairGroup[] = Array.from({ length: 1 + Math.floor(random() * 6) }, () => {
    const reportAge = pick(AGES);
    return g(pick(["v1", "v2", "v3", null] as const), 1, reportAge + pick([0, 1, 10 * MIN, DAY]), reportAge);
  });
  const want = random() < 0.6 ? desired(pick(["v1", "v2"]), pick(AGES)) : null;
  return { pairs, want };
});

describe("the rule over aggregates is the rule over raw pairs", () => {
  // What SQL does (lib/fleet/pair-groups.ts): group by version and by live-at-the-cutoff.
  function groupLikeSql(pairs: PairGroup[]): PairGroup[] {
    const groups = new Map<string, PairGroup>();
    for (const p of pairs) {
      const key = `${p.version}|${isLive(p.lastReportAt, NOW, POLICY.staleMs)}`;
      const group = groups.get(key);
      if (!group) groups.set(key, { ...p });
      else {
        group.instances += p.instances;
        if (p.newestSince && (!group.newestSince || p.newestSince > group.newestSince))
          group.newestSince = p.newestSince;
        if (p.lastReportAt > group.lastReportAt) group.lastReportAt = p.lastReportAt;
      }
    }
    return [...groups.values()];
  }

  test.each(cases.map((c, i) => [i, c] as const))("case %i", (_i, { pairs, want }) => {
    expect(assessResourceDrift(groupLikeSql(pairs), want, NOW, POLICY)).toEqual(
      assessResourceDrift(pairs, want, NOW, POLICY),
    );
  });
});

describe("couldDrift is the time-free part of the rule", () => {
  test("the cases cover both answers", () => {
    const answers = new Set(cases.map(({ pairs, want }) => couldDrift(pairs, want, NOW, POLICY.staleMs)));
    expect(answers).toEqual(new Set([true, false]));
  });

  // With no threshold, drift is exactly couldDrift (every time in the cases is before NOW),
  // so SQL that skips resources failing couldDrift never skips one that drifts.
  test.each(cases.map((c, i) => [i, c] as const))("case %i", (_i, { pairs, want }) => {
    const could = couldDrift(pairs, want, NOW, POLICY.staleMs);
    expect(assessResourceDrift(pairs, want, NOW, { ...POLICY, thresholdMs: 0 }).drifting).toBe(could);
    if (!could) expect(assessResourceDrift(pairs, want, NOW, POLICY).drifting).toBe(false);
  });
});

describe("which instances drift: expectedVersion and driftingInstances", () => {
  const live = (version: string | null, instances: number) => g(version, instances, HOUR, MIN);
  const gone = (version: string, instances: number) => g(version, instances, HOUR, 2 * DAY);
  test.each<[string, PairGroup[], DesiredVersion | null, string | null, number]>([
    ["the desired version, whatever most run", [live("v1", 3), live("v2", 1)], desired("v2", HOUR), "v2", 3],
    ["no desired: the version most live pairs run", [live("v1", 3), live("v2", 1)], null, "v1", 1],
    ["a tie goes to the lowest version text", [live("v2", 2), live("v1", 2)], null, "v1", 2],
    ["gone pairs count for neither side", [live("v1", 1), gone("v2", 5), live("v3", 1)], null, "v1", 1],
    ["pairs with no version yet are not drifting", [live("v1", 2), live(null, 4), live("v2", 1)], null, "v1", 1],
    ["no live known version", [live(null, 2), gone("v1", 1)], null, null, 0],
  ])("%s", (_label, groups, want, expected, drifting) => {
    expect(expectedVersion(groups, want, NOW, POLICY.staleMs)).toBe(expected);
    expect(driftingInstances({ drifting: true }, groups, want, NOW, POLICY.staleMs)).toBe(drifting);
  });

  test("nothing drifts in a resource the rule says does not drift", () => {
    expect(driftingInstances({ drifting: false }, [live("v1", 3), live("v2", 1)], null, NOW, POLICY.staleMs)).toBe(0);
  });

  // The count is the rule's own numbers: off desired (offDesired), or all but the most common version.
  test.each(cases.map((c, i) => [i, c] as const))("case %i", (_i, { pairs, want }) => {
    const assessment = assessResourceDrift(pairs, want, NOW, { ...POLICY, thresholdMs: 0 });
    const n = driftingInstances(assessment, pairs, want, NOW, POLICY.staleMs);
    const known = pairs.filter((p) => p.version !== null && isLive(p.lastReportAt, NOW, POLICY.staleMs));
    const counts = [...new Set(known.map((p) => p.version))].map((v) => known.filter((p) => p.version === v).length);
    if (!assessment.drifting) expect(n).toBe(0);
    else if (want) expect(n).toBe(assessment.offDesired);
    else expect(n).toBe(known.length - Math.max(...counts));
    const expected = expectedVersion(pairs, want, NOW, POLICY.staleMs);
    const named = pairs.filter((p) => isDriftingPair(p, expected, NOW, POLICY.staleMs)).length;
    expect(n).toBe(assessment.drifting ? named : 0);
  });
});
