import { describe, expect, test } from "vitest";
import { compareCodePoints, compareTuples, compositeKey, inLockOrder } from "@/lib/domain/keys";
import { shuffled } from "./helpers";

const ASTRAL = "\u{1F600}"; // 😀, U+1F600: the UTF-16 pair D83D DE00
const REPLACEMENT = "\uFFFD"; // U+FFFD
const PRIVATE_USE = "\uE000"; // U+E000

describe("compositeKey", () => {
  test.each<[string, (string | number)[], string]>([
    ["strings joined by NUL", ["prod", "payments", "checkout-api"], "prod\u0000payments\u0000checkout-api"],
    ["numbers as decimals", [12, 3], "12\u00003"],
    ["an empty namespace keeps its place", ["prod", "", "ledger"], "prod\u0000\u0000ledger"],
    ["one part", ["x"], "x"],
  ])("%s", (_name, parts, key) => {
    expect(compositeKey(...parts)).toBe(key);
  });

  test.each<[(string | number)[], (string | number)[]]>([
    [
      ["ab", "c"],
      ["a", "bc"],
    ],
    [["a", ""], ["a"]],
    [
      ["", "a"],
      ["a", ""],
    ],
    [
      ["prod", "x:y"],
      ["prod:x", "y"],
    ],
    [
      ["a/b", "c"],
      ["a", "b/c"],
    ],
  ])("%j and %j get different keys", (a, b) => {
    expect(compositeKey(...a)).not.toBe(compositeKey(...b));
  });
});

describe('compareCodePoints: Postgres COLLATE "C" order (UTF-8 bytes, i.e. code points)', () => {
  test.each<[string, string, string, -1 | 0 | 1, boolean]>([
    // name, a, b, sign of compare(a, b), what JS `a < b` says
    ["equal", "abc", "abc", 0, false],
    ["a prefix first", "ab", "abc", -1, true],
    ["upper case before lower case", "Zeta", "alpha", -1, true],
    ["ASCII before Latin-1", "z", "\u00E9", -1, true],
    ["astral after U+FFFD (JS `<` says before)", ASTRAL, REPLACEMENT, 1, true],
    ["U+FFFD before astral (JS `<` says after)", REPLACEMENT, ASTRAL, -1, false],
    ["astral after a private-use BMP char (JS `<` says before)", `svc-${ASTRAL}`, `svc-${PRIVATE_USE}`, 1, true],
    ["two astral chars by code point", "\u{1F600}", "\u{1F601}", -1, true],
    ["the empty string first", "", "a", -1, true],
  ])("%s", (_name, a, b, sign, jsLess) => {
    expect(Math.sign(compareCodePoints(a, b))).toBe(sign);
    expect(Math.sign(compareCodePoints(b, a))).toBe(-sign || 0);
    // Pins that the case is one where UTF-16 order is (or is not) misleading.
    expect(a < b).toBe(jsLess);
  });
});

describe("compareTuples", () => {
  test.each<[string, (string | number)[], (string | number)[], -1 | 0 | 1]>([
    ["equal tuples", ["prod", 3, "a"], ["prod", 3, "a"], 0],
    ["numbers numerically, not as text", [2], [10], -1],
    ["negative numbers", [-5], [3], -1],
    ["the first difference decides", ["prod", 10, "a"], ["prod", 9, "z"], 1],
    ["strings by code point", ["prod", "Zeta"], ["prod", "alpha"], -1],
    ["astral vs U+FFFD by code point", ["prod", ASTRAL], ["prod", REPLACEMENT], 1],
    ["a shorter tuple that is a prefix first", ["prod"], ["prod", ""], -1],
    ["an empty tuple first", [], ["a"], -1],
  ])("%s", (_name, a, b, sign) => {
    expect(Math.sign(compareTuples(a, b))).toBe(sign);
    expect(Math.sign(compareTuples(b, a))).toBe(-sign || 0);
  });

  test("element differences are reported as -1 or 1", () => {
    expect(compareTuples([1], [1000])).toBe(-1);
    expect(compareTuples(["b"], ["a"])).toBe(1);
  });
});

describe("inLockOrder", () => {
  // The order Postgres gives `ORDER BY env COLLATE "C", service COLLATE "C", shard`.
  const expected: [string, string, number][] = [
    ["prod", "Ledger", 1],
    ["prod", "checkout", 2],
    ["prod", "checkout", 10],
    ["prod", "search", 1],
    ["prod", "svc-\uE000", 1],
    ["prod", "svc-\uFFFD", 1],
    ["prod", `svc-${ASTRAL}`, 1],
    ["prod", "z\u00E9", 1],
    ["prod-eu", "a", 1],
    ["staging", "checkout", 1],
  ];

  test.each([1, 2, 3, 4, 5, 6])("any input order (seed %i) sorts to the C-collation order", (seed) => {
    const rows = shuffled(expected, seed).map(([env, service, shard]) => ({ env, service, shard }));
    const before = rows.map((r) => ({ ...r }));
    const sorted = inLockOrder(rows, (r) => [r.env, r.service, r.shard]);
    expect(sorted.map((r) => [r.env, r.service, r.shard])).toEqual(expected);
    expect(rows).toEqual(before);
  });

  test("differs from a plain JS string sort where UTF-16 and code points disagree", () => {
    const services = [`svc-${ASTRAL}`, "svc-\uFFFD", "svc-\uE000"];
    expect([...services].sort()).toEqual([`svc-${ASTRAL}`, "svc-\uE000", "svc-\uFFFD"]);
    expect(inLockOrder(services, (s) => [s])).toEqual(["svc-\uE000", "svc-\uFFFD", `svc-${ASTRAL}`]);
  });
});
