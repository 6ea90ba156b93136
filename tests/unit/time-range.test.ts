import { describe, expect, test } from "vitest";
import {
  describeTimeRange,
  formatTimeInput,
  normalizeTimeInput,
  parseTimeExpression,
  parseTimeRange,
  TIME_PRESETS,
} from "@/lib/domain/time-range";

const NOW = new Date("2026-11-21T15:00:00.000Z");
const MIN = 60_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

describe("parseTimeExpression (one reading of from/to for server and browser)", () => {
  test.each<[string, string | null]>([
    ["now", at(0)],
    ["now-15m", at(-15 * MIN)],
    ["now-1h", at(-60 * MIN)],
    [" now - 6h ", at(-360 * MIN)],
    ["now-24h", at(-1440 * MIN)],
    ["now-7d", at(-7 * 1440 * MIN)],
    ["now-2w", at(-14 * 1440 * MIN)],
    ["now-30s", at(-30_000)],
    ["2026-11-21T14:03:07Z", "2026-11-21T14:03:07.000Z"],
    ["2026-11-21T14:03:07.250Z", "2026-11-21T14:03:07.250Z"],
    ["2026-11-21T16:03:07+02:00", "2026-11-21T14:03:07.000Z"],
    ["2026-11-21T14:03Z", "2026-11-21T14:03:00.000Z"],
    ["2026-11-21", "2026-11-21T00:00:00.000Z"],
    ["2026-11-21 14:03", "2026-11-21T14:03:00.000Z"],
    ["2026-11-21T14:03:07", "2026-11-21T14:03:07.000Z"],
    // A date typed the way it reads: the year stays four digits, never "72026".
    ["72026-11-21", null],
    ["11/21/2026", null],
    ["2026-02-30", null],
    ["2026-13-01", null],
    ["2026-11-21 24:00", null],
    ["now+1h", null],
    ["now-1y", null],
    ["yesterday", null],
    ["", null],
  ])("%j → %s", (text, iso) => {
    expect(parseTimeExpression(text, NOW)?.toISOString() ?? null).toBe(iso);
  });

  test("a zone-less time read as local is the local clock's reading", () => {
    expect(parseTimeExpression("2026-11-21 14:03:07", NOW, "local")?.getTime()).toBe(
      new Date(2026, 10, 21, 14, 3, 7).getTime(),
    );
    expect(parseTimeExpression("2026-11-21T14:03:07Z", NOW, "local")?.toISOString()).toBe("2026-11-21T14:03:07.000Z");
  });
});

describe("parseTimeRange", () => {
  test.each<[string | undefined, string | undefined, { from: string | null; to: string | null } | string]>([
    [undefined, undefined, { from: null, to: null }],
    ["", "", { from: null, to: null }],
    ["now-1h", undefined, { from: at(-60 * MIN), to: null }],
    ["now-1h", "now", { from: at(-60 * MIN), to: at(0) }],
    ["2026-11-20", "2026-11-21", { from: "2026-11-20T00:00:00.000Z", to: "2026-11-21T00:00:00.000Z" }],
    ["now", "now-1h", "from: must not be after to"],
    [
      "12/01/2026",
      undefined,
      'from: "12/01/2026" is not a time; use now, now-1h (s, m, h, d, w), 2026-11-21 14:03, or an RFC 3339 time with Z or an offset',
    ],
    [
      undefined,
      "tomorrow",
      'to: "tomorrow" is not a time; use now, now-1h (s, m, h, d, w), 2026-11-21 14:03, or an RFC 3339 time with Z or an offset',
    ],
  ])("from=%j to=%j", (from, to, expected) => {
    const parsed = parseTimeRange(from, to, NOW);
    if (typeof expected === "string") {
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toBe(expected);
    } else {
      expect(parsed.ok).toBe(true);
      if (parsed.ok)
        expect({ from: parsed.from?.toISOString() ?? null, to: parsed.to?.toISOString() ?? null }).toEqual(expected);
    }
  });
});

describe("the picker's texts", () => {
  const utc = (d: Date) => formatTimeInput(d, "utc");
  test.each<[string | null, string | null, string]>([
    ["now-15m", null, "Last 15 minutes"],
    ["now-1h", "now", "Last 1 hour"],
    ["now-90m", null, "Last 90m"],
    [null, null, "Any time"],
    ["2026-11-21T14:03:07Z", null, "2026-11-21 14:03:07 → now"],
    ["2026-11-21T14:03:07Z", "2026-11-21T15:00:00Z", "2026-11-21 14:03:07 → 2026-11-21 15:00:00"],
    ["now-2h", "now-1h", "now-2h → now-1h"],
  ])("describe(%j, %j) → %s", (from, to, label) => {
    expect(describeTimeRange(from, to, utc, NOW)).toBe(label);
  });

  test("the presets are Grafana's short list", () => {
    expect(TIME_PRESETS.map((p) => p.from)).toEqual(["now-15m", "now-1h", "now-6h", "now-24h", "now-7d"]);
  });

  test.each<[string, string]>([
    ["now-1h", "now-1h"],
    [" now - 1h ", "now-1h"],
    ["2026-11-21 14:03", "2026-11-21T14:03:00Z"],
    ["2026-11-21T14:03:07+02:00", "2026-11-21T12:03:07Z"],
    ["garbage", "garbage"],
    ["", ""],
  ])("normalize %j (UTC) → %j", (typed, url) => {
    expect(normalizeTimeInput(typed, "utc", NOW)).toBe(url);
  });

  test("what the picker shows parses back to the same instant, in either zone", () => {
    const instant = new Date("2026-11-21T14:03:07Z");
    for (const zone of ["utc", "local"] as const) {
      expect(parseTimeExpression(formatTimeInput(instant, zone), NOW, zone)?.getTime()).toBe(instant.getTime());
    }
  });
});
