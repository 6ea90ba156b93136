import { describe, expect, test } from "vitest";
import { canarySize, chooseCanary, scopeProblem, type RequestScope } from "@/lib/domain/canary";

const keys = (n: number) => Array.from({ length: n }, (_, i) => `pod-${String(i).padStart(2, "0")}`);

describe("canarySize", () => {
  test.each<[string, RequestScope, number, number]>([
    ["all has no canary", { mode: "all" }, 10, 0],
    ["a count as given", { mode: "canary", count: 3 }, 10, 3],
    ["a count capped at n − 1", { mode: "canary", count: 10 }, 10, 9],
    ["a count of one of one", { mode: "canary", count: 1 }, 1, 1],
    ["10% of 10", { mode: "canary", percent: 10 }, 10, 1],
    ["10% of 11 rounds up", { mode: "canary", percent: 10 }, 11, 2],
    ["1% of 3 is at least one", { mode: "canary", percent: 1 }, 3, 1],
    ["99% of 10 leaves a rest", { mode: "canary", percent: 99 }, 10, 9],
    ["50% of 2", { mode: "canary", percent: 50 }, 2, 1],
    ["50% of 1 is the one", { mode: "canary", percent: 50 }, 1, 1],
    ["nothing of nothing", { mode: "canary", percent: 50 }, 0, 0],
  ])("%s", (_, scope, n, size) => {
    expect(canarySize(scope, n)).toBe(size);
  });
});

describe("scopeProblem", () => {
  test.each<[string, RequestScope, number, string | null]>([
    ["no live instances", { mode: "all" }, 0, "scope"],
    ["all of some", { mode: "all" }, 4, null],
    ["count 0", { mode: "canary", count: 0 }, 4, "canaryCount"],
    ["count of all of several", { mode: "canary", count: 4 }, 4, "canaryCount"],
    ["count 3 of 4", { mode: "canary", count: 3 }, 4, null],
    ["count 2 of one", { mode: "canary", count: 2 }, 1, "canaryCount"],
    ["count fractional", { mode: "canary", count: 1.5 }, 4, "canaryCount"],
    ["percent 0", { mode: "canary", percent: 0 }, 4, "canaryPercent"],
    ["percent 100", { mode: "canary", percent: 100 }, 4, "canaryPercent"],
    ["percent 12.5", { mode: "canary", percent: 12.5 }, 4, null],
  ])("%s", (_, scope, n, field) => {
    expect(scopeProblem(scope, n)?.field ?? null).toBe(field);
  });
});

describe("chooseCanary", () => {
  test("takes the first instances in instance-key order, whatever order they come in", () => {
    const shuffled = ["pod-c", "pod-a", "pod-d", "pod-b"];
    expect(chooseCanary({ mode: "canary", count: 2 }, shuffled)).toEqual({
      ok: true,
      canary: ["pod-a", "pod-b"],
      rest: ["pod-c", "pod-d"],
    });
    expect(chooseCanary({ mode: "canary", count: 2 }, [...shuffled].reverse())).toEqual(
      chooseCanary({ mode: "canary", count: 2 }, shuffled),
    );
  });

  test('orders by code point, as Postgres COLLATE "C" does', () => {
    const choice = chooseCanary({ mode: "canary", count: 2 }, ["b", "B", "a", "Z"]);
    expect(choice).toEqual({ ok: true, canary: ["B", "Z"], rest: ["a", "b"] });
  });

  test("all: every instance in the rest, no canary", () => {
    expect(chooseCanary({ mode: "all" }, keys(3))).toEqual({ ok: true, canary: [], rest: keys(3) });
  });

  test("a duplicate key counts once", () => {
    expect(chooseCanary({ mode: "canary", percent: 50 }, ["x", "x", "y"])).toEqual({
      ok: true,
      canary: ["x"],
      rest: ["y"],
    });
  });

  test("refuses a scope that cannot apply, with the reason", () => {
    const choice = chooseCanary({ mode: "canary", count: 5 }, keys(5));
    expect(choice.ok).toBe(false);
    if (!choice.ok) expect(choice.reason).toContain("at most 4");
  });
});
