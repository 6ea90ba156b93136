// POST /v1/traces: OTLP/HTTP ExportTraceServiceRequest (protobuf or JSON, gzip or not) in; ExportTraceServiceResponse out.
import { withOtlpIngest } from "@/lib/api/with-otlp-ingest";
import { countIngestedEvents, countIngestedSpans } from "@/lib/metrics/ingest-counters";
import { decodeJsonRequest } from "@/lib/otlp/decode-json";
import { decodeProtobufRequest } from "@/lib/otlp/decode-protobuf";
import { exportTraces, rejectionMessage } from "@/lib/otlp/export-traces";
import { exportAnswer } from "@/lib/otlp/responses";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = withOtlpIngest(
  { protobuf: decodeProtobufRequest, json: decodeJsonRequest },
  async (request, encoding, writer) => {
    const outcome = await exportTraces(request, writer);
    countIngestedSpans({
      stored: outcome.storedSpans,
      duplicates: outcome.duplicateSpans,
      rejected: outcome.rejected.length,
    });
    countIngestedEvents("traces", {
      accepted: outcome.reloadEvents.accepted,
      duplicates: outcome.reloadEvents.duplicates,
      rejected: outcome.rejected.filter((r) => r.reason.startsWith("reload event: ")).length,
    });
    return exportAnswer(encoding, outcome.rejected.length, rejectionMessage(outcome.rejected));
  },
);
