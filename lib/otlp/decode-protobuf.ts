// application/x-protobuf → DecodedTraceRequest. protobufjs reads the wire (unknown fields
// are skipped by the generated decoder); this only turns its messages into plain values.
import { doubleJson, int64Json, setAttribute, UndecodableBody, type Attributes, type AttributeValue, type DecodedTraceRequest } from "./decoded";
import { ExportTraceServiceRequest, type PbAnyValue, type PbInt64, type PbKeyValue } from "./proto";

export function decodeProtobufRequest(body: Uint8Array): DecodedTraceRequest {
  let message;
  try {
    message = ExportTraceServiceRequest.decode(body);
  } catch (error) {
    throw new UndecodableBody(`the body is not a protobuf ExportTraceServiceRequest: ${(error as Error).message}`);
  }
  return {
    resourceSpans: message.resourceSpans.map((rs) => ({
      resource: attributesOf(rs.resource?.attributes ?? []),
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: { name: ss.scope?.name ?? "", version: ss.scope?.version ?? "", attributes: attributesOf(ss.scope?.attributes ?? []) },
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
          events: span.events.map((e) => ({ timeUnixNano: uint64(e.timeUnixNano), name: e.name ?? "", attributes: attributesOf(e.attributes) })),
          links: span.links.map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), traceState: l.traceState ?? "", attributes: attributesOf(l.attributes) })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? "" },
        })),
      })),
    })),
  };
}

const hex = (bytes: Uint8Array | null): string => (bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex") : "");

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
