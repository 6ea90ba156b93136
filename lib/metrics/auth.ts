// Who may scrape GET /api/metrics (DESIGN.md "Roles"): METRICS_TOKEN, which Prometheus sends
// with `authorization: {credentials: …}`, or any token with the read scope. Beyond loopback a
// token is always required; on loopback the demo's scrape stays open until METRICS_TOKEN is
// set (lib/domain/listen-address.ts). A session cookie never counts.
import { createHash, timingSafeEqual } from "node:crypto";
import { listensOnLoopbackOnly, metricsNeedsToken } from "@/lib/domain/listen-address";
import type { Env } from "@/lib/env";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** True when the scrape needs no token at all: loopback only, and no METRICS_TOKEN configured. */
export function scrapeIsOpen(config: Pick<Env, "HOST" | "RELOADSCOPE_EMBEDDED" | "METRICS_TOKEN">): boolean {
  const loopback = listensOnLoopbackOnly(config.HOST, config.RELOADSCOPE_EMBEDDED === "1");
  return !metricsNeedsToken({ loopback, metricsTokenSet: config.METRICS_TOKEN !== undefined });
}

/** True when the request carries exactly METRICS_TOKEN (compared in constant time); false when none is configured. */
export function presentsMetricsToken(authorization: string | null, token: string | undefined): boolean {
  if (token === undefined) return false;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) return false;
  // Equal-length digests: timingSafeEqual neither throws on a length mismatch nor leaks the length.
  return timingSafeEqual(digest(match[1]!), digest(token));
}
