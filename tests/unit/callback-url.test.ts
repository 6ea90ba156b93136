import { describe, expect, test } from "vitest";
import { AFTER_SIGN_IN, safeCallbackPath, signInPath } from "@/lib/auth/callback-url";

describe("safeCallbackPath", () => {
  test.each<[string | null | undefined, string]>([
    ["/reloads/abc?status=failed", "/reloads/abc?status=failed"],
    ["/services/7#history", "/services/7#history"],
    ["/", "/"],
    [" /fleet?drift=1 ", "/fleet?drift=1"],
    ["/replay?at=2026-11-24T10%3A00%3A00Z", "/replay?at=2026-11-24T10%3A00%3A00Z"],
  ])("keeps the app path %j", (raw, path) => {
    expect(safeCallbackPath(raw)).toBe(path);
  });

  test.each<[string | null | undefined]>([
    [null],
    [undefined],
    [""],
    ["https://evil.example/fleet"],
    ["//evil.example/fleet"],
    ["/\\evil.example"],
    ["\\\\evil.example"],
    ["javascript:alert(1)"],
    ["fleet"],
    ["/fleet\n/evil"],
    ["/sign-in?callbackUrl=%2Ffleet"],
    ["/api/auth/signout"],
  ])("sends %j to the fleet", (raw) => {
    expect(safeCallbackPath(raw)).toBe(AFTER_SIGN_IN);
  });

  test("an absolute URL of the app's own origin becomes its path; another origin does not", () => {
    expect(safeCallbackPath("http://127.0.0.1:3000/reloads?x=1", "http://127.0.0.1:3000")).toBe("/reloads?x=1");
    expect(safeCallbackPath("http://127.0.0.1:3000.evil.example/reloads", "http://127.0.0.1:3000")).toBe(AFTER_SIGN_IN);
    expect(safeCallbackPath("http://evil.example/reloads", "http://127.0.0.1:3000")).toBe(AFTER_SIGN_IN);
  });

  test("signInPath comes back to the page", () => {
    expect(signInPath("/services/7?page=2")).toBe("/sign-in?callbackUrl=%2Fservices%2F7%3Fpage%3D2");
    expect(signInPath("//evil.example")).toBe("/sign-in?callbackUrl=%2Ffleet");
  });
});
