// A span that carries reload.id, as a reload event in the wire format of POST
// /api/v1/events (DESIGN.md "Traces"), so it is validated and stored by the same code.
import { CONTROL_PHASES } from "@/lib/domain/phases";
import type { Phase } from "@/lib/domain/types";
import { STATUS_CODE_ERROR, type Attributes, type AttributeValue, type DecodedSpan } from "./decoded";

/** What the resource says about where a span comes from. */
export interface SpanOrigin {
  environment: string;
  namespace: string;
  service: string;
  instance: string | null;
  labels: Record<string, string>;
}

/** The event id of a span's reload event: a span sent again is the same event, a duplicate. */
export const reloadEventId = (traceId: string, spanId: string) => `otlp:${traceId}:${spanId}`;

const RELOAD_PREFIX = "reload.";

/**
 * The reload event a span stands for, or null when it is not one: no reload.id, or no
 * phase (neither reload.phase nor a name reload.<phase>) — a span that only correlates
 * with a reload. Field values are passed on as they came; the event schema judges them.
 */
export function reloadEventOf(
  span: DecodedSpan,
  origin: SpanOrigin,
  occurredAt: Date,
  durationMs: number,
): Record<string, unknown> | null {
  const a = span.attributes;
  if (a["reload.id"] === undefined || a["reload.id"] === null) return null;
  const named = span.name.startsWith(RELOAD_PREFIX) ? span.name.slice(RELOAD_PREFIX.length) : null;
  const declared = textOf(a["reload.phase"]) ?? named;
  if (declared === null) return null;
  const failed = span.status.code === STATUS_CODE_ERROR;
  // Status ERROR makes the step a failure; reload.phase "nacked" says it was a refusal.
  const phase = failed ? (declared === "nacked" ? "nacked" : "failed") : declared;
  const error = failed
    ? span.status.message.trim() || exceptionMessage(span) || "the span ended with status ERROR"
    : textOf(a["reload.error"]);
  return {
    id: reloadEventId(span.traceId, span.spanId),
    ...reloadFieldsOf(a, phase, origin),
    occurredAt: occurredAt.toISOString(),
    durationMs,
    error,
    traceId: span.traceId,
    spanId: span.spanId,
    attributes: otherAttributes(a),
  };
}

/**
 * The event fields the reload.* attributes and the resource give, alike for a span and a log
 * record (DESIGN.md's "Traces" table); values are passed on as they came.
 */
export function reloadFieldsOf(a: Attributes, phase: string, origin: SpanOrigin): Record<string, unknown> {
  return {
    reloadId: textOf(a["reload.id"]) ?? a["reload.id"],
    environment: origin.environment,
    namespace: origin.namespace,
    service: origin.service,
    // Requests and approvals are about the reload as a whole, whoever reports them.
    instance: CONTROL_PHASES.has(phase as Phase) ? null : origin.instance,
    labels: origin.labels,
    kind: a["reload.kind"],
    resource: a["reload.resource"],
    phase,
    fromVersion: a["reload.version.from"],
    toVersion: a["reload.version.to"],
    initiator: a["reload.initiator"],
  };
}

/** The attributes an event keeps: all but the reload.* ones it was made of, and `also`. */
export function otherAttributes(a: Attributes, also: ReadonlySet<string> = new Set()): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(a)) {
    // defineProperty, not assignment: an attribute named __proto__ stays an attribute.
    if (key.startsWith(RELOAD_PREFIX) || also.has(key)) continue;
    Object.defineProperty(attributes, key, { value, enumerable: true });
  }
  return attributes;
}

/** Numbers and booleans are accepted as their text (a reload.id of 42 is "42"). */
export function textOf(value: AttributeValue | undefined): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

/** The message of an exception event, the SDK's recordException(). */
function exceptionMessage(span: DecodedSpan): string | null {
  const exception = span.events.find((e) => e.name === "exception");
  const message = exception ? textOf(exception.attributes["exception.message"]) : null;
  return message?.trim() || null;
}

/** Event field names in a refusal reason, renamed to the span attributes they came from. */
const SOURCE_OF: Record<string, string> = {
  reloadId: "reload.id",
  phase: "reload.phase",
  kind: "reload.kind",
  resource: "reload.resource",
  fromVersion: "reload.version.from",
  toVersion: "reload.version.to",
  initiator: "reload.initiator",
  error: "status.message",
  environment: "resource deployment.environment.name",
  namespace: "resource service.namespace",
  service: "resource service.name",
  instance: "resource service.instance.id",
  labels: "resource attributes",
  occurredAt: "startTimeUnixNano",
  durationMs: "endTimeUnixNano",
};

export const reasonInSpanTerms = (reason: string) => renamed(reason, SOURCE_OF);

/** The same for a log record's event: the error is reload.error (else the body), the time the record's. */
const LOG_SOURCE_OF: Record<string, string> = {
  ...SOURCE_OF,
  error: "reload.error",
  occurredAt: "timeUnixNano",
  traceId: "traceId",
  spanId: "spanId",
};

export const reasonInLogTerms = (reason: string) => renamed(reason, LOG_SOURCE_OF);

function renamed(reason: string, sourceOf: Record<string, string>): string {
  return reason
    .split("; ")
    .map((part) => {
      const colon = part.indexOf(":");
      const field = colon > 0 ? part.slice(0, colon) : "";
      const source = sourceOf[field.split(".")[0]!];
      return source ? `${source}${part.slice(colon)}` : part;
    })
    .join("; ");
}
