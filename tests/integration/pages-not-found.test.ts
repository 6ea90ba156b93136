// A real 404 for an unknown service (issue 5, finding 10) and no 500 for a malformed path
// (finding 11). The status itself is checked against the built app in tests/e2e/pages.test.ts;
// here, the pieces that decide it.
import { isHTTPAccessFallbackError, getAccessFallbackHTTPStatus } from "next/dist/client/components/http-access-fallback/http-access-fallback";
import { NextRequest } from "next/server";
import { describe, expect, test } from "vitest";
import ServiceLayout from "@/app/(dashboard)/services/[id]/layout";
import { db } from "@/lib/db/client";
import { proxy, config as proxyConfig } from "@/proxy";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

async function statusOf(id: string): Promise<number> {
  try {
    await ServiceLayout({ params: Promise.resolve({ id }), children: "the page" });
    return 200;
  } catch (error) {
    if (isHTTPAccessFallbackError(error)) return getAccessFallbackHTTPStatus(error);
    throw error;
  }
}

describe("the service layout settles existence before the page streams", () => {
  test("a known service renders its page", async () => {
    expect((await postEvents([event({ occurredAt: minutesAgo(5) })])).status).toBe(200);
    const { id } = await db().service.findFirstOrThrow({});
    expect(await ServiceLayout({ params: Promise.resolve({ id: String(id) }), children: "the page" })).toBe("the page");
  });

  test.each(["999999", "0", "not-a-number", "1.5", "-1", "2147483648", "99999999999999999999", "%"])("%j is not found (404)", async (id) => {
    expect(await statusOf(id)).toBe(404);
  });

  // Next renders the boundary one segment above the layout that threw: the file must live there.
  test("the not-found boundary sits above the [id] segment", async () => {
    const { existsSync } = await import("node:fs");
    expect(existsSync("app/(dashboard)/services/not-found.tsx")).toBe(true);
    expect(existsSync("app/(dashboard)/services/[id]/not-found.tsx")).toBe(false);
  });
});

describe("proxy: malformed percent-encoding is a 400, not a 500", () => {
  test.each(["/services/%", "/services/%E0%A4%A", "/services/%zz", "/services/1/%", "/reloads/%"])("%s → 400", async (path) => {
    const response = proxy(new NextRequest(`http://127.0.0.1${path}`));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("percent-encoding");
  });

  test.each(["/services/12", "/services/not-a-number", "/services/%C3%A9", "/services/1?page=%"])("%s passes on", (path) => {
    const response = proxy(new NextRequest(`http://127.0.0.1${path}`));
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });

  test("machine endpoints stay out of the proxy", () => {
    expect(proxyConfig.matcher.some((m) => m.startsWith("/api") || m.startsWith("/v1"))).toBe(false);
  });
});
