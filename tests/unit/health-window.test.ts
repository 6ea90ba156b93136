// Before/after health of a reload ("how latency moved", DESIGN.md): the windows compared and how the numbers move.
import { describe, expect, test } from "vitest";
import { compareHealth, healthWindows } from "@/lib/domain/health-window";
import { at } from "./helpers";

const MIN = 60;

describe("healthWindows", () => {
  test("a finished reload: 15 minutes before its start, 15 after its end", () => {
    const w = healthWindows({ startedAt: at(0), completedAt: at(30) }, at(3600));
    expect(w.before).toEqual({ from: at(-15 * MIN), to: at(0) });
    expect(w.after).toEqual({ from: at(30), to: at(30 + 15 * MIN) });
    expect(w.afterPartial).toBe(false);
    expect(w.chart).toEqual({ from: at(-15 * MIN), to: at(30 + 15 * MIN), bucketMs: 60_000 });
  });

  test("a reload that finished a minute ago: the after-window is what there is so far", () => {
    const w = healthWindows({ startedAt: at(0), completedAt: at(30) }, at(90));
    expect(w.after).toEqual({ from: at(30), to: at(90) });
    expect(w.afterPartial).toBe(true);
  });

  test("a reload still running has no after-window; the chart stops at now", () => {
    const w = healthWindows({ startedAt: at(0), completedAt: null }, at(120));
    expect(w.after).toBeNull();
    expect(w.chart.to).toEqual(at(120));
  });

  test("a reload that ran for hours keeps the chart to at most 40 whole-minute buckets", () => {
    const w = healthWindows({ startedAt: at(0), completedAt: at(5 * 3600) }, at(10 * 3600));
    const range = w.chart.to.getTime() - w.chart.from.getTime();
    expect(w.chart.bucketMs % 60_000).toBe(0);
    expect(range / w.chart.bucketMs).toBeLessThanOrEqual(40);
  });

  test("a completion recorded before the start (clock skew) never makes the after-window start earlier", () => {
    expect(healthWindows({ startedAt: at(10), completedAt: at(5) }, at(3600)).after!.from).toEqual(at(10));
  });
});

describe("compareHealth", () => {
  test.each([
    [
      "slower and failing more",
      { spans: 100, p95Ms: 80, errors: 1 },
      { spans: 100, p95Ms: 200, errors: 10 },
      2.5,
      0.09,
    ],
    ["no spans before: no ratio", { spans: 0, p95Ms: 0, errors: 0 }, { spans: 10, p95Ms: 50, errors: 0 }, null, null],
    ["not finished: nothing after", { spans: 10, p95Ms: 50, errors: 0 }, null, null, null],
  ])("%s", (_label, before, after, p95Change, errorChange) => {
    const c = compareHealth(before, after);
    expect(c.p95Change).toBe(p95Change);
    if (errorChange === null) expect(c.errorRatioChange).toBeNull();
    else expect(c.errorRatioChange).toBeCloseTo(errorChange, 10);
  });
});
