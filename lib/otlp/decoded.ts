// The OTLP trace request both encodings decode into (protobuf and JSON differ only on the
// wire): ids as lowercase hex, times as 64-bit nanoseconds, attribute values as JSON.

/** An OTLP AnyValue as JSON: kvlist → object, array → array, bytes → base64 text, int64 beyond 2^53 → decimal text. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export interface DecodedSpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
}

export interface DecodedSpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  /** "" when the span is a root */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: DecodedSpanEvent[];
  links: DecodedSpanLink[];
  /** StatusCode: 0 unset, 1 ok, 2 error */
  status: { code: number; message: string };
}

/** A span the decoder could not read (JSON only: protobuf fails as a whole), with the reason. */
export interface UnreadableSpan {
  unreadable: string;
}

export interface DecodedScope {
  name: string;
  version: string;
  attributes: Attributes;
}

export interface DecodedResourceSpans {
  resource: Attributes;
  scopeSpans: { scope: DecodedScope; spans: (DecodedSpan | UnreadableSpan)[] }[];
}

/** ExportTraceServiceRequest. */
export interface DecodedTraceRequest {
  resourceSpans: DecodedResourceSpans[];
}

export interface DecodedLogRecord {
  /** 0 when unknown */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  /** "" when the record is not an event (older SDKs put it in the event.name attribute instead) */
  eventName: string;
  /** null when the record has no body */
  body: AttributeValue;
  attributes: Attributes;
  /** "" when absent */
  traceId: string;
  spanId: string;
}

export interface DecodedResourceLogs {
  resource: Attributes;
  scopeLogs: { scope: DecodedScope; logRecords: (DecodedLogRecord | UnreadableSpan)[] }[];
}

/** ExportLogsServiceRequest. A record the JSON decoder could not read is an UnreadableSpan too (the same shape). */
export interface DecodedLogsRequest {
  resourceLogs: DecodedResourceLogs[];
}

/** Thrown for a body that cannot be decoded at all: 400, nothing written. */
export class UndecodableBody extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UndecodableBody";
  }
}

/** The steps that nest one AnyValue in another, in both encodings (protobufjs uses the JSON names). */
export const isAnyValueNesting = (key: string | number) => key === "arrayValue" || key === "kvlistValue";

export const SPAN_KIND_MAX = 5;
export const STATUS_CODE_ERROR = 2;

/** A 64-bit integer as JSON: a number when exact, else its decimal text. */
export function int64Json(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

/** A double as JSON: NaN and the infinities have no JSON number, so they become their names. */
export function doubleJson(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/**
 * Sets one attribute; a later repeat of a key wins. Defined rather than assigned, so a key
 * such as "__proto__" is an ordinary attribute.
 */
export function setAttribute(attributes: Attributes, key: string, value: AttributeValue): void {
  Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true });
}
