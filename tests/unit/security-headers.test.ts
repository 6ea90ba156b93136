// The response headers next.config.js sets on every page and route. Whether a
// built server sends them (a page, an API route, /sign-in) is tests/e2e/sessions.test.ts.
import type { NextConfig } from "next";
import { describe, expect, test } from "vitest";
// @ts-expect-error next.config.js is plain JS (typed by JSDoc for Next), with no declaration for tsc
import config from "@/next.config.js";

const nextConfig = config as NextConfig;

async function headersFor(path: string): Promise<Map<string, string>> {
  const rules = (await nextConfig.headers?.()) ?? [];
  const found = new Map<string, string>();
  for (const rule of rules) {
    // Next matches `source` with path-to-regexp; the rule that covers everything is "/:path*".
    const everything = rule.source === "/:path*" || rule.source === "/(.*)";
    if (!everything && rule.source !== path) continue;
    for (const { key, value } of rule.headers) found.set(key.toLowerCase(), value);
  }
  return found;
}

describe("security headers", () => {
  test.each(["/fleet", "/sign-in", "/api/v1/events", "/api/auth/session", "/"])("%s gets them", async (path) => {
    const headers = await headersFor(path);
    const csp = (headers.get("content-security-policy") ?? "").split(";").map((d) => d.trim());
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(headers.get("x-frame-options")).toBe("DENY");
  });

  test("the policy restricts no scripts, styles or form targets (Next's inline scripts and the OIDC redirect need them)", async () => {
    const csp = (await headersFor("/fleet")).get("content-security-policy") ?? "";
    expect(csp).not.toMatch(/script-src|style-src|default-src|form-action/);
  });
});
