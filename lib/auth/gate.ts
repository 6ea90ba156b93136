// The proxy's half of the sign-in gate (proxy.ts): which requests it checks, and the header
// that tells the dashboard which page was asked for. Pure, no server-only: the proxy imports it.

/** Set by the proxy on every page request: the path and query asked for (layouts are not told it). */
export const REQUESTED_PATH_HEADER = "x-reloadscope-path";

/** The header Next's client sends with a server action's POST (its action id). */
export const SERVER_ACTION_HEADER = "next-action";

/**
 * Requests the proxy sends to the sign-in page, with an empty body, when no session cookie is
 * valid: every method on every page (docs/adr/0017). Next renders a page for any method, so a
 * gate on GET alone let `POST /fleet` carry the matrix in the body of its redirect. Not gated:
 * the sign-in page; a server action's POST, which answers "sign in first" and audits the
 * attempt itself (and whose page render reads through requireReader() like any other); and
 * route handlers below pages that answer for themselves with 401 JSON (a reload's live
 * progress), which a redirect to an HTML page would only confuse.
 */
export function gatedRequest(method: string, pathname: string, serverAction: boolean): boolean {
  if (pathname === "/sign-in" || pathname.startsWith("/sign-in/")) return false;
  if (/^\/reloads\/[^/]+\/progress$/.test(pathname)) return false;
  if (method === "POST" && serverAction) return false;
  return true;
}

/** The redirect status for a gated request: 307 keeps a GET a GET; 303 turns any other method into the GET of the sign-in page. */
export function gateRedirectStatus(method: string): 303 | 307 {
  return method === "GET" || method === "HEAD" ? 307 : 303;
}
