import "server-only";
import { UNKNOWN_OUTCOME, type DispatchStage } from "@/lib/domain/dispatch-step";
import type { ReloadEventWire } from "@/lib/ingest/wire-schema";
import type { RequestForEvents } from "@/lib/requests/control-events";

// The control events dispatch puts on a reload's timeline, in the wire format of
// POST /api/v1/events, with ids made from the request, stage and attempt so a job that runs
// again stores a duplicate, not a second event.

export const DISPATCH_INITIATOR = "reloadscope:dispatch";

/** The request as its decisions' events name it (lib/requests/control-events.ts), with dispatch's trace. */
export interface RequestFacts extends Omit<RequestForEvents, "id" | "action"> {
  requestId: string;
  traceId: string;
}

type WireEvent = Omit<ReloadEventWire, "occurredAt"> & { occurredAt: string };

function base(r: RequestFacts, at: Date, spanId: string | null): Omit<WireEvent, "id" | "phase"> {
  return {
    reloadId: r.reloadId,
    environment: r.environment,
    namespace: r.namespace,
    service: r.service,
    instance: null,
    kind: r.kind,
    resource: r.resource,
    fromVersion: r.fromVersion,
    toVersion: r.toVersion,
    initiator: DISPATCH_INITIATOR,
    occurredAt: at.toISOString(),
    traceId: r.traceId,
    spanId,
  };
}

/** The id of a delivered attempt's `dispatched` event. */
export function dispatchedEventId(requestId: string, stage: DispatchStage, attempt: number): string {
  return `rsreq-${requestId}-dispatch-${stage}-${attempt}`;
}

/** A delivered attempt: the reload's dispatch to the stage's instances. */
export function dispatchedEvent(
  r: RequestFacts,
  a: {
    stage: DispatchStage;
    attempt: number;
    spanId: string;
    startedAt: Date;
    finishedAt: Date;
    httpStatus: number;
    targets: string[];
    sentTo: string[];
  },
): WireEvent {
  return {
    ...base(r, a.startedAt, a.spanId),
    id: dispatchedEventId(r.requestId, a.stage, a.attempt),
    phase: "dispatched",
    durationMs: Math.max(0, a.finishedAt.getTime() - a.startedAt.getTime()),
    ...(a.targets.length > 0 ? { targets: a.targets } : {}),
    attributes: {
      "dispatch.stage": a.stage,
      "dispatch.attempt": a.attempt,
      "dispatch.instances": a.sentTo,
      "http.status_code": a.httpStatus,
    },
  };
}

/** An attempt that did not get through (it is retried unless it was the last). */
export function failedAttemptEvent(
  r: RequestFacts,
  a: {
    stage: DispatchStage;
    attempt: number;
    maxAttempts: number;
    spanId: string;
    startedAt: Date;
    finishedAt: Date;
    httpStatus: number | null;
    error: string;
    sentTo: string[];
  },
): WireEvent {
  const last = a.attempt >= a.maxAttempts;
  return {
    ...base(r, a.finishedAt, a.spanId),
    id: `rsreq-${r.requestId}-dispatch-${a.stage}-${a.attempt}-failed`,
    phase: "failed",
    durationMs: Math.max(0, a.finishedAt.getTime() - a.startedAt.getTime()),
    error: `delivery attempt ${a.attempt} of ${a.maxAttempts} (${a.stage}) failed: ${a.error}${last ? "; giving up" : "; retrying"}`,
    attributes: {
      "dispatch.stage": a.stage,
      "dispatch.attempt": a.attempt,
      "dispatch.instances": a.sentTo,
      ...(a.httpStatus !== null ? { "http.status_code": a.httpStatus } : {}),
    },
  };
}

/**
 * An attempt whose sender died (or lost the database) with the POST out: it may or may not
 * have reached the target. At the attempt's start, under the span it was sent with; no
 * duration, since nobody saw it end. The retry carries the same delivery id.
 */
export function unknownAttemptEvent(
  r: RequestFacts,
  a: { stage: DispatchStage; attempt: number; maxAttempts: number; spanId: string | null; startedAt: Date },
): WireEvent {
  const last = a.attempt >= a.maxAttempts;
  return {
    ...base(r, a.startedAt, a.spanId),
    id: `rsreq-${r.requestId}-dispatch-${a.stage}-${a.attempt}-unknown`,
    phase: "failed",
    error: `delivery attempt ${a.attempt} of ${a.maxAttempts} (${a.stage}): ${UNKNOWN_OUTCOME}${last ? "; giving up" : "; sending it again with the same delivery id"}`,
    attributes: { "dispatch.stage": a.stage, "dispatch.attempt": a.attempt, "dispatch.outcome": "unknown" },
  };
}

/** The control plane ends the reload: no target, a failed canary. `key` names why, for the id. */
export function controlFailedEvent(r: RequestFacts, key: string, at: Date, error: string): WireEvent {
  return { ...base(r, at, null), id: `rsreq-${r.requestId}-${key}`, phase: "failed", error };
}

/**
 * The approved change no longer holds, so nothing is sent. The wire has no `cancelled` phase:
 * it is `rejected` by the control plane, which keeps the request's version from becoming
 * desired (a `failed` would make an approved reload's target desired).
 */
export function invalidatedEvent(r: RequestFacts, at: Date, reason: string): WireEvent {
  return {
    ...base(r, at, null),
    id: `rsreq-${r.requestId}-invalidated`,
    phase: "rejected",
    error: `not dispatched: ${reason}`,
  };
}
