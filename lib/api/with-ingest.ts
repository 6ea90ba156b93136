import "server-only";
import { env } from "@/lib/env";
import { ApiError } from "./errors";
import { readBody } from "./read-body";
import { withToken, type TokenRequest } from "./with-token";

// The one wrapper for ingest (POST /api/v1/events, /v1/traces, /v1/logs): a token with the
// ingest scope → load shedding → a time- and size-limited body → the route's own decoding
// and storing → the one mapping from typed errors to HTTP answers (./errors.ts).

export interface IngestRequest extends TokenRequest {
  body: Buffer;
  contentType: string;
  /** the request's headers (CloudEvents binary mode carries its envelope in them) */
  headers: Headers;
}

// Shared by every route bundle of the process, so the limit is per process as documented.
const slots = globalThis as unknown as { reloadscopeIngestInFlight?: number };

export function withIngest(
  handle: (request: IngestRequest) => Promise<Response>,
): (request: Request) => Promise<Response> {
  // Authenticate first, so requests without a valid token cannot take the slots below.
  const route = withToken("ingest", async (request, { tokenId, restrictions }) => {
    if ((slots.reloadscopeIngestInFlight ?? 0) >= env().INGEST_MAX_CONCURRENT) {
      throw new ApiError("overloaded", "too many ingest requests at once; retry shortly");
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
