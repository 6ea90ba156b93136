import { describe, expect, test } from "vitest";
import { bucketLabel, bucketStarts, fillBuckets } from "@/lib/domain/time-buckets";

const NOW = new Date("2026-11-21T14:37:12.000Z");

describe("time buckets", () => {
  test.each([
    ["hour", 3, ["2026-11-21T12:00:00.000Z", "2026-11-21T13:00:00.000Z", "2026-11-21T14:00:00.000Z"], ["12:00", "13:00", "14:00"]],
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
