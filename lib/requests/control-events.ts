import "server-only";
import type { Sql } from "@/lib/db/client";
import { enqueueJob } from "@/lib/jobs/queue";

// The control-plane events a request's decisions put on its reload's timeline (requested,
// approved, rejected, cancelled), queued as a `control-events` job in the decision's own
// transaction (contract with lib/worker: the payload is exactly the JSON of POST
// /api/v1/events). Ids are deterministic (`rsreq-<requestId>-<phase>…`), so a job run twice
// stores each event once. occurredAt is the decision's server time, not the job's run time.

export const CONTROL_SOURCE = "reloadscope";

export interface RequestForEvents {
  id: string;
  reloadId: string;
  environment: string;
  namespace: string;
  service: string;
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string;
  action: "reload" | "rollback";
}

export type ControlPhase = "requested" | "approved" | "rejected" | "cancelled";

export interface ControlEvent {
  phase: ControlPhase;
  /** appended to the id: the approver's id, "policy", … */
  idSuffix?: string;
  /** the person (username) for requested/approved/rejected; "reloadscope" for what the app decides itself */
  initiator: string;
  occurredAt: Date;
  attributes?: Record<string, unknown>;
}

/**
 * The wire has no `cancelled` phase: a request that ends undecided (expired, invalidated,
 * superseded) is `rejected` by the control plane with the reason as its error, as dispatch
 * does for a change that moved (lib/dispatch/control-events.ts), which keeps its version from
 * becoming desired. Its id still says `cancelled`.
 */
export function wireEvent(request: RequestForEvents, event: ControlEvent): Record<string, unknown> {
  const cancelled = event.phase === "cancelled";
  const reason = event.attributes?.["reloadscope.reason"];
  return {
    id: `rsreq-${request.id}-${event.phase}${event.idSuffix ? `-${event.idSuffix}` : ""}`,
    ...(cancelled
      ? { error: `not dispatched: ${typeof reason === "string" ? reason : "the request ended undecided"}` }
      : {}),
    reloadId: request.reloadId,
    environment: request.environment,
    namespace: request.namespace || null,
    service: request.service,
    kind: request.kind,
    resource: request.resource,
    phase: cancelled ? "rejected" : event.phase,
    fromVersion: request.fromVersion,
    toVersion: request.toVersion,
    initiator: event.initiator,
    occurredAt: event.occurredAt.toISOString(),
    attributes: {
      "reloadscope.request_id": request.id,
      "reloadscope.action": request.action,
      "reloadscope.source": CONTROL_SOURCE,
      ...event.attributes,
    },
  };
}

/** Queues the events in `tx`; they reach the timeline once the worker has run the job. */
export async function enqueueControlEvents(
  tx: Sql,
  events: { request: RequestForEvents; event: ControlEvent }[],
): Promise<void> {
  if (events.length === 0) return;
  await enqueueJob(tx, "control-events", { events: events.map((e) => wireEvent(e.request, e.event)) });
}

/** The request row joined with its service's names, as the events need it. */
export async function requestForEvents(tx: Sql, requestId: string): Promise<RequestForEvents | null> {
  const [row] = await tx.query<RequestForEvents[]>(
    `SELECT r.id::text AS id, r.reload_id AS "reloadId", s.environment, s.namespace, s.name AS service, r.kind, r.resource,
            r.from_version AS "fromVersion", r.to_version AS "toVersion", r.action
     FROM reload_request r JOIN service s ON s.id = r.service_id WHERE r.id = $1::bigint`,
    requestId,
  );
  return row ?? null;
}
