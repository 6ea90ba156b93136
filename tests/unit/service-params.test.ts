import { describe, expect, test } from "vitest";
import {
  parseBehindView,
  parseChartRange,
  parseInstancePage,
  parseResourceSegment,
  parseServiceId,
  resourceHref,
  serviceHref,
  serviceViewHref,
} from "@/lib/services/params";

describe("parseServiceId", () => {
  test.each<[string, number | null]>([
    ["1", 1],
    ["42", 42],
    ["2147483647", 2_147_483_647],
    ["2147483648", null],
    ["0", null],
    ["", null],
    ["not-a-number", null],
    ["12abc", null],
    ["-3", null],
    ["1.5", null],
    ["1e3", null],
    [" 7", null],
    ["99999999999", null],
    ["%", null],
  ])("%j → %s", (raw, id) => {
    expect(parseServiceId(raw)).toBe(id);
  });
});

describe("parseInstancePage", () => {
  test.each<[string | string[] | undefined, number]>([
    [undefined, 1],
    ["", 1],
    ["1", 1],
    ["3", 3],
    [["4", "9"], 4],
    ["0", 1],
    ["-2", 1],
    ["2.5", 1],
    ["abc", 1],
    ["100000", 100_000],
    ["100001", 1],
    ["9999999", 1],
  ])("%j → %i", (raw, page) => {
    expect(parseInstancePage(raw)).toBe(page);
  });
});

test.each<[number, number, string]>([
  [7, 1, "/services/7"],
  [7, 2, "/services/7?page=2"],
])("serviceHref(%i, %i) → %s", (id, page, href) => {
  expect(serviceHref(id, page)).toBe(href);
});

describe("the charts' range (the time picker's from/to)", () => {
  const now = new Date("2026-11-21T14:37:12Z");
  test("no range: the last 7 days", () => {
    expect(parseChartRange(undefined, undefined, now)).toEqual({
      fromText: "now-7d",
      toText: null,
      from: new Date("2026-11-14T14:37:12Z"),
      to: now,
      problem: null,
    });
  });
  test("a preset and an absolute range", () => {
    expect(parseChartRange("now-1h", undefined, now)).toMatchObject({
      fromText: "now-1h",
      from: new Date("2026-11-21T13:37:12Z"),
      to: now,
      problem: null,
    });
    expect(parseChartRange("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", now)).toMatchObject({
      from: new Date("2026-11-20T00:00:00Z"),
      to: new Date("2026-11-21T00:00:00Z"),
      problem: null,
    });
  });
  test("a bad value is named and the default drawn", () => {
    const range = parseChartRange("last tuesday", undefined, now);
    expect(range.problem).toMatch(/^from: /);
    expect(range.from).toEqual(new Date("2026-11-14T14:37:12Z"));
  });
});

describe("the behind-only view and the resource page's URL", () => {
  test.each([
    [["1", undefined], { behind: true, sort: "behind" }],
    [["1", "instance"], { behind: true, sort: "instance" }],
    [[undefined, "version"], { behind: false, sort: "version" }],
    [["yes", "bogus"], { behind: false, sort: "behind" }],
  ] as const)("parseBehindView(%j) → %j", ([behind, sort], expected) => {
    expect(parseBehindView(behind, sort)).toEqual(expected);
  });

  test("serviceViewHref drops empty parameters", () => {
    expect(serviceViewHref(7, { behind: "1", sort: null, from: "now-1h" })).toBe("/services/7?behind=1&from=now-1h");
    expect(serviceViewHref(7, {})).toBe("/services/7");
  });

  test.each(["routes.yaml", "models/fraud v2", "a%b", "ünïcode"])(
    "resourceHref keeps %j in one segment, read back as it was",
    (resource) => {
      const href = resourceHref(3, "config", resource);
      const segments = href.split("/");
      expect(segments).toHaveLength(6);
      expect(parseResourceSegment(segments[5]!)).toBe(resource);
    },
  );

  test.each(["%E0%A4%A", "", "x".repeat(513)])("parseResourceSegment(%j) is no resource", (raw) => {
    expect(parseResourceSegment(raw)).toBeNull();
  });
});
