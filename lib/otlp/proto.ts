// The official opentelemetry-proto messages, as protobufjs static code generated from them
// (shipped by @opentelemetry/otlp-transformer 0.216, installed under the name
// otlp-proto-root; later releases of that package dropped protobufjs). Decoding and
// encoding go through protobufjs; nothing here reads the wire format by hand.
import protobuf from "protobufjs";
import generatedRoot from "otlp-proto-root/build/src/generated/root.js";

/** int64/fixed64 as protobufjs hands them out: a Long when long.js is loaded, else a number. */
export type PbInt64 = { low: number; high: number; unsigned?: boolean } | number | string | null;

export interface PbAnyValue {
  /** the oneof's set field, e.g. "stringValue"; undefined for an empty AnyValue */
  value?: string;
  stringValue: string | null;
  boolValue: boolean | null;
  intValue: PbInt64;
  doubleValue: number | null;
  arrayValue: { values: PbAnyValue[] } | null;
  kvlistValue: { values: PbKeyValue[] } | null;
  bytesValue: Uint8Array | null;
}

export interface PbKeyValue {
  key: string | null;
  value: PbAnyValue | null;
}

export interface PbSpan {
  traceId: Uint8Array | null;
  spanId: Uint8Array | null;
  traceState: string | null;
  parentSpanId: Uint8Array | null;
  name: string | null;
  kind: number | null;
  startTimeUnixNano: PbInt64;
  endTimeUnixNano: PbInt64;
  attributes: PbKeyValue[];
  events: { timeUnixNano: PbInt64; name: string | null; attributes: PbKeyValue[] }[];
  links: {
    traceId: Uint8Array | null;
    spanId: Uint8Array | null;
    traceState: string | null;
    attributes: PbKeyValue[];
  }[];
  status: { code: number | null; message: string | null } | null;
}

export interface PbTraceRequest {
  resourceSpans: {
    resource: { attributes: PbKeyValue[] } | null;
    scopeSpans: {
      scope: { name: string | null; version: string | null; attributes: PbKeyValue[] } | null;
      spans: PbSpan[];
    }[];
  }[];
}

interface MessageType<T> {
  decode(reader: Uint8Array): T;
  encode(message: T): { finish(): Uint8Array };
}

interface GeneratedRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: {
          v1: {
            ExportTraceServiceRequest: MessageType<PbTraceRequest>;
            ExportTraceServiceResponse: MessageType<{
              partialSuccess?: { rejectedSpans: number; errorMessage: string };
            }>;
          };
        };
      };
    };
  };
}

const traceService = (generatedRoot as unknown as GeneratedRoot).opentelemetry.proto.collector.trace.v1;

export const ExportTraceServiceRequest = traceService.ExportTraceServiceRequest;
export const ExportTraceServiceResponse = traceService.ExportTraceServiceResponse;

/**
 * protobufjs reads fixed64 exactly only when it found long.js; without it, nanosecond times
 * come back as doubles, 256 ns apart. Checked once here, so that never goes unnoticed.
 */
function assertExact64BitReads(): void {
  // resource_spans { scope_spans { spans { start_time_unix_nano (fixed64, field 7) = 2^53 + 1 } } }
  const span = [0x39, 1, 0, 0, 0, 0, 0, 0x20, 0];
  const scopeSpans = [0x12, span.length, ...span];
  const body = Uint8Array.from([0x0a, scopeSpans.length + 2, 0x12, scopeSpans.length, ...scopeSpans]);
  const start = ExportTraceServiceRequest.decode(body).resourceSpans[0]?.scopeSpans[0]?.spans[0]?.startTimeUnixNano;
  if (typeof start !== "object" || start === null || start.high !== 0x200000 || start.low !== 1) {
    throw new Error(
      "protobufjs was loaded without long.js, so 64-bit span times would lose precision: keep otlp-proto-root in next.config.js serverExternalPackages",
    );
  }
}
assertExact64BitReads();

/**
 * google.rpc.Status, the body of an OTLP/HTTP error answer in protobuf. Only code and
 * message are sent (details stays empty), so the two scalar fields are all it declares.
 */
const statusType = new protobuf.Type("Status")
  .add(new protobuf.Field("code", 1, "int32"))
  .add(new protobuf.Field("message", 2, "string"));
new protobuf.Root().define("google.rpc").add(statusType);

export function encodeStatus(code: number, message: string): Uint8Array {
  return statusType.encode(statusType.create({ code, message })).finish();
}

/** The gRPC code an HTTP status maps to in a google.rpc.Status (3 = INVALID_ARGUMENT). */
export const GRPC_INVALID_ARGUMENT = 3;
