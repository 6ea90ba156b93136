import { describe, expect, test } from "vitest";
import { clockTimeUtc, formatAge, truncateMiddle, formatDuration, isoUtc, relativeTime, serviceLabel, versionChange } from "@/lib/format";

const NOW = new Date("2026-11-21T15:00:00.000Z");
const before = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

describe("relativeTime", () => {
  test.each<[string, Date | null, string]>([
    ["no date", null, "—"],
    ["now", before(0), "just now"],
    ["44 s ago", before(44), "just now"],
    ["30 s ahead", before(-30), "in a moment"],
    ["45 s ago", before(45), "1m ago"],
    ["10 min ago", before(600), "10m ago"],
    ["10 min ahead", before(-600), "10m from now"],
    ["1 h ago", before(3600), "1h ago"],
    ["5 h ago", before(5 * 3600), "5h ago"],
    ["2 h ahead", before(-2 * 3600), "2h from now"],
    ["1 day ago", before(86_400), "1d ago"],
    ["3 days ago", before(3 * 86_400), "3d ago"],
  ])("%s → %s", (_name, date, expected) => {
    expect(relativeTime(date, NOW)).toBe(expected);
  });
});

describe("formatDuration", () => {
  test.each<[number | null, string]>([
    [null, "—"],
    [0, "0 ms"],
    [184, "184 ms"],
    [999, "999 ms"],
    [1000, "1.0 s"],
    [1500, "1.5 s"],
    [9_400, "9.4 s"],
    [12_345, "12 s"],
    [59_000, "59 s"],
    [60_000, "1m 0s"],
    [90_000, "1m 30s"],
    [754_000, "12m 34s"],
    [3_600_000, "1h 0m"],
    [5_400_000, "1h 30m"],
    [86_400_000, "24h 0m"],
  ])("%s ms → %s", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe("isoUtc", () => {
  test.each<[Date | null, string]>([
    [null, ""],
    [new Date("2026-11-21T14:03:07.412Z"), "2026-11-21 14:03:07 UTC"],
    [new Date("2026-11-21T16:03:07+02:00"), "2026-11-21 14:03:07 UTC"],
    [new Date("2026-01-02T00:00:00.000Z"), "2026-01-02 00:00:00 UTC"],
  ])("%s → %s", (date, expected) => {
    expect(isoUtc(date)).toBe(expected);
  });
});

describe("serviceLabel", () => {
  test.each([
    [{ environment: "prod", namespace: "payments", name: "checkout-api" }, "prod / payments / checkout-api"],
    [{ environment: "prod", namespace: "", name: "standalone" }, "prod / standalone"],
    [{ environment: "staging", namespace: "edge", name: "ingress" }, "staging / edge / ingress"],
  ])("%o → %s", (service, expected) => {
    expect(serviceLabel(service)).toBe(expected);
  });
});

describe("versionChange", () => {
  test.each([
    ["v1", "v2", "v1 → v2"],
    [null, "v2", "? → v2"],
    ["v1", null, "v1 → ?"],
    [null, null, "? → ?"],
  ])("%s, %s → %s", (from, to, expected) => {
    expect(versionChange(from, to)).toBe(expected);
  });
});

describe("formatDuration carries a rounded-up unit into the next", () => {
  test.each([
    [119_600, "2m 0s"],
    [3_599_999, "1h 0m"],
    [7_199_999, "2h 0m"],
    [9_960, "10 s"],
  ])("formatDuration(%i) → %s", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe("clockTimeUtc: the same text on the server and in any browser", () => {
  test.each<[string, string]>([
    ["2026-11-21T14:03:07.412Z", "14:03:07 UTC"],
    ["2026-11-21T00:00:00.000Z", "00:00:00 UTC"],
    ["2026-11-21T23:59:59.999Z", "23:59:59 UTC"],
    // another zone's midnight is still formatted in UTC
    ["2026-11-22T00:30:00+02:00", "22:30:00 UTC"],
  ])("%s → %s", (iso, expected) => {
    expect(clockTimeUtc(new Date(iso))).toBe(expected);
  });

  test("it does not follow the process's time zone", () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = "Asia/Kolkata";
      expect(clockTimeUtc(new Date("2026-11-21T14:03:07Z"))).toBe("14:03:07 UTC");
      expect(new Date("2026-11-21T14:03:07Z").toLocaleTimeString("en-GB")).not.toBe("14:03:07");
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
});

describe("formatAge", () => {
  test.each<[number, string]>([
    [0, "under 1m"],
    [59_999, "under 1m"],
    [60_000, "1m"],
    [35 * 60_000 + 59_000, "35m"],
    [60 * 60_000, "1h 0m"],
    // The review's case: a headline said "2156 min+" while the line below said "35h 56m".
    [2156 * 60_000, "35h 56m"],
    [-5_000, "under 1m"],
  ])("%d ms → %s", (ms, expected) => {
    expect(formatAge(ms)).toBe(expected);
  });
});

describe("truncateMiddle", () => {
  test.each<[string, number, string]>([
    ["tools-202611231216", 14, "tools-2…231216"],
    ["tools-202611221216", 14, "tools-2…221216"],
    ["v1.2.3", 14, "v1.2.3"],
    ["exactly-14-chr", 14, "exactly-14-chr"],
    ["abcdefghijklmnop", 5, "ab…op"],
  ])("%s in %d → %s", (text, max, expected) => {
    const out = truncateMiddle(text, max);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });

  test("two versions of a series that differ near the end stay apart", () => {
    expect(truncateMiddle("tools-202611231216", 14)).not.toBe(truncateMiddle("tools-202611221216", 14));
  });
});
