import { describe, expect, test } from "vitest";
import { fleetHref, parseFleetFilters, type FleetFilters } from "@/lib/fleet/filters";

const defaults: FleetFilters = {
  env: undefined,
  ns: undefined,
  kind: undefined,
  q: undefined,
  drifting: false,
  failing: false,
  page: 1,
};

describe("parseFleetFilters", () => {
  test.each<[string, Record<string, string | string[] | undefined>, Partial<FleetFilters>]>([
    ["nothing", {}, {}],
    [
      "every filter",
      { env: "prod", ns: "payments", kind: "config", q: "checkout", drifting: "1", failing: "1", page: "3" },
      { env: "prod", ns: "payments", kind: "config", q: "checkout", drifting: true, failing: true, page: 3 },
    ],
    ["failing=1 (the failed-or-NACKed count's link)", { failing: "1" }, { failing: true }],
    ["repeated params take the first", { env: ["prod", "staging"], kind: ["routes"] }, { env: "prod", kind: "routes" }],
    ["values are trimmed", { env: "  prod ", q: " checkout api " }, { env: "prod", q: "checkout api" }],
    ["blank values are absent", { env: "", ns: "   ", q: "" }, {}],
    ["undefined values are absent", { env: undefined, drifting: undefined }, {}],
    ["drifting=true", { drifting: "true" }, { drifting: true }],
    ["drifting=0", { drifting: "0" }, { drifting: false }],
    ["drifting=false", { drifting: "false" }, { drifting: false }],
    ["page not a number falls back to 1", { env: "prod", page: "abc" }, { env: "prod", page: 1 }],
    ["page 0 falls back to 1", { env: "prod", page: "0" }, { env: "prod", page: 1 }],
    ["page fractional falls back to 1", { page: "2.5" }, { page: 1 }],
    ["page over the maximum falls back to 1", { page: "10001" }, { page: 1 }],
    ["page at the maximum", { page: "10000" }, { page: 10_000 }],
    ["unknown params are ignored", { env: "prod", sort: "name", foo: "bar" }, { env: "prod" }],
  ])("%s", (_name, params, expected) => {
    expect(parseFleetFilters(params)).toEqual({ ...defaults, ...expected });
  });
});

describe("fleetHref", () => {
  test.each<[Partial<FleetFilters>, string]>([
    [{}, "/fleet"],
    [defaults, "/fleet"],
    [{ page: 1, drifting: false }, "/fleet"],
    [{ env: "prod" }, "/fleet?env=prod"],
    [{ drifting: true }, "/fleet?drifting=1"],
    [{ failing: true }, "/fleet?failing=1"],
    [{ page: 2 }, "/fleet?page=2"],
    [
      { env: "prod", ns: "payments", kind: "config", q: "checkout", drifting: true, page: 4 },
      "/fleet?env=prod&ns=payments&kind=config&q=checkout&drifting=1&page=4",
    ],
    [{ q: "a b&c=d" }, "/fleet?q=a+b%26c%3Dd"],
  ])("%o → %s", (filters, expected) => {
    expect(fleetHref(filters)).toBe(expected);
  });
});

describe("fleetHref ↔ parseFleetFilters round trip", () => {
  const parseHref = (href: string) => {
    const url = new URL(href, "http://localhost");
    expect(url.pathname).toBe("/fleet");
    const params: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (params[k] ??= []).push(v);
    return parseFleetFilters(params);
  };

  test.each<[string, FleetFilters]>([
    ["defaults", defaults],
    ["environment only", { ...defaults, env: "staging" }],
    [
      "everything",
      { env: "prod", ns: "payments", kind: "certificate", q: "ledger", drifting: true, failing: true, page: 12 },
    ],
    ["search text with spaces and symbols", { ...defaults, q: "fraud model & 100% / café?", page: 2 }],
    ["drifting only", { ...defaults, drifting: true }],
    ["failing only", { ...defaults, failing: true }],
    ["last page", { ...defaults, kind: "model", page: 10_000 }],
  ])("%s", (_name, filters) => {
    expect(parseHref(fleetHref(filters))).toEqual(filters);
  });

  test.each([
    "/fleet",
    "/fleet?env=prod",
    "/fleet?env=prod&ns=payments&kind=config&q=checkout&drifting=1&page=4",
    "/fleet?q=a+b%26c%3Dd&page=7",
  ])("href %s survives parse → href", (href) => {
    expect(fleetHref(parseHref(href))).toBe(href);
  });
});

describe("one bad parameter does not drop the valid ones", () => {
  test.each([[{ env: "prod", drifting: "yes" }], [{ env: "prod", q: "x".repeat(201) }], [{ env: "prod", page: "-4" }]])(
    "%o",
    (params) => {
      expect(parseFleetFilters(params).env).toBe("prod");
    },
  );
});

describe("values Postgres text cannot take, or no filter means, are dropped", () => {
  test.each<[string, Record<string, string>, Partial<FleetFilters>]>([
    ["a lone NUL is no filter", { q: "\u0000" }, {}],
    ["NUL inside a value is removed", { q: "check\u0000out" }, { q: "checkout" }],
    [
      "NUL in every text filter",
      { env: "prod\u0000", ns: "\u0000pay", kind: "con\u0000fig" },
      { env: "prod", ns: "pay", kind: "config" },
    ],
    ["other control characters", { q: "a\u0001b\u001fc\u007f", env: "\tprod\n" }, { q: "abc", env: "prod" }],
    ["a lone high surrogate", { q: "ab\uD800" }, { q: "ab" }],
    ["a lone low surrogate", { q: "\uDC00ab" }, { q: "ab" }],
    ["a whole surrogate pair is kept", { q: "model \uD83D\uDE80" }, { q: "model \uD83D\uDE80" }],
    ["letters beyond ASCII are kept", { q: "größe", ns: "zahlungen" }, { q: "größe", ns: "zahlungen" }],
  ])("%s", (_name, params, expected) => {
    expect(parseFleetFilters(params)).toEqual({ ...defaults, ...expected });
  });

  test("the length limit applies to what is left", () => {
    expect(parseFleetFilters({ q: "x".repeat(200) + "\u0000".repeat(50) }).q).toBe("x".repeat(200));
    expect(parseFleetFilters({ q: "x".repeat(201) }).q).toBeUndefined();
  });
});
