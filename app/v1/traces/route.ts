// POST /v1/traces: OTLP/HTTP ExportTraceServiceRequest (protobuf or JSON, gzip or not) in; ExportTraceServiceResponse out.
import { IngestError } from "@/lib/ingest/errors";
import { withIngest } from "@/lib/ingest/http";
import { decodeJsonRequest } from "@/lib/otlp/decode-json";
import { decodeProtobufRequest } from "@/lib/otlp/decode-protobuf";
import { UndecodableBody, type DecodedTraceRequest } from "@/lib/otlp/decoded";
import { exportTraces, rejectionMessage } from "@/lib/otlp/export-traces";
import { countIngestedEvents, countIngestedSpans } from "@/lib/metrics/ingest-counters";
import { badRequestAnswer, exportAnswer, OTLP_CONTENT_TYPES } from "@/lib/otlp/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = withIngest(async ({ body, contentType, tokenId, restrictions }) => {
  const encoding = OTLP_CONTENT_TYPES[contentType];
  if (!encoding) {
    throw new IngestError(415, "unsupported_media_type", `Content-Type must be one of ${Object.keys(OTLP_CONTENT_TYPES).join(", ")}`);
  }
  let request: DecodedTraceRequest;
  try {
    request = encoding === "protobuf" ? decodeProtobufRequest(body) : decodeJsonRequest(body);
  } catch (error) {
    if (error instanceof UndecodableBody) return badRequestAnswer(encoding, error.message);
    throw error;
  }
  const outcome = await exportTraces(request, { kind: "token", tokenId, restrictions });
  countIngestedSpans({ stored: outcome.storedSpans, duplicates: outcome.duplicateSpans, rejected: outcome.rejected.length });
  countIngestedEvents("traces", { accepted: outcome.reloadEvents.accepted, duplicates: outcome.reloadEvents.duplicates, rejected: outcome.rejected.filter((r) => r.reason.startsWith("reload event: ")).length });
  return exportAnswer(encoding, outcome.rejected.length, rejectionMessage(outcome.rejected));
});
