import { describe, expect, test } from "vitest";
import { MAX_FUTURE_SKEW_MS, occurredAtProblem } from "@/lib/domain/time-bounds";

const NOW = new Date("2026-11-21T15:00:00.000Z");
const DAY = 86_400_000;
const MIN = 60_000;
const RETENTION = 30 * DAY;
const FUTURE = "is more than 5 minutes in the future (check the sender's clock)";
const OLD_30 = "is older than the retention window of 30 days";

describe("occurredAtProblem (DESIGN.md 'Time')", () => {
  test("the future skew allowed is 5 minutes", () => {
    expect(MAX_FUTURE_SKEW_MS).toBe(5 * MIN);
  });

  test.each<[string, number, string | null]>([
    ["now", 0, null],
    ["4 minutes ahead", 4 * MIN, null],
    ["exactly 5 minutes ahead", 5 * MIN, null],
    ["5 minutes and 1 ms ahead", 5 * MIN + 1, FUTURE],
    ["6 minutes ahead", 6 * MIN, FUTURE],
    ["9 minutes ahead", 9 * MIN, FUTURE],
    ["a year ahead", 365 * DAY, FUTURE],
    ["an hour ago", -60 * MIN, null],
    ["29 days ago", -29 * DAY, null],
    ["exactly the retention ago", -RETENTION, null],
    ["the retention and 1 ms ago", -RETENTION - 1, OLD_30],
    ["31 days ago", -31 * DAY, OLD_30],
  ])("%s → %s", (_name, offsetMs, problem) => {
    expect(occurredAtProblem(new Date(NOW.getTime() + offsetMs), NOW, RETENTION)).toBe(problem);
  });

  test.each<[string, string, string | null]>([
    ["year 0000", "0000-01-01T00:00:00Z", OLD_30],
    ["the Unix epoch", "1970-01-01T00:00:00Z", OLD_30],
    ["year 9999", "9999-12-31T23:59:59Z", FUTURE],
  ])("%s (%s) → %s", (_name, iso, problem) => {
    expect(occurredAtProblem(new Date(iso), NOW, RETENTION)).toBe(problem);
  });

  test("an invalid date is refused", () => {
    expect(occurredAtProblem(new Date("not a date"), NOW, RETENTION)).toBe("is not a valid time");
  });

  test.each<[number, string]>([
    [7 * DAY, "is older than the retention window of 7 days"],
    [90 * DAY, "is older than the retention window of 90 days"],
  ])("the reason names the retention (%i ms)", (retentionMs, reason) => {
    expect(occurredAtProblem(new Date(NOW.getTime() - retentionMs - 1), NOW, retentionMs)).toBe(reason);
    expect(occurredAtProblem(new Date(NOW.getTime() - retentionMs), NOW, retentionMs)).toBeNull();
  });
});
