import { describe, expect, test } from "vitest";
import {
  MAX_RESTRICTIONS,
  parseRestriction,
  parseRestrictionList,
  restrictionAllows,
  restrictionColumns,
  serviceLabel,
  writtenByReloadscopeOnly,
} from "@/lib/domain/token-restrictions";

// The grammar of a token's environment/service restrictions (lib/domain/token-restrictions.ts).

describe("parseRestriction", () => {
  test.each([
    ["prod/*", { environment: "prod", namespace: null, service: null }],
    ["staging/payments/*", { environment: "staging", namespace: "payments", service: null }],
    ["prod/payments/checkout-api", { environment: "prod", namespace: "payments", service: "checkout-api" }],
    // a service without a namespace: the namespace is empty
    ["prod//checkout-api", { environment: "prod", namespace: "", service: "checkout-api" }],
    ["prod//*", { environment: "prod", namespace: "", service: null }],
    ["  prod/*  ", { environment: "prod", namespace: null, service: null }],
    ["eu.prod-1/team_a/svc.v2", { environment: "eu.prod-1", namespace: "team_a", service: "svc.v2" }],
  ])("reads %j", (text, expected) => {
    expect(parseRestriction(text)).toEqual({ ok: true, restriction: expected });
  });

  test.each([
    ["", "empty"],
    ["prod", "environment/*"],
    ["prod/checkout-api", "prod//checkout-api"],
    ["*", "environment/*"],
    ["*/*", "environment must be named"],
    ["/payments/*", "environment must be named"],
    ["prod/*/checkout-api", "a whole namespace"],
    ["prod/pay*/*", "a whole namespace"],
    ["prod/payments/check*", "whole last part"],
    ["prod/payments/checkout-api/extra", "at most three parts"],
    ["prod/payments/", "service must be named"],
    ["prod/pay ments/*", "spaces or commas"],
    [`${"e".repeat(101)}/*`, "at most 100"],
  ])("refuses %j (%s)", (text, problem) => {
    const parsed = parseRestriction(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(problem);
  });
});

describe("parseRestrictionList", () => {
  test.each([
    ["", null],
    ["  \n , ", null],
    ["prod/*", ["prod/*"]],
    ["prod/*, staging/payments/*", ["prod/*", "staging/payments/*"]],
    ["prod/*\nstaging/payments/*\r\nprod/*", ["prod/*", "staging/payments/*"]],
  ])("reads %j", (text, expected) => {
    expect(parseRestrictionList(text)).toEqual({ ok: true, patterns: expected });
  });

  test("a list of strings is read like lines", () => {
    expect(parseRestrictionList(["prod/*", " staging//* "])).toEqual({ ok: true, patterns: ["prod/*", "staging//*"] });
  });

  test("names every bad pattern", () => {
    const parsed = parseRestrictionList("prod/*, prod, x/y/z/w");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toContain("“prod”");
      expect(parsed.problem).toContain("“x/y/z/w”");
      expect(parsed.problem).not.toContain("“prod/*”");
    }
  });

  test(`at most ${MAX_RESTRICTIONS} patterns`, () => {
    const many = Array.from({ length: MAX_RESTRICTIONS + 1 }, (_, i) => `env${i}/*`).join("\n");
    const parsed = parseRestrictionList(many);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(`at most ${MAX_RESTRICTIONS}`);
  });
});

describe("restrictionAllows", () => {
  const checkout = { environment: "prod", namespace: "payments", service: "checkout-api" };
  const bare = { environment: "prod", namespace: "", service: "edge" };
  const staging = { environment: "staging", namespace: "payments", service: "checkout-api" };
  test.each([
    [null, checkout, true],
    [["prod/*"], checkout, true],
    [["prod/*"], bare, true],
    [["prod/*"], staging, false],
    [["prod/payments/*"], checkout, true],
    [["prod/payments/*"], bare, false],
    [["prod//*"], bare, true],
    [["prod//*"], checkout, false],
    [["prod//edge"], bare, true],
    [["prod/payments/checkout-api"], checkout, true],
    [["prod/payments/checkout-api"], { ...checkout, service: "checkout-api-2" }, false],
    [["staging/payments/*", "prod/payments/checkout-api"], checkout, true],
    [["staging/payments/*", "prod/payments/checkout-api"], staging, true],
    [["staging/payments/*", "prod/payments/checkout-api"], bare, false],
    // names are compared exactly: no case folding, no prefix match
    [["Prod/*"], checkout, false],
    [["prod/pay/*"], checkout, false],
    // a name with a slash is reached only by a wildcard above it
    [["prod/payments/*"], { ...checkout, service: "a/b" }, true],
  ] as const)("%j allows %j: %s", (patterns, target, allowed) => {
    expect(restrictionAllows(patterns as readonly string[] | null, target)).toBe(allowed);
  });
});

test("restrictionColumns: one row per pattern, null for a wildcard", () => {
  expect(restrictionColumns(["prod/*", "staging/payments/*", "prod//edge"])).toEqual({
    environments: ["prod", "staging", "prod"],
    namespaces: [null, "payments", ""],
    services: [null, null, "edge"],
  });
});

test.each([
  [{ environment: "prod", namespace: "payments", service: "checkout-api" }, "prod/payments/checkout-api"],
  [{ environment: "prod", namespace: "", service: "edge" }, "prod//edge"],
])("serviceLabel %j", (target, label) => {
  expect(serviceLabel(target)).toBe(label);
});

test.each([
  ["requested", null, true],
  ["approved", null, true],
  ["rejected", null, true],
  ["dispatched", null, true],
  ["failed", null, true],
  ["failed", "pod-1", false],
  ["applied", "pod-1", false],
  ["acked", "pod-1", false],
  ["rolled_back", null, false],
] as const)("writtenByReloadscopeOnly(%s, %s): %s", (phase, instance, only) => {
  expect(writtenByReloadscopeOnly(phase, instance)).toBe(only);
});
