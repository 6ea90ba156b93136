// A decoded OTLP logs request → the reload events its records stand for (DESIGN.md, "Events
// as OpenTelemetry log records"), in the wire format of POST /api/v1/events so they are
// validated and stored by the same code; every other record is only counted. Pure.
import { createHash } from "node:crypto";
import type { Attributes, AttributeValue, DecodedLogRecord, DecodedLogsRequest, DecodedScope } from "./decoded";
import { canonicalJson } from "@/lib/domain/canonical-json";
import { otherAttributes, reloadFieldsOf, textOf, type SpanOrigin } from "./reload-event";
import { originOf } from "./span-records";

export interface LogRefusal {
  /** the record's position in the request, counting from 0 across resources and scopes */
  index: number;
  reason: string;
}

export interface LogBatch {
  total: number;
  /** reload events, each with its record's index */
  reloadEvents: { index: number; event: Record<string, unknown> }[];
  /** records that claim to be reload events but cannot be read as one */
  refused: LogRefusal[];
  /** records that are not reload events: dropped without error */
  dropped: number;
}

const RELOAD_PREFIX = "reload.";
const NS_PER_MS = 1_000_000n;
/** The attribute older SDKs name an event with: the record's name, not one of its attributes. */
const EVENT_NAME: ReadonlySet<string> = new Set(["event.name"]);

export function logBatch(request: DecodedLogsRequest): LogBatch {
  const batch: LogBatch = { total: 0, reloadEvents: [], refused: [], dropped: 0 };
  for (const rl of request.resourceLogs) {
    const origin = originOf(rl.resource);
    for (const sl of rl.scopeLogs) {
      for (const record of sl.logRecords) {
        const index = batch.total++;
        if ("unreadable" in record) {
          batch.refused.push({ index, reason: record.unreadable });
          continue;
        }
        const phase = reloadPhaseOf(record);
        if (phase === null) {
          batch.dropped++;
          continue;
        }
        if ("problem" in origin) {
          batch.refused.push({ index, reason: origin.problem });
          continue;
        }
        const occurredNs = record.timeUnixNano || record.observedTimeUnixNano;
        if (occurredNs === 0n) {
          batch.refused.push({ index, reason: "timeUnixNano: is required (or observedTimeUnixNano)" });
          continue;
        }
        batch.reloadEvents.push({
          index,
          event: reloadEventOf(record, phase, origin, occurredNs, rl.resource, sl.scope),
        });
      }
    }
  }
  return batch;
}

/**
 * The phase a record reports, or null when it is not a reload event: reload.phase, else an
 * event name reload.<phase> (the record's event_name, or the event.name attribute that SDKs
 * used before the field existed). Any text is passed on; the event schema judges it.
 */
function reloadPhaseOf(record: DecodedLogRecord): string | null {
  const declared = textOf(record.attributes["reload.phase"]);
  if (declared !== null) return declared;
  const name = record.eventName || textOf(record.attributes["event.name"]) || "";
  return name.startsWith(RELOAD_PREFIX) && name.length > RELOAD_PREFIX.length ? name.slice(RELOAD_PREFIX.length) : null;
}

function reloadEventOf(
  record: DecodedLogRecord,
  phase: string,
  origin: SpanOrigin,
  occurredNs: bigint,
  resource: Attributes,
  scope: DecodedScope,
): Record<string, unknown> {
  const a = record.attributes;
  // A failure's error is reload.error, else the body (the event's message).
  const failure = phase === "nacked" || phase === "failed";
  const error = textOf(a["reload.error"]) ?? (failure ? bodyText(record.body) : null);
  return {
    id: reloadEventId(record, resource, scope),
    ...reloadFieldsOf(a, phase, origin),
    occurredAt: new Date(Number(occurredNs / NS_PER_MS)).toISOString(),
    error,
    traceId: validId(record.traceId, 32),
    spanId: validId(record.spanId, 16),
    attributes: otherAttributes(a, EVENT_NAME),
  };
}

/** An id that is absent, or all zeros (the OTLP spelling of absent), links to nothing. */
function validId(id: string, length: number): string | null {
  return id === "" || (id.length === length && /^0+$/.test(id)) ? null : id;
}

function bodyText(body: AttributeValue): string | null {
  if (body === null) return null;
  return textOf(body) ?? JSON.stringify(body);
}

/**
 * `otlp-log:` + a hash of what the record says and where it comes from (resource, scope,
 * times, name, body, attributes, trace context): a record sent again, by an exporter's retry
 * or a Collector's, is the same event and stored once, while two records that differ in
 * anything are two events. Object keys are sorted, so a re-ordered resend hashes the same.
 */
export function reloadEventId(record: DecodedLogRecord, resource: Attributes, scope: DecodedScope): string {
  const content = canonical({
    resource,
    scope: { name: scope.name, version: scope.version },
    time: record.timeUnixNano.toString(),
    observed: record.observedTimeUnixNano.toString(),
    severity: record.severityNumber,
    eventName: record.eventName,
    body: record.body,
    attributes: record.attributes,
    traceId: record.traceId,
    spanId: record.spanId,
  });
  return `otlp-log:${createHash("sha256").update(content).digest("hex").slice(0, 32)}`;
}

/** The record's canonical text: absent fields written as null, as the ids already stored were hashed. */
function canonical(value: unknown): string {
  return canonicalJson(value, undefined, "null");
}
