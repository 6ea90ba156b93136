import "server-only";
import { env } from "@/lib/env";
import { clientAddress } from "@/lib/ingest/auth-rate-limit";
import { tokenAuth } from "@/lib/ingest/tokens";
import { actorFromRequest } from "./request-session";

// App-internal JSON routes (the replay's frames, a reload's live progress) serve the pages,
// which send the session cookie, and scripts, which send a token: either a signed-in user or
// a bearer token with the read scope may read them. Machine endpoints (/api/v1/*) keep to
// tokens only (lib/ingest/http.ts).

/** null when the caller may read; otherwise the 401/403/429 to answer with. */
export async function refuseUnlessReader(request: Request): Promise<Response | null> {
  const authorization = request.headers.get("authorization");
  if (authorization) {
    const result = await tokenAuth().authenticate(authorization, "read", clientAddress(request.headers, env().TRUST_PROXY));
    if (result.ok) return null;
    if (result.reason === "insufficient_scope") {
      return Response.json({ error: "insufficient_scope", message: 'this token lacks the "read" scope' }, { status: 403 });
    }
    if (result.reason === "rate_limited") {
      return Response.json(
        { error: "too_many_failed_authentications", message: `too many failed authentications from this address; retry in ${result.retryAfterSeconds} s` },
        { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds) } },
      );
    }
    return unauthorized();
  }
  return (await actorFromRequest(request)) ? null : unauthorized();
}

function unauthorized(): Response {
  return Response.json(
    { error: "unauthorized", message: "sign in, or send Authorization: Bearer <token> with the read scope" },
    { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="reloadscope"', "cache-control": "no-store" } },
  );
}
