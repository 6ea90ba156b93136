// The scrape's optional bearer token (METRICS_TOKEN): Prometheus sends it with
// `authorization: {credentials: …}`. A session cookie never counts (DESIGN.md, Roles).
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** True when no token is configured, or the request carries exactly it (compared in constant time). */
export function scrapeAuthorized(authorization: string | null, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) return false;
  // Equal-length digests: timingSafeEqual neither throws on a length mismatch nor leaks the length.
  return timingSafeEqual(digest(match[1]!), digest(token));
}
