// POST /v1/logs: OTLP/HTTP ExportLogsServiceRequest (protobuf or JSON, gzip or not) in; ExportLogsServiceResponse out.
// Records that are reload events (event name reload.<phase>, or reload.phase) are stored as such; the rest are counted and dropped.
import { IngestError } from "@/lib/ingest/errors";
import { withIngest } from "@/lib/ingest/http";
import { decodeJsonLogsRequest } from "@/lib/otlp/decode-json";
import { decodeProtobufLogsRequest } from "@/lib/otlp/decode-protobuf";
import { UndecodableBody, type DecodedLogsRequest } from "@/lib/otlp/decoded";
import { exportLogs, logRejectionMessage } from "@/lib/otlp/export-logs";
import { countIngestedEvents, countIngestedLogRecords } from "@/lib/metrics/ingest-counters";
import { badRequestAnswer, logsExportAnswer, OTLP_CONTENT_TYPES } from "@/lib/otlp/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = withIngest(async ({ body, contentType, tokenId, restrictions }) => {
  const encoding = OTLP_CONTENT_TYPES[contentType];
  if (!encoding) {
    throw new IngestError(415, "unsupported_media_type", `Content-Type must be one of ${Object.keys(OTLP_CONTENT_TYPES).join(", ")}`);
  }
  let request: DecodedLogsRequest;
  try {
    request = encoding === "protobuf" ? decodeProtobufLogsRequest(body) : decodeJsonLogsRequest(body);
  } catch (error) {
    if (error instanceof UndecodableBody) return badRequestAnswer(encoding, error.message);
    throw error;
  }
  const outcome = await exportLogs(request, { kind: "token", tokenId, restrictions });
  const { accepted, duplicates } = outcome.reloadEvents;
  countIngestedLogRecords({ reload: accepted + duplicates, dropped: outcome.dropped, rejected: outcome.rejected.length });
  countIngestedEvents("logs", { accepted, duplicates, rejected: outcome.rejected.length });
  return logsExportAnswer(encoding, outcome.rejected.length, logRejectionMessage(outcome.rejected));
});
