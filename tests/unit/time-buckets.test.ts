import { describe, expect, test } from "vitest";
import { bucketLabel, bucketStarts, fillBuckets, MAX_BUCKETS, planBuckets, planLabel } from "@/lib/domain/time-buckets";

const NOW = new Date("2026-11-21T14:37:12.000Z");

describe("time buckets", () => {
  test.each([
    [
      "hour",
      3,
      ["2026-11-21T12:00:00.000Z", "2026-11-21T13:00:00.000Z", "2026-11-21T14:00:00.000Z"],
      ["12:00", "13:00", "14:00"],
    ],
    ["day", 2, ["2026-11-20T00:00:00.000Z", "2026-11-21T00:00:00.000Z"], ["11-20", "11-21"]],
  ] as const)("%s × %d: UTC-aligned, oldest first, the last holds now", (unit, count, starts, labels) => {
    const got = bucketStarts(NOW, unit, count);
    expect(got.map((d) => d.toISOString())).toEqual(starts);
    expect(got.map((d) => bucketLabel(d, unit))).toEqual(labels);
  });

  test("a bucket without rows is the empty value, in place", () => {
    const starts = bucketStarts(NOW, "hour", 3);
    const filled = fillBuckets(starts, new Map([[starts[1]!.getTime(), 7]]), () => 0);
    expect(filled.map((b) => b.value)).toEqual([0, 7, 0]);
  });
});

describe("buckets that fit the time picker's range", () => {
  const H = 3_600_000;
  test.each([
    ["last 15 minutes", 15 * 60_000, "minute", 16],
    ["last 1 hour", H, "5 minutes", 13],
    ["last 6 hours", 6 * H, "15 minutes", 25],
    ["last 24 hours", 24 * H, "hour", 25],
    ["last 7 days", 7 * 24 * H, "day", 8],
    ["last 14 days", 14 * 24 * H, "day", 15],
    ["last 90 days", 90 * 24 * H, "week", 14],
  ] as const)(
    "%s: per %s, %d buckets, the first holding from and the last holding now",
    (_name, span, words, count) => {
      const from = new Date(NOW.getTime() - span);
      const plan = planBuckets(from, NOW);
      expect(plan.words).toBe(words);
      expect(plan.starts).toHaveLength(count);
      expect(plan.starts[0]!.getTime()).toBeLessThanOrEqual(from.getTime());
      expect(plan.starts[0]!.getTime() + plan.sizeMs).toBeGreaterThan(from.getTime());
      expect(plan.starts.at(-1)!.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(plan.starts.at(-1)!.getTime() + plan.sizeMs).toBeGreaterThan(NOW.getTime());
      expect(plan.starts.every((s) => s.getTime() % plan.sizeMs === 0)).toBe(true);
    },
  );

  test("a range longer than MAX_BUCKETS weeks keeps the newest weeks", () => {
    const plan = planBuckets(new Date("2000-01-01T00:00:00Z"), NOW);
    expect(plan.words).toBe("week");
    expect(plan.starts).toHaveLength(MAX_BUCKETS);
    expect(plan.starts.at(-1)!.getTime() + plan.sizeMs).toBeGreaterThan(NOW.getTime());
  });

  test.each([
    ["minutes within one day", new Date("2026-11-21T13:37:12Z"), "14:05", "14:05"],
    ["hours over two days", new Date("2026-11-20T13:37:12Z"), "14:05", "11-21 14:05"],
  ] as const)("labels: %s", (_name, from, _time, label) => {
    const plan = planBuckets(from, NOW);
    expect(planLabel(new Date("2026-11-21T14:05:00Z"), { ...plan, sizeMs: 5 * 60_000 })).toBe(label);
  });

  test("labels: days and weeks as month-day", () => {
    const plan = planBuckets(new Date(NOW.getTime() - 7 * 86_400_000), NOW);
    expect(planLabel(plan.starts.at(-1)!, plan)).toBe("11-21");
  });
});
