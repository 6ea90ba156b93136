// A decoded OTLP request → the span rows to store and the reload events they stand for,
// with the reason for every span refused. Pure: the clock and retention come in as bounds.
import { textProblem } from "@/lib/domain/text-input";
import { occurredAtProblem } from "@/lib/domain/time-bounds";
import type {
  Attributes,
  AttributeValue,
  DecodedSpan,
  DecodedTraceRequest,
  DecodedScope,
  DecodedSpanEvent,
  DecodedSpanLink,
} from "./decoded";
import { reloadEventOf, type SpanOrigin } from "./reload-event";

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  traceState: string | null;
  name: string;
  kind: number;
  /** timestamptz text with microseconds (Postgres keeps no finer) */
  startTime: string;
  endTime: string;
  durationNs: bigint;
  statusCode: number;
  statusMessage: string | null;
  attributes: Attributes;
  events: { time: string; name: string; attributes: Attributes }[];
  links: DecodedSpanLink[];
  resourceAttributes: Attributes;
  scope: DecodedScope;
  origin: SpanOrigin;
  /** reload.id when the span carries one, as text */
  reloadId: string | null;
}

export interface SpanRefusal {
  /** the span's position in the request, counting from 0 across resources and scopes */
  index: number;
  traceId: string;
  spanId: string;
  reason: string;
}

export interface SpanBatch {
  total: number;
  records: { index: number; record: SpanRecord }[];
  /** reload events in the wire format of /api/v1/events, each with its span's index */
  reloadEvents: { index: number; event: Record<string, unknown> }[];
  refused: SpanRefusal[];
}

export interface TimeBounds {
  now: Date;
  retentionMs: number;
}

/** The environment of a service whose resource names none. */
export const DEFAULT_ENVIRONMENT = "default";
/** The OpenTelemetry default for a resource without service.name. */
export const UNKNOWN_SERVICE = "unknown_service";

const INT64_MAX = 2n ** 63n - 1n;
const NS_PER_MS = 1_000_000n;

export function spanBatch(request: DecodedTraceRequest, bounds: TimeBounds): SpanBatch {
  const batch: SpanBatch = { total: 0, records: [], reloadEvents: [], refused: [] };
  for (const rs of request.resourceSpans) {
    const found = originOf(rs.resource);
    const origin = "problem" in found ? null : found;
    const resourceProblem = origin
      ? unstorable(rs.resource, "resource attributes")
      : (found as { problem: string }).problem;
    for (const ss of rs.scopeSpans) {
      const scopeProblem = unstorable(ss.scope as unknown as AttributeValue, "scope");
      for (const span of ss.spans) {
        const index = batch.total++;
        if ("unreadable" in span) {
          batch.refused.push({ index, traceId: "", spanId: "", reason: span.unreadable });
          continue;
        }
        const problem = resourceProblem ?? scopeProblem ?? spanProblem(span, bounds);
        if (problem || !origin) {
          batch.refused.push({
            index,
            traceId: span.traceId,
            spanId: span.spanId,
            reason: problem ?? "resource: unusable",
          });
          continue;
        }
        const record = toRecord(span, rs.resource, ss.scope, origin);
        batch.records.push({ index, record });
        const event = reloadEventOf(
          span,
          origin,
          nsToDate(span.startTimeUnixNano),
          Number((span.endTimeUnixNano - span.startTimeUnixNano) / NS_PER_MS),
        );
        if (event) batch.reloadEvents.push({ index, event });
      }
    }
  }
  return batch;
}

function toRecord(span: DecodedSpan, resource: Attributes, scope: DecodedScope, origin: SpanOrigin): SpanRecord {
  const reloadId = span.attributes["reload.id"];
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId === "" ? null : span.parentSpanId,
    traceState: span.traceState || null,
    name: span.name,
    kind: span.kind,
    startTime: nsToTimestamp(span.startTimeUnixNano),
    endTime: nsToTimestamp(span.endTimeUnixNano),
    durationNs: span.endTimeUnixNano - span.startTimeUnixNano,
    statusCode: span.status.code,
    statusMessage: span.status.message || null,
    attributes: span.attributes,
    events: span.events.map((e: DecodedSpanEvent) => ({
      time: nsToTimestamp(e.timeUnixNano),
      name: e.name,
      attributes: e.attributes,
    })),
    links: span.links,
    resourceAttributes: resource,
    scope,
    origin,
    reloadId: typeof reloadId === "string" || typeof reloadId === "number" ? String(reloadId) : null,
  };
}

/** Why a span cannot be stored, or null. */
function spanProblem(span: DecodedSpan, bounds: TimeBounds): string | null {
  if (!/^[0-9a-f]{32}$/.test(span.traceId) || /^0+$/.test(span.traceId))
    return "traceId: must be 16 bytes (32 hex digits), not all zero";
  if (!/^[0-9a-f]{16}$/.test(span.spanId) || /^0+$/.test(span.spanId))
    return "spanId: must be 8 bytes (16 hex digits), not all zero";
  if (span.parentSpanId !== "" && !/^[0-9a-f]{16}$/.test(span.parentSpanId))
    return "parentSpanId: must be empty or 8 bytes (16 hex digits)";
  if (span.startTimeUnixNano === 0n) return "startTimeUnixNano: is required";
  if (span.endTimeUnixNano < span.startTimeUnixNano) return "endTimeUnixNano: is before startTimeUnixNano";
  if (span.endTimeUnixNano - span.startTimeUnixNano > INT64_MAX) return "endTimeUnixNano: is too far after the start";
  const startProblem = occurredAtProblem(nsToDate(span.startTimeUnixNano), bounds.now, bounds.retentionMs);
  if (startProblem) return `startTimeUnixNano: ${startProblem}`;
  const endProblem = occurredAtProblem(nsToDate(span.endTimeUnixNano), bounds.now, bounds.retentionMs);
  if (endProblem) return `endTimeUnixNano: ${endProblem}`;
  return (
    unstorable(span.name, "name") ??
    unstorable(span.traceState, "traceState") ??
    unstorable(span.status.message, "status.message") ??
    unstorable(span.attributes, "attributes") ??
    unstorable(span.events as unknown as AttributeValue, "events") ??
    unstorable(span.links as unknown as AttributeValue, "links")
  );
}

const LIMITS = { environment: 100, namespace: 200, service: 200, instance: 300 };
const LABELS: Record<string, string> = {
  "host.name": "host",
  "cloud.region": "region",
  "cloud.availability_zone": "zone",
  "k8s.pod.name": "pod",
};

/** Service and instance from the resource, as the OpenTelemetry resource attributes name them. */
export function originOf(resource: Attributes): SpanOrigin | { problem: string } {
  const text = (key: string) => {
    const value = resource[key];
    return typeof value === "string"
      ? value.trim()
      : typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : "";
  };
  const origin: SpanOrigin = {
    environment: text("deployment.environment.name") || text("deployment.environment") || DEFAULT_ENVIRONMENT,
    namespace: text("service.namespace"),
    service: text("service.name") || UNKNOWN_SERVICE,
    instance: text("service.instance.id") || null,
    labels: {},
  };
  for (const [field, max] of Object.entries(LIMITS)) {
    const value = origin[field as keyof typeof LIMITS];
    if (value !== null && value.length > max)
      return { problem: `resource ${ATTRIBUTE_OF[field]}: must be at most ${max} characters` };
  }
  for (const [attribute, label] of Object.entries(LABELS)) {
    const value = text(attribute);
    if (value && value.length <= 500) origin.labels[label] = value;
  }
  return origin;
}

const ATTRIBUTE_OF: Record<string, string> = {
  environment: "deployment.environment.name",
  namespace: "service.namespace",
  service: "service.name",
  instance: "service.instance.id",
};

const MAX_DEPTH = 64;

/**
 * Postgres stores no NUL in text or jsonb and text must be valid Unicode (invalid UTF-8
 * arrives here as lone surrogates: decodeUtf8); JSON nested beyond reason cannot be
 * serialised (the decoders bound AnyValue nesting first). Such a span is refused alone.
 */
function unstorable(value: AttributeValue | undefined, field: string, depth = 0): string | null {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem && `${field}: ${problem}`;
  }
  if (typeof value !== "object" || value === null) return null;
  if (depth > MAX_DEPTH) return `${field}: is nested too deeply to store`;
  for (const [key, child] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    const problem =
      (typeof key === "string" ? unstorable(key, field, depth + 1) : null) ??
      unstorable(child as AttributeValue, field, depth + 1);
    if (problem) return problem;
  }
  return null;
}

function nsToDate(ns: bigint): Date {
  return new Date(Number(ns / NS_PER_MS));
}

/** "2026-11-23T10:00:00.123456Z": the millisecond ISO text with the microseconds added. */
function nsToTimestamp(ns: bigint): string {
  const iso = nsToDate(ns).toISOString();
  const micros = ((ns / 1000n) % 1000n).toString().padStart(3, "0");
  return `${iso.slice(0, -1)}${micros}Z`;
}
