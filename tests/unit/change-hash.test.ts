import { describe, expect, test } from "vitest";
import { changeHash, describeChangeMove, fromVersionOf, type ChangeSpec } from "@/lib/domain/change-hash";

const base: ChangeSpec = {
  serviceId: 4,
  kind: "config",
  resource: "routes.yaml",
  from: "v1",
  to: "v2",
  scope: { mode: "canary", count: 1 },
  targets: ["pod-a", "pod-b"],
};

describe("changeHash", () => {
  test("is sha256 hex, and the same for the same change whatever the targets' order", () => {
    expect(changeHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(changeHash({ ...base, targets: ["pod-b", "pod-a"] })).toBe(changeHash(base));
    expect(changeHash({ ...base, scope: { count: 1, mode: "canary" } })).toBe(changeHash(base));
  });

  test.each<[string, Partial<ChangeSpec>]>([
    ["service", { serviceId: 5 }],
    ["kind", { kind: "policy" }],
    ["resource", { resource: "routes.yml" }],
    ["from", { from: "v0" }],
    ["from gone", { from: null }],
    ["to", { to: "v3" }],
    ["scope mode", { scope: { mode: "all" } }],
    ["canary size", { scope: { mode: "canary", count: 2 } }],
    ["count vs percent", { scope: { mode: "canary", percent: 1 } }],
    ["a target less", { targets: ["pod-a"] }],
    ["a target more", { targets: ["pod-a", "pod-b", "pod-c"] }],
    ["a target replaced", { targets: ["pod-a", "pod-c"] }],
  ])("changes when the %s changes", (_, change) => {
    expect(changeHash({ ...base, ...change })).not.toBe(changeHash(base));
  });

  test("fields cannot run into each other", () => {
    expect(changeHash({ ...base, kind: "con", resource: "figroutes.yaml" })).not.toBe(
      changeHash({ ...base, kind: "config", resource: "routes.yaml" }),
    );
  });
});

describe("fromVersionOf", () => {
  test.each<[string, string | null, (string | null)[], string | null]>([
    ["the desired version wins", "v1", ["v2", "v2"], "v1"],
    ["else the version most instances run", null, ["v2", "v1", "v2", null], "v2"],
    ["a tie goes to the first in code point order", null, ["b", "a"], "a"],
    ["nothing known", null, [null, null], null],
    ["no instances", null, [], null],
  ])("%s", (_, desired, live, from) => {
    expect(fromVersionOf(desired, live)).toBe(from);
  });
});

describe("describeChangeMove", () => {
  test("nothing moved", () => {
    expect(describeChangeMove(base, { ...base, targets: ["pod-b", "pod-a"] })).toBeNull();
  });
  test("the version underneath", () => {
    expect(describeChangeMove(base, { ...base, from: "v9" })).toBe(
      "the fleet's version of config/routes.yaml changed underneath: v1 when requested, v9 now",
    );
  });
  test("instances gone and added", () => {
    expect(describeChangeMove(base, { ...base, targets: ["pod-b", "pod-c"] })).toBe(
      "the instances in scope changed (no longer live: pod-a; new: pod-c)",
    );
  });
  test("both, and a long list is cut", () => {
    const many = Array.from({ length: 8 }, (_, i) => `n-${i}`);
    const reason = describeChangeMove(base, { ...base, from: null, targets: [...base.targets, ...many] })!;
    expect(reason).toContain("v1 when requested, none now");
    expect(reason).toContain("new: n-0, n-1, n-2, n-3, n-4 and 3 more");
  });
});
