// The proxy's half of the sign-in gate (proxy.ts): which requests it checks, and the header
// that tells the dashboard layout which page was asked for. Pure, no server-only: the proxy
// imports it.

/** Set by the proxy on every page request: the path and query asked for (layouts are not told it). */
export const REQUESTED_PATH_HEADER = "x-reloadscope-path";

/**
 * Requests the proxy sends to the sign-in page when no session cookie is valid: reads of
 * pages. Not: the sign-in page and next-auth's endpoints; posts (a server action answers
 * "sign in first" and audits the attempt itself); and route handlers below pages that
 * answer for themselves with 401 JSON (a reload's live progress), which a redirect to an
 * HTML page would only confuse.
 */
export function gatedRequest(method: string, pathname: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  if (pathname === "/sign-in" || pathname.startsWith("/sign-in/")) return false;
  if (/^\/reloads\/[^/]+\/progress$/.test(pathname)) return false;
  return true;
}
