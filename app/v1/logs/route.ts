// POST /v1/logs: OTLP/HTTP ExportLogsServiceRequest (protobuf or JSON, gzip or not) in; ExportLogsServiceResponse out.
// Records that are reload events (event name reload.<phase>, or reload.phase) are stored as such; the rest are counted and dropped.
import { withOtlpIngest } from "@/lib/api/with-otlp-ingest";
import { countIngestedEvents, countIngestedLogRecords } from "@/lib/metrics/ingest-counters";
import { decodeJsonLogsRequest } from "@/lib/otlp/decode-json";
import { decodeProtobufLogsRequest } from "@/lib/otlp/decode-protobuf";
import { exportLogs, logRejectionMessage } from "@/lib/otlp/export-logs";
import { logsExportAnswer } from "@/lib/otlp/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = withOtlpIngest(
  { protobuf: decodeProtobufLogsRequest, json: decodeJsonLogsRequest },
  async (request, encoding, writer) => {
    const outcome = await exportLogs(request, writer);
    const { accepted, duplicates } = outcome.reloadEvents;
    countIngestedLogRecords({
      reload: accepted + duplicates,
      dropped: outcome.dropped,
      rejected: outcome.rejected.length,
    });
    countIngestedEvents("logs", { accepted, duplicates, rejected: outcome.rejected.length });
    return logsExportAnswer(encoding, outcome.rejected.length, logRejectionMessage(outcome.rejected));
  },
);
