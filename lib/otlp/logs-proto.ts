// The OTLP logs messages. otlp-proto-root (lib/otlp/proto.ts) ships generated code for traces
// and metrics only, so these are built by protobufjs from the opentelemetry-proto definitions
// below, transcribed field for field (common/v1, resource/v1, logs/v1, collector/logs/v1 as of
// opentelemetry-proto 1.5: observed_time_unix_nano = 11, event_name = 12). Fields a receiver
// does not read (dropped counts, entity refs, schema URLs) are left out: protobufjs skips
// unknown fields on decode, as the wire format allows. Written as edition 2023 with proto3's
// implicit presence, but without protobufjs's own UTF-8 check (proto3's default), which
// would fail the whole request on one bad string: strings are read through decodeUtf8
// (lib/otlp/decode-protobuf.ts) so the record is refused naming its field, as for spans.
import protobuf from "protobufjs";
import type { PbAnyValue, PbInt64, PbKeyValue } from "./proto";

const DEFINITIONS = `
edition = "2023";
package opentelemetry.proto;
option features.field_presence = IMPLICIT;
option features.utf8_validation = NONE;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Resource { repeated KeyValue attributes = 1; }

message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }

message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ExportLogsPartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
`;

export interface PbLogRecord {
  timeUnixNano: PbInt64;
  observedTimeUnixNano: PbInt64;
  severityNumber: number | null;
  severityText: string | null;
  body: PbAnyValue | null;
  attributes: PbKeyValue[];
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
  eventName: string | null;
}

export interface PbLogsRequest {
  resourceLogs: {
    resource: { attributes: PbKeyValue[] } | null;
    scopeLogs: {
      scope: { name: string | null; version: string | null; attributes: PbKeyValue[] } | null;
      logRecords: PbLogRecord[];
    }[];
  }[];
}

interface MessageType<T> {
  decode(reader: Uint8Array): T;
  encode(message: T): { finish(): Uint8Array };
}

const root = protobuf.parse(DEFINITIONS).root;

export const ExportLogsServiceRequest = root.lookupType(
  "opentelemetry.proto.ExportLogsServiceRequest",
) as unknown as MessageType<PbLogsRequest>;
export const ExportLogsServiceResponse = root.lookupType(
  "opentelemetry.proto.ExportLogsServiceResponse",
) as unknown as MessageType<{
  partialSuccess?: { rejectedLogRecords: number | PbInt64; errorMessage: string } | null;
}>;

/** As lib/otlp/proto.ts checks for spans: nanosecond times must come back exact (long.js loaded). */
function assertExact64BitReads(): void {
  // resource_logs { scope_logs { log_records { time_unix_nano (fixed64, field 1) = 2^53 + 1 } } }
  const record = [0x09, 1, 0, 0, 0, 0, 0, 0x20, 0];
  const scopeLogs = [0x12, record.length, ...record];
  const body = Uint8Array.from([0x0a, scopeLogs.length + 2, 0x12, scopeLogs.length, ...scopeLogs]);
  const time = ExportLogsServiceRequest.decode(body).resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.timeUnixNano;
  if (typeof time !== "object" || time === null || time.high !== 0x200000 || time.low !== 1) {
    throw new Error("protobufjs was loaded without long.js, so 64-bit log record times would lose precision");
  }
}
assertExact64BitReads();
