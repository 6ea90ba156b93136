import "server-only";
import { clientAddress } from "@/lib/auth/failure-limiter";
import { runAsReader } from "@/lib/auth/require-actor";
import type { Scope } from "@/lib/domain/token-scopes";
import { env } from "@/lib/env";
import { ApiError, problem } from "./errors";
import { tokenAuth, type AuthResult } from "./tokens";

// Machine endpoints (/api/v1/*, /v1/traces, /v1/logs, /api/metrics) take a bearer token with a
// scope, never a cookie: the token's reader runs the route, and any error it throws is
// answered through the one table (./errors.ts).

export const REALM = 'Bearer realm="reloadscope"';

export interface TokenRequest {
  tokenId: number;
  /** the token's environment/service patterns; null = every service */
  restrictions: string[] | null;
}

/**
 * Wraps a route handler in token auth for `scope` and the shared error mapping. The handler
 * runs as the token's reader, so the query modules' requireReader() sees the token and its
 * restrictions (lib/auth/require-actor.ts).
 */
export function withToken<Context = unknown>(
  scope: Scope,
  handle: (request: Request, auth: TokenRequest, context: Context) => Promise<Response>,
) {
  return async (request: Request, context: Context): Promise<Response> => {
    try {
      const auth = await authenticateToken(request, scope);
      return await runAsReader({ kind: "token", ...auth }, () => handle(request, auth, context));
    } catch (error) {
      return problem(error);
    }
  };
}

/** The request's bearer token with `scope`, or the refusal thrown (401, 403, 429). */
export async function authenticateToken(request: Request, scope: Scope): Promise<TokenRequest> {
  const authorization = request.headers.get("authorization");
  const result = await tokenAuth().authenticate(authorization, scope, requestAddress(request));
  if (result.ok) return { tokenId: result.tokenId, restrictions: result.restrictions };
  throw tokenRefusal(result);
}

/** The address a request's failed token lookups are charged to (docs/adr/0006 "Client address"). */
export function requestAddress(request: Request): string {
  return clientAddress(request.headers, env().TRUST_PROXY);
}

/** The refusal of a token that did not pass; `unauthorized` is the 401 of a route that takes more than tokens. */
export function tokenRefusal(result: Exclude<AuthResult, { ok: true }>, unauthorized?: ApiError): ApiError {
  switch (result.reason) {
    case "rate_limited":
      return new ApiError(
        "too_many_failed_authentications",
        `too many failed authentications from this address; retry in ${result.retryAfterSeconds} s`,
        { headers: { "Retry-After": String(result.retryAfterSeconds) } },
      );
    case "insufficient_scope": {
      const challenge = `${REALM}, error="insufficient_scope", scope="${result.scope}"`;
      return new ApiError("insufficient_scope", `this token lacks the "${result.scope}" scope`, {
        headers: { "WWW-Authenticate": challenge },
      });
    }
    default: {
      if (unauthorized) return unauthorized;
      // One answer for missing, malformed, unknown and revoked tokens.
      const challenge = result.reason === "missing" ? REALM : `${REALM}, error="invalid_token"`;
      return new ApiError("unauthorized", "a valid token is required: Authorization: Bearer <token>", {
        headers: { "WWW-Authenticate": challenge },
      });
    }
  }
}
