import "server-only";
import { env } from "@/lib/env";
import { clientAddress } from "@/lib/ingest/auth-rate-limit";
import { json, problem } from "@/lib/ingest/http";
import { tokenAuth } from "@/lib/ingest/tokens";
import { requireWholeFleet } from "@/lib/ingest/whole-fleet";
import { actorFromRequest } from "./request-session";
import { runAsReader, type Reader } from "./require-actor";

// App-internal JSON routes (the replay's frames, a reload's live progress, the alert badge,
// the audit CSV, evidence bundles) serve the pages, which send the session cookie, and some
// serve scripts too, which send a token. withReader() decides who calls, from the Request
// itself, and runs the route inside runAsReader(), so the query modules' requireReader()
// sees that caller (docs/adr/0017). Machine endpoints (/api/v1/*) keep to tokens only
// (lib/ingest/http.ts).

export interface ReaderRouteOptions {
  /** also accept `Authorization: Bearer <token>` with the read scope (else a session only) */
  tokens: boolean;
}

/** Wraps a reading route handler: 401/403/429 unless a session (or, when allowed, a read token) calls; errors mapped as ingest maps them. */
export function withReader<Context = unknown>(
  options: ReaderRouteOptions,
  handle: (request: Request, context: Context, reader: Reader) => Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => {
    try {
      const decided = await readerOf(request, options);
      if (decided instanceof Response) return decided;
      return await runAsReader(decided, () => handle(request, context, decided));
    } catch (error) {
      return problem(error);
    }
  };
}

async function readerOf(request: Request, options: ReaderRouteOptions): Promise<Reader | Response> {
  const authorization = request.headers.get("authorization");
  if (authorization && options.tokens) {
    const result = await tokenAuth().authenticate(authorization, "read", clientAddress(request.headers, env().TRUST_PROXY));
    if (result.ok) {
      // These routes answer about the whole fleet: a token restricted to some services may not use them.
      requireWholeFleet(result.restrictions, new URL(request.url).pathname);
      return { kind: "token", tokenId: result.tokenId, restrictions: null };
    }
    if (result.reason === "insufficient_scope") return json({ error: "insufficient_scope", message: 'this token lacks the "read" scope' }, 403);
    if (result.reason === "rate_limited") {
      return json(
        { error: "too_many_failed_authentications", message: `too many failed authentications from this address; retry in ${result.retryAfterSeconds} s` },
        429,
        { "Retry-After": String(result.retryAfterSeconds) },
      );
    }
    return unauthorized(options);
  }
  const actor = await actorFromRequest(request);
  return actor ? { kind: "user", actor } : unauthorized(options);
}

function unauthorized(options: ReaderRouteOptions): Response {
  return json(
    { error: "unauthorized", message: options.tokens ? "sign in, or send Authorization: Bearer <token> with the read scope" : "sign in first" },
    401,
    { "WWW-Authenticate": 'Bearer realm="reloadscope"' },
  );
}
