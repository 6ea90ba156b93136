// OTLP/HTTP answers in the request's encoding: ExportTraceServiceResponse or
// ExportLogsServiceResponse on success (with partialSuccess when spans or log records were
// refused), google.rpc.Status for a request refused whole.
import { ExportLogsServiceResponse } from "./logs-proto";
import { encodeStatus, ExportTraceServiceResponse, GRPC_INVALID_ARGUMENT } from "./proto";

export type OtlpEncoding = "protobuf" | "json";

export const OTLP_CONTENT_TYPES: Record<string, OtlpEncoding> = {
  "application/x-protobuf": "protobuf",
  "application/json": "json",
};

const CONTENT_TYPE: Record<OtlpEncoding, string> = {
  protobuf: "application/x-protobuf",
  json: "application/json; charset=utf-8",
};

function answer(encoding: OtlpEncoding, status: number, body: Uint8Array | string): Response {
  return new Response(body as BodyInit, {
    status,
    headers: { "content-type": CONTENT_TYPE[encoding], "cache-control": "no-store" },
  });
}

/** 200 with ExportTraceServiceResponse; partialSuccess only when something was refused (the spec leaves it unset otherwise). */
export function exportAnswer(encoding: OtlpEncoding, rejectedSpans: number, errorMessage: string): Response {
  return successAnswer(encoding, ExportTraceServiceResponse, "rejectedSpans", rejectedSpans, errorMessage);
}

/** 200 with ExportLogsServiceResponse, partialSuccess.rejectedLogRecords as for spans. */
export function logsExportAnswer(encoding: OtlpEncoding, rejectedLogRecords: number, errorMessage: string): Response {
  return successAnswer(encoding, ExportLogsServiceResponse, "rejectedLogRecords", rejectedLogRecords, errorMessage);
}

function successAnswer(
  encoding: OtlpEncoding,
  type: { encode(message: never): { finish(): Uint8Array } },
  countField: string,
  rejected: number,
  errorMessage: string,
): Response {
  if (encoding === "protobuf") {
    const message = rejected > 0 ? { partialSuccess: { [countField]: rejected, errorMessage } } : {};
    return answer(encoding, 200, type.encode(message as never).finish());
  }
  // proto3 JSON writes int64 as decimal text.
  return answer(
    encoding,
    200,
    JSON.stringify(rejected > 0 ? { partialSuccess: { [countField]: String(rejected), errorMessage } } : {}),
  );
}

/** 400 with a google.rpc.Status (INVALID_ARGUMENT): the body could not be decoded, nothing was written. */
export function badRequestAnswer(encoding: OtlpEncoding, message: string): Response {
  if (encoding === "protobuf") return answer(encoding, 400, encodeStatus(GRPC_INVALID_ARGUMENT, message));
  return answer(encoding, 400, JSON.stringify({ code: GRPC_INVALID_ARGUMENT, message }));
}
