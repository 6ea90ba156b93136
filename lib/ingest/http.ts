import "server-only";
import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { env } from "@/lib/env";
import { IngestError, isDatabaseUnavailable } from "./errors";
import { authenticateIngest } from "./tokens";

// The one wrapper for machine ingest routes: token auth → load shedding → size-limited body
// → the route's own decoding and storing → one mapping from typed errors to HTTP answers.

export interface IngestRequest {
  body: Buffer;
  contentType: string;
  tokenId: number;
}

let inFlight = 0;

export function withIngest(handle: (request: IngestRequest) => Promise<Response>) {
  return async (request: Request): Promise<Response> => {
    try {
      // Authenticate first, so requests without a valid token cannot take the slots below.
      const tokenId = await authenticateIngest(request.headers.get("authorization"));
      if (tokenId === null) {
        throw new IngestError(401, "unauthorized", "a valid ingest token is required: Authorization: Bearer <token>", {
          "WWW-Authenticate": 'Bearer realm="reloadscope-ingest"',
        });
      }
      if (inFlight >= env().INGEST_MAX_CONCURRENT) {
        throw new IngestError(429, "overloaded", "too many ingest requests at once; retry shortly", { "Retry-After": "1" });
      }
      inFlight++;
      try {
        const body = await readBody(request);
        const contentType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
        return await handle({ body, contentType, tokenId });
      } finally {
        inFlight--;
      }
    } catch (error) {
      return problem(error);
    }
  };
}

/** Reads the body, refusing (413) as soon as it passes the limit; gunzips when asked. */
async function readBody(request: Request): Promise<Buffer> {
  const limit = env().INGEST_MAX_BODY_BYTES;
  const tooLarge = () => new IngestError(413, "body_too_large", `the body exceeds the limit of ${limit} bytes`);
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(Buffer.from(value));
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
    console.error(`[ingest] database unavailable (error id ${errorId}):`, error);
    return json({ error: "unavailable", message: "the database is unavailable; retry later", errorId }, 503, { "Retry-After": "5" });
  }
  console.error(`[ingest] unexpected error (error id ${errorId}):`, error);
  return json({ error: "internal", message: "internal error; quote the error id when reporting it", errorId }, 500);
}
