import "server-only";
import { actorFromRequest } from "@/lib/auth/request-session";
import { runAsReader, type Reader } from "@/lib/auth/require-actor";
import { ApiError, problem } from "./errors";
import { tokenAuth } from "./tokens";
import { REALM, requestAddress, tokenRefusal } from "./with-token";
import { requireWholeFleet } from "./whole-fleet";

// App-internal JSON routes (the replay's frames, a reload's live progress, the alert badge,
// the audit CSV, evidence bundles) serve the pages, which send the session cookie, and some
// serve scripts too, which send a token. withReader() decides who calls, from the Request
// itself, and runs the route inside runAsReader(), so the query modules' requireReader()
// sees that caller (docs/adr/0017). Machine endpoints (/api/v1/*) keep to tokens only
// (./with-token.ts). Errors are answered through the one table (./errors.ts).

export interface ReaderRouteOptions {
  /** also accept `Authorization: Bearer <token>` with the read scope (else a session only) */
  tokens: boolean;
}

/** Wraps a reading route handler: 401/403/429 unless a session (or, when allowed, a read token) calls. */
export function withReader<Context = unknown>(
  options: ReaderRouteOptions,
  handle: (request: Request, context: Context, reader: Reader) => Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => {
    try {
      const reader = await readerOf(request, options);
      return await runAsReader(reader, () => handle(request, context, reader));
    } catch (error) {
      return problem(error);
    }
  };
}

async function readerOf(request: Request, options: ReaderRouteOptions): Promise<Reader> {
  const authorization = request.headers.get("authorization");
  if (authorization && options.tokens) {
    const result = await tokenAuth().authenticate(authorization, "read", requestAddress(request));
    if (!result.ok) throw tokenRefusal(result, unauthorized(options));
    // These routes answer about the whole fleet: a token restricted to some services may not use them.
    requireWholeFleet(result.restrictions, new URL(request.url).pathname);
    return { kind: "token", tokenId: result.tokenId, restrictions: null };
  }
  const actor = await actorFromRequest(request);
  if (!actor) throw unauthorized(options);
  return { kind: "user", actor };
}

function unauthorized(options: ReaderRouteOptions): ApiError {
  const message = options.tokens
    ? "sign in, or send Authorization: Bearer <token> with the read scope"
    : "sign in first";
  return new ApiError("unauthorized", message, { headers: { "WWW-Authenticate": REALM } });
}
