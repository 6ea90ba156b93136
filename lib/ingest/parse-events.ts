// Turns a decoded request body (plain events or CloudEvents) into validated domain events,
// keeping the index and reason of every event it rejects.
import { INSTANCE_ONLY_PHASES } from "@/lib/domain/phases";
import { nestingProblem, textProblem } from "@/lib/domain/text-input";
import { occurredAtProblem } from "@/lib/domain/time-bounds";
import type { Phase, ReloadEventInput } from "@/lib/domain/types";
import type { CloudEventContext } from "./cloudevents-binary";
import { IngestError } from "./errors";
import { cloudEventSchema, describeIssues, reloadEventSchema, type ReloadEventWire } from "./wire-schema";

/**
 * "json": one event or an array; "cloudevent(-batch)": structured mode, envelopes whose data
 * are events; { binary }: binary mode, one event or an array under the ce-* headers' envelope.
 */
export type BodyFormat = "json" | "cloudevent" | "cloudevent-batch" | { binary: CloudEventContext };

export interface Rejection {
  index: number;
  reason: string;
}

export interface ParsedEvents {
  events: { index: number; event: ReloadEventInput }[];
  rejected: Rejection[];
  total: number;
}

const MAX_ATTRIBUTES_BYTES = 16 * 1024;
export const DEFAULT_RETENTION_MS = 30 * 86_400_000;

/** The server's clock and retention, against which event times are checked. */
export interface TimeBounds {
  now: Date;
  retentionMs: number;
}

export function parseEvents(
  body: unknown,
  format: BodyFormat,
  maxEvents: number,
  bounds: TimeBounds = { now: new Date(), retentionMs: DEFAULT_RETENTION_MS },
): ParsedEvents {
  const items = itemsOf(body, format);
  if (items.length === 0) throw new IngestError("empty_batch", "the body holds no events");
  if (items.length > maxEvents) {
    const message = `the body holds ${items.length} events; at most ${maxEvents} are accepted per request`;
    throw new IngestError("too_many_events", message);
  }
  const parsed: ParsedEvents = { events: [], rejected: [], total: items.length };
  items.forEach((item, index) => {
    const unwrapped =
      format === "json"
        ? { ok: true as const, value: item }
        : typeof format === "object"
          ? { ok: true as const, value: fromBinary(item, format.binary, Array.isArray(body) ? index : null) }
          : unwrapCloudEvent(item);
    if (!unwrapped.ok) {
      parsed.rejected.push({ index, reason: unwrapped.reason });
      return;
    }
    const unstorable = findUnstorable(unwrapped.value);
    if (unstorable) {
      parsed.rejected.push({ index, reason: unstorable });
      return;
    }
    const result = reloadEventSchema.safeParse(unwrapped.value);
    if (!result.success) {
      parsed.rejected.push({ index, reason: describeIssues(result.error) });
      return;
    }
    const attributes = result.data.attributes ?? {};
    if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_ATTRIBUTES_BYTES) {
      parsed.rejected.push({ index, reason: `attributes: must be at most ${MAX_ATTRIBUTES_BYTES} bytes of JSON` });
      return;
    }
    const event = toDomainEvent(result.data);
    const timeProblem = occurredAtProblem(event.occurredAt, bounds.now, bounds.retentionMs);
    if (timeProblem) {
      parsed.rejected.push({ index, reason: `occurredAt: ${timeProblem}` });
      return;
    }
    parsed.events.push({ index, event });
  });
  return parsed;
}

function itemsOf(body: unknown, format: BodyFormat): unknown[] {
  if (format === "cloudevent") {
    if (!isObject(body)) throw new IngestError("invalid_body", "a CloudEvent must be a JSON object");
    return [body];
  }
  if (format === "cloudevent-batch") {
    if (!Array.isArray(body)) throw new IngestError("invalid_body", "a CloudEvents batch must be a JSON array");
    return body;
  }
  if (Array.isArray(body)) return body;
  if (isObject(body)) return [body];
  throw new IngestError("invalid_body", "the body must be a reload event object or an array of them");
}

function unwrapCloudEvent(item: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  const envelope = cloudEventSchema.safeParse(item);
  if (!envelope.success) return { ok: false, reason: describeIssues(envelope.error) };
  return { ok: true, value: filledFromEnvelope(envelope.data.data, envelope.data) };
}

/**
 * One event of a binary-mode body. In an array, one ce-id stands for every event, so an
 * event without its own id gets `<ce-id>#<index>`: distinct within the body, and the same
 * again when the emitter resends it (a duplicate, stored once).
 */
function fromBinary(item: unknown, context: CloudEventContext, index: number | null): unknown {
  if (!isObject(item)) return item; // the event schema names what is wrong with it
  return filledFromEnvelope(item, { ...context, id: index === null ? context.id : `${context.id}#${index}` });
}

/**
 * The envelope fills what the event leaves out: id, occurredAt, and who reported it. The
 * source is the instance only for phases an instance reports (received…acked, nacked,
 * heartbeat); for the control plane's phases it is the initiator (DESIGN.md). An explicit
 * `"instance": null` stays null.
 */
function filledFromEnvelope(data: Record<string, unknown>, ce: CloudEventContext): Record<string, unknown> {
  const instancePhase = typeof data.phase === "string" && INSTANCE_ONLY_PHASES.has(data.phase as Phase);
  const value: Record<string, unknown> = { ...data, id: data.id ?? ce.id, occurredAt: data.occurredAt ?? ce.time };
  if (instancePhase) {
    if (!("instance" in data)) value.instance = ce.source;
  } else if (data.initiator == null) {
    value.initiator = ce.source;
  }
  return value;
}

/**
 * Postgres cannot store NUL characters in text or jsonb, text must be valid Unicode (a lone
 * UTF-16 surrogate, or invalid UTF-8, which the route decodes to lone surrogates, would be
 * stored as U+FFFD, so the stored id or name would differ from the one sent, and two ids
 * could become one), and JSON nested beyond reason cannot be serialised; such an event is
 * rejected alone instead of failing its batch. The nesting is checked first, without
 * recursion: unstorableIn and zod recurse.
 */
function findUnstorable(value: unknown): string | null {
  if (!isObject(value)) return null;
  for (const [field, fieldValue] of Object.entries(value)) {
    const name = field.isWellFormed() ? field : "a field name";
    const tooDeep = nestingProblem(fieldValue, { path: name });
    if (tooDeep) return tooDeep;
    const problem = textProblem(field) ?? unstorableIn(fieldValue);
    if (problem) return `${name}: ${problem}`;
  }
  return null;
}

function unstorableIn(value: unknown): string | null {
  if (typeof value === "string") return textProblem(value);
  if (typeof value !== "object" || value === null) return null;
  for (const [key, child] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    const problem = (typeof key === "string" ? textProblem(key) : null) ?? unstorableIn(child);
    if (problem) return problem;
  }
  return null;
}

function toDomainEvent(wire: ReloadEventWire): ReloadEventInput {
  return {
    id: wire.id,
    reloadId: wire.reloadId ?? null,
    environment: wire.environment,
    namespace: wire.namespace ?? "",
    service: wire.service,
    instance: wire.instance ?? null,
    labels: wire.labels ?? {},
    kind: wire.kind,
    resource: wire.resource,
    phase: wire.phase,
    fromVersion: wire.fromVersion ?? null,
    toVersion: wire.toVersion ?? null,
    initiator: wire.initiator ?? null,
    occurredAt: new Date(wire.occurredAt),
    durationMs: wire.durationMs ?? null,
    error: wire.error?.trim() || null,
    traceId: wire.traceId?.toLowerCase() ?? null,
    spanId: wire.spanId?.toLowerCase() ?? null,
    attributes: wire.attributes ?? {},
    targets: wire.targets ?? null,
    targetCount: wire.targetCount ?? wire.targets?.length ?? null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
