import "server-only";
import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { runAsReader } from "@/lib/auth/require-actor";
import { env } from "@/lib/env";
import { clientAddress } from "./auth-rate-limit";
import { IngestError, isDatabaseUnavailable } from "./errors";
import { tokenAuth, type AuthResult, type Scope } from "./tokens";

// The one wrapper for machine endpoints: bearer token with a scope → (ingest) load shedding
// → time- and size-limited body → the route's own decoding and storing → one mapping from
// typed errors to HTTP answers. Machine endpoints take bearer tokens only, never cookies.

export interface TokenRequest {
  tokenId: number;
  /** the token's environment/service patterns; null = every service */
  restrictions: string[] | null;
}

export interface IngestRequest extends TokenRequest {
  body: Buffer;
  contentType: string;
  /** the request's headers (CloudEvents binary mode carries its envelope in them) */
  headers: Headers;
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
      const auth = await authenticate(request, scope);
      return await runAsReader({ kind: "token", ...auth }, () => handle(request, auth, context));
    } catch (error) {
      return problem(error);
    }
  };
}

// Shared by every route bundle of the process, so the limit is per process as documented.
const slots = globalThis as unknown as { reloadscopeIngestInFlight?: number };

export function withIngest(handle: (request: IngestRequest) => Promise<Response>): (request: Request) => Promise<Response> {
  // Authenticate first, so requests without a valid token cannot take the slots below.
  const route = withToken("ingest", async (request, { tokenId, restrictions }) => {
    if ((slots.reloadscopeIngestInFlight ?? 0) >= env().INGEST_MAX_CONCURRENT) {
      throw new IngestError(429, "overloaded", "too many ingest requests at once; retry shortly", { "Retry-After": "1" });
    }
    slots.reloadscopeIngestInFlight = (slots.reloadscopeIngestInFlight ?? 0) + 1;
    try {
      const body = await readBody(request);
      const contentType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      return await handle({ body, contentType, headers: request.headers, tokenId, restrictions });
    } finally {
      slots.reloadscopeIngestInFlight!--;
    }
  });
  return (request) => route(request, undefined);
}

async function authenticate(request: Request, scope: Scope): Promise<TokenRequest> {
  const address = clientAddress(request.headers, env().TRUST_PROXY);
  const result = await tokenAuth().authenticate(request.headers.get("authorization"), scope, address);
  if (result.ok) return { tokenId: result.tokenId, restrictions: result.restrictions };
  throw authError(result);
}

function authError(result: Exclude<AuthResult, { ok: true }>): IngestError {
  switch (result.reason) {
    case "rate_limited":
      return new IngestError(
        429,
        "too_many_failed_authentications",
        `too many failed authentications from this address; retry in ${result.retryAfterSeconds} s`,
        { "Retry-After": String(result.retryAfterSeconds) },
      );
    case "insufficient_scope":
      return new IngestError(403, "insufficient_scope", `this token lacks the "${result.scope}" scope`, {
        "WWW-Authenticate": `Bearer realm="reloadscope", error="insufficient_scope", scope="${result.scope}"`,
      });
    default:
      // One answer for missing, malformed, unknown and revoked tokens.
      return new IngestError(401, "unauthorized", "a valid token is required: Authorization: Bearer <token>", {
        "WWW-Authenticate": result.reason === "missing" ? 'Bearer realm="reloadscope"' : 'Bearer realm="reloadscope", error="invalid_token"',
      });
  }
}

/**
 * Reads the body within INGEST_BODY_TIMEOUT_MS (408 after it, so a stalled upload cannot
 * hold an ingest slot), refusing (413) as soon as it passes the size limit; gunzips when asked.
 */
async function readBody(request: Request): Promise<Buffer> {
  const limit = env().INGEST_MAX_BODY_BYTES;
  const tooLarge = () => new IngestError(413, "body_too_large", `the body exceeds the limit of ${limit} bytes`);
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  if (request.body) {
    const reader = request.body.getReader();
    const timeoutMs = env().INGEST_BODY_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new IngestError(408, "body_timeout", `the request body did not arrive within ${timeoutMs} ms; send the whole body at once`, {
              Connection: "close",
            }),
          ),
        timeoutMs,
      );
    });
    deadline.catch(() => {}); // raced below; never an unhandled rejection
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), deadline]);
        if (done) break;
        size += value.byteLength;
        if (size > limit) throw tooLarge();
        chunks.push(Buffer.from(value));
      }
    } catch (error) {
      // Not awaited: cancelling a stalled source may itself wait on the peer.
      void reader.cancel().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  const raw = Buffer.concat(chunks);
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return raw;
  if (encoding !== "gzip") throw new IngestError(415, "unsupported_encoding", `Content-Encoding ${encoding} is not supported; use gzip or none`);
  try {
    // maxOutputLength keeps a small gzip bomb from becoming a huge buffer.
    return gunzipSync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    throw new IngestError(400, "invalid_gzip", "the body is not valid gzip");
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** Expected errors answer with their own message; anything else is logged with an id. */
export function problem(error: unknown): Response {
  if (error instanceof IngestError) {
    return json({ error: error.code, message: error.message }, error.status, error.headers);
  }
  const errorId = randomUUID();
  if (isDatabaseUnavailable(error)) {
    console.error(`[api] database unavailable (error id ${errorId}):`, error);
    return json({ error: "unavailable", message: "the database is unavailable; retry later", errorId }, 503, { "Retry-After": "5" });
  }
  console.error(`[api] unexpected error (error id ${errorId}):`, error);
  return json({ error: "internal", message: "internal error; quote the error id when reporting it", errorId }, 500);
}
