import "server-only";
import type { EventWriter } from "@/lib/ingest/store-events";
import { UndecodableBody } from "@/lib/otlp/decoded";
import { badRequestAnswer, OTLP_CONTENT_TYPES, type OtlpEncoding } from "@/lib/otlp/responses";
import { ApiError } from "./errors";
import { withIngest } from "./with-ingest";

// The one shape of the OTLP/HTTP receivers (/v1/traces, /v1/logs): the ingest wrapper (token,
// limits, body) → the content type picks the encoding (415 otherwise) → decode (400 with a
// google.rpc.Status when the body cannot be decoded, nothing written) → the signal's own export.

export function withOtlpIngest<Decoded>(
  decode: Record<OtlpEncoding, (body: Buffer) => Decoded>,
  handle: (request: Decoded, encoding: OtlpEncoding, writer: EventWriter) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return withIngest(async ({ body, contentType, tokenId, restrictions }) => {
    const encoding = OTLP_CONTENT_TYPES[contentType];
    if (!encoding) {
      const message = `Content-Type must be one of ${Object.keys(OTLP_CONTENT_TYPES).join(", ")}`;
      throw new ApiError("unsupported_media_type", message);
    }
    let request: Decoded;
    try {
      request = decode[encoding](body);
    } catch (error) {
      if (error instanceof UndecodableBody) return badRequestAnswer(encoding, error.message);
      throw error;
    }
    return handle(request, encoding, { kind: "token", tokenId, restrictions });
  });
}
