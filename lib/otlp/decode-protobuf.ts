// application/x-protobuf → DecodedTraceRequest or DecodedLogsRequest. protobufjs reads the
// wire (unknown fields are skipped by its decoders); this only turns messages into plain values.
import { decodeUtf8, nestingProblem } from "@/lib/domain/text-input";
import {
  doubleJson,
  int64Json,
  isAnyValueNesting,
  setAttribute,
  UndecodableBody,
  type Attributes,
  type AttributeValue,
  type DecodedLogsRequest,
  type DecodedTraceRequest,
} from "./decoded";
import { ExportLogsServiceRequest } from "./logs-proto";
import { ExportTraceServiceRequest, type PbAnyValue, type PbInt64, type PbKeyValue } from "./proto";

/**
 * The body as one message of `type`, named `name` in the refusal. anyValue below recurses: the
 * depth is bounded first, by the rule JSON bodies follow.
 */
function decodeMessage<T>(type: { decode(body: Uint8Array): T }, name: string, body: Uint8Array): T {
  let message;
  try {
    message = type.decode(strictStrings(body));
  } catch (error) {
    throw new UndecodableBody(`the body is not a protobuf ${name}: ${(error as Error).message}`);
  }
  const tooDeep = nestingProblem(message, { counts: isAnyValueNesting });
  if (tooDeep) throw new UndecodableBody(tooDeep);
  return message;
}

/** An InstrumentationScope, or the empty one when absent. */
function scopeOf(scope: { name: string | null; version: string | null; attributes: PbKeyValue[] } | null) {
  return {
    name: scope?.name ?? "",
    version: scope?.version ?? "",
    attributes: attributesOf(scope?.attributes ?? []),
  };
}

export function decodeProtobufRequest(body: Uint8Array): DecodedTraceRequest {
  const message = decodeMessage(ExportTraceServiceRequest, "ExportTraceServiceRequest", body);
  return {
    resourceSpans: message.resourceSpans.map((rs) => ({
      resource: attributesOf(rs.resource?.attributes ?? []),
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: scopeOf(ss.scope),
        spans: ss.spans.map((span) => ({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          traceState: span.traceState ?? "",
          name: span.name ?? "",
          kind: span.kind ?? 0,
          startTimeUnixNano: uint64(span.startTimeUnixNano),
          endTimeUnixNano: uint64(span.endTimeUnixNano),
          attributes: attributesOf(span.attributes),
          events: span.events.map((e) => ({
            timeUnixNano: uint64(e.timeUnixNano),
            name: e.name ?? "",
            attributes: attributesOf(e.attributes),
          })),
          links: span.links.map((l) => ({
            traceId: hex(l.traceId),
            spanId: hex(l.spanId),
            traceState: l.traceState ?? "",
            attributes: attributesOf(l.attributes),
          })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? "" },
        })),
      })),
    })),
  };
}

export function decodeProtobufLogsRequest(body: Uint8Array): DecodedLogsRequest {
  const message = decodeMessage(ExportLogsServiceRequest, "ExportLogsServiceRequest", body);
  return {
    resourceLogs: message.resourceLogs.map((rl) => ({
      resource: attributesOf(rl.resource?.attributes ?? []),
      scopeLogs: rl.scopeLogs.map((sl) => ({
        scope: scopeOf(sl.scope),
        logRecords: sl.logRecords.map((r) => ({
          timeUnixNano: uint64(r.timeUnixNano),
          observedTimeUnixNano: uint64(r.observedTimeUnixNano),
          severityNumber: r.severityNumber ?? 0,
          severityText: r.severityText ?? "",
          eventName: r.eventName ?? "",
          body: r.body ? anyValue(r.body) : null,
          attributes: attributesOf(r.attributes),
          traceId: hex(r.traceId),
          spanId: hex(r.spanId),
        })),
      })),
    })),
  };
}

/**
 * The body as a Buffer whose strings protobufjs reads through decodeUtf8: its BufferReader
 * reads every string field with buf.utf8Slice, which (like Buffer.toString) puts U+FFFD
 * in place of invalid bytes. Decoded this way, invalid bytes stay visible to the text
 * checks, which refuse the span naming the field. checkStrictStrings guards the hook.
 */
function strictStrings(body: Uint8Array): Buffer {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  Object.defineProperty(buffer, "utf8Slice", { value: (start: number, end: number) => decodeUtf8(buffer, start, end) });
  return buffer;
}

/** Fails at load if protobufjs stopped reading strings through utf8Slice (then invalid UTF-8 would be stored as U+FFFD). */
function checkStrictStrings(): void {
  // resource_spans { scope_spans { spans { name (field 5) = "\xff" } } }
  const span = [0x2a, 1, 0xff];
  const scopeSpans = [0x12, span.length, ...span];
  const body = Uint8Array.from([0x0a, scopeSpans.length + 2, 0x12, scopeSpans.length, ...scopeSpans]);
  const name = ExportTraceServiceRequest.decode(strictStrings(body)).resourceSpans[0]?.scopeSpans[0]?.spans[0]?.name;
  if (name !== "\udcff")
    throw new Error(
      "protobufjs no longer reads strings through Buffer#utf8Slice: lib/otlp/decode-protobuf.ts cannot refuse invalid UTF-8",
    );
  // resource_logs { scope_logs { log_records { event_name (field 12) = "\xff" } } }
  const record = [0x62, 1, 0xff];
  const scopeLogs = [0x12, record.length, ...record];
  const logs = Uint8Array.from([0x0a, scopeLogs.length + 2, 0x12, scopeLogs.length, ...scopeLogs]);
  const eventName = ExportLogsServiceRequest.decode(strictStrings(logs)).resourceLogs[0]?.scopeLogs[0]?.logRecords[0]
    ?.eventName;
  if (eventName !== "\udcff")
    throw new Error(
      "protobufjs no longer reads log record strings through Buffer#utf8Slice: invalid UTF-8 would fail or be replaced",
    );
}
checkStrictStrings();

// An unset bytes field is null in the generated trace code and a shared empty array in the logs types protobufjs builds at run time.
const hex = (bytes: Uint8Array | null): string =>
  bytes && bytes.length > 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex") : "";

/** A 64-bit value from protobufjs (Long, or a number when long.js is absent) as a bigint. */
function int64(value: PbInt64, unsigned: boolean): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === "number") return BigInt(Math.trunc(value));
  if (typeof value === "string") return BigInt(value);
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return unsigned ? bits : BigInt.asIntN(64, bits);
}

const uint64 = (value: PbInt64) => int64(value, true);

export function attributesOf(list: PbKeyValue[]): Attributes {
  const attributes: Attributes = {};
  for (const kv of list) setAttribute(attributes, kv.key ?? "", anyValue(kv.value));
  return attributes;
}

function anyValue(value: PbAnyValue | null): AttributeValue {
  switch (value?.value) {
    case "stringValue":
      return value.stringValue;
    case "boolValue":
      return value.boolValue;
    case "intValue":
      return int64Json(int64(value.intValue, false));
    case "doubleValue":
      return doubleJson(value.doubleValue!);
    case "arrayValue":
      return (value.arrayValue?.values ?? []).map(anyValue);
    case "kvlistValue":
      return attributesOf(value.kvlistValue?.values ?? []);
    case "bytesValue":
      return Buffer.from(value.bytesValue!).toString("base64");
    default:
      return null;
  }
}
