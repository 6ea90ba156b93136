import "server-only";
import { randomBytes } from "node:crypto";
import { ActionError, type ActionOutcome } from "@/lib/auth/define-action";
import type { Actor } from "@/lib/auth/actor";
import type { Sql } from "@/lib/db/client";
import { DEFAULT_POLICY, type ApprovalPolicyRule } from "@/lib/domain/approval-state";
import { chooseCanary, scopeProblem, type RequestScope } from "@/lib/domain/canary";
import { changeHash } from "@/lib/domain/change-hash";
import { IN_FLIGHT_REQUEST_STATUSES, OPEN_REQUEST_STATUSES } from "@/lib/domain/request-status";
import { env } from "@/lib/env";
import { enqueueJob, wakeWorker } from "@/lib/jobs/queue";
import { enqueueControlEvents, type RequestForEvents } from "./control-events";
import { loadResourceNow } from "./resource-now";
import type { RequestInput } from "./request-input";

// Making a reload or rollback request (DESIGN.md "Roles"), inside the action's transaction: check
// it against the fleet as it is now, snapshot its targets and canary, bind it to its change
// (hash), store the policy's requirements and the expiry, and queue its `requested` event.
// With a policy that needs no approval it is approved at once and its dispatch queued.

export interface CreatedRequest {
  requestId: string;
  reloadId: string;
  status: "pending_approval" | "approved";
  requiredApprovals: number;
  targets: number;
  canary: number;
}

export function scopeOf(input: RequestInput): RequestScope {
  if (input.scope === "count") return { mode: "canary", count: input.canaryCount ?? 0 };
  if (input.scope === "percent") return { mode: "canary", percent: input.canaryPercent ?? 0 };
  return { mode: "all" };
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** rs-<yyyymmdd>-<requestId>-<6 random base32>: sortable by day, unique by id, not guessable. */
export function newReloadId(requestId: string, now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll("-", "");
  const tail = [...randomBytes(6)].map((b) => BASE32[b % 32]).join("");
  return `rs-${day}-${requestId}-${tail}`;
}

export async function loadPolicy(tx: Sql, serviceId: number): Promise<ApprovalPolicyRule> {
  const [row] = await tx.query<{ required_approvals: number; required_group: string | null }[]>(
    `SELECT required_approvals, required_group FROM approval_policy WHERE service_id = $1`,
    serviceId,
  );
  return row ? { required: row.required_approvals, group: row.required_group } : DEFAULT_POLICY;
}

function invalid(field: string, message: string): never {
  throw new ActionError("invalid", message.charAt(0).toUpperCase() + message.slice(1) + ".", { [field]: [message] });
}

export async function createRequest(
  tx: Sql,
  actor: Actor,
  input: RequestInput,
  action: "reload" | "rollback",
  now = new Date(),
): Promise<ActionOutcome<CreatedRequest>> {
  const { serviceId, kind, resource, toVersion } = input;
  // One request at a time per resource: two operators asking at once queue here, and the
  // second sees the first (and supersedes it, or waits for its dispatch).
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('reloadscope:request:' || $1::text || ':' || $2 || ':' || $3, 0))`,
    serviceId,
    kind,
    resource,
  );
  const [service] = await tx.query<{ environment: string; namespace: string; name: string }[]>(
    `SELECT environment, namespace, name FROM service WHERE id = $1`,
    serviceId,
  );
  if (!service) throw new ActionError("not_found", "That service no longer exists.");

  const fleet = await loadResourceNow(tx, { serviceId, kind, resource }, { now });
  if (!fleet.known) invalid("resource", `${service.name} reports no ${kind}/${resource}`);
  const scope = scopeOf(input);
  const problem = scopeProblem(scope, fleet.instances.length);
  if (problem) invalid(problem.field, problem.message);
  if (toVersion === fleet.from) {
    invalid(
      "toVersion",
      `${toVersion} is already the version ${fleet.desired ? "desired" : "the instances run"} for ${kind}/${resource}`,
    );
  }
  if (action === "rollback") {
    const [known] = await tx.query<{ known: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM reload WHERE service_id = $1 AND kind = $2 AND resource = $3 AND (to_version = $4 OR from_version = $4))
           OR EXISTS (SELECT 1 FROM instance_state WHERE service_id = $1 AND kind = $2 AND resource = $3 AND version = $4) AS known`,
      serviceId,
      kind,
      resource,
      toVersion,
    );
    if (!known?.known)
      invalid(
        "toVersion",
        `${toVersion} was never seen on ${kind}/${resource}; a rollback goes back to a version it ran (request a reload for a new one)`,
      );
  }

  const open = await tx.query<{ id: string; status: string }[]>(
    `SELECT id::text, status FROM reload_request
     WHERE service_id = $1 AND kind = $2 AND resource = $3 AND status = ANY($4::text[])
     ORDER BY id FOR UPDATE`,
    serviceId,
    kind,
    resource,
    [...OPEN_REQUEST_STATUSES],
  );
  const inFlight = open.find((r) => (IN_FLIGHT_REQUEST_STATUSES as readonly string[]).includes(r.status));
  if (inFlight) {
    throw new ActionError(
      "conflict",
      `Request #${inFlight.id} for ${kind}/${resource} is ${inFlight.status.replace("_", " ")}; wait until its reload is under way before asking for another.`,
    );
  }

  const policy = await loadPolicy(tx, serviceId);
  const [{ id: requestId }] = (await tx.query<{ id: string }[]>(
    `SELECT nextval(pg_get_serial_sequence('reload_request', 'id'))::text AS id`,
  )) as [{ id: string }];
  const reloadId = newReloadId(requestId, now);
  const split = chooseCanary(
    scope,
    fleet.instances.map((i) => i.instance),
  );
  if (!split.ok) invalid("scope", split.reason);
  const targets = [...split.canary, ...split.rest];
  const hash = changeHash({ serviceId, kind, resource, from: fleet.from, to: toVersion, scope, targets });
  const autoApproved = policy.required === 0;
  const status = autoApproved ? "approved" : "pending_approval";
  // A request waits no longer than its reload lives: the reload (status pending_approval)
  // expires RELOAD_TIMEOUT_SECONDS after its `requested` event, and approving a request whose
  // reload already shows `expired` on the timeline would be two screens disagreeing.
  const { REQUEST_TTL_MINUTES, RELOAD_TIMEOUT_SECONDS } = env();
  const expiresAt = new Date(now.getTime() + Math.min(REQUEST_TTL_MINUTES * 60_000, RELOAD_TIMEOUT_SECONDS * 1000));

  await tx.execute(
    `INSERT INTO reload_request (id, reload_id, service_id, action, kind, resource, from_version, to_version, scope, targets, canary,
                                 reason, requested_by, requested_at, expires_at, change_hash, required_approvals, required_group,
                                 status, status_reason, updated_at)
     VALUES ($1::bigint, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::text[], $11::text[], $12, $13, $14::timestamptz, $15::timestamptz,
             $16, $17, $18, $19, $20, $14::timestamptz)`,
    requestId,
    reloadId,
    serviceId,
    action,
    kind,
    resource,
    fleet.from,
    toVersion,
    JSON.stringify(scope),
    targets,
    split.canary,
    input.reason,
    actor.id,
    now.toISOString(),
    expiresAt.toISOString(),
    hash,
    policy.required,
    policy.group,
    status,
    autoApproved ? "the service's policy needs no approval" : null,
  );

  // A newer request for the same resource supersedes one still waiting (DESIGN.md: the
  // reload model cancels it too); its approvals were for a change nobody wants any more.
  const superseded = open.map((r) => r.id);
  if (superseded.length > 0) {
    await tx.execute(
      `UPDATE reload_request SET status = 'cancelled', status_reason = $2, updated_at = $3::timestamptz WHERE id = ANY($1::bigint[])`,
      superseded,
      `superseded by request #${requestId} (${actor.username})`,
      now.toISOString(),
    );
  }

  const forEvents: RequestForEvents = {
    id: requestId,
    reloadId,
    environment: service.environment,
    namespace: service.namespace,
    service: service.name,
    kind,
    resource,
    fromVersion: fleet.from,
    toVersion,
    action,
  };
  const scopeAttributes = {
    "reloadscope.scope": scope.mode === "all" ? "all" : `canary:${split.canary.length}`,
    "reloadscope.targets": targets.length,
    "reloadscope.reason": input.reason,
  };
  await enqueueControlEvents(tx, [
    {
      request: forEvents,
      event: { phase: "requested", initiator: actor.username, occurredAt: now, attributes: scopeAttributes },
    },
    ...(autoApproved
      ? [
          {
            request: forEvents,
            event: {
              phase: "approved" as const,
              idSuffix: "policy",
              initiator: actor.username,
              occurredAt: now,
              attributes: { "reloadscope.approval": "the service's policy needs no approval" },
            },
          },
        ]
      : []),
  ]);
  if (superseded.length > 0) {
    const olds = await tx.query<RequestForEvents[]>(
      `SELECT r.id::text AS id, r.reload_id AS "reloadId", $2::text AS environment, $3::text AS namespace, $4::text AS service, r.kind, r.resource,
              r.from_version AS "fromVersion", r.to_version AS "toVersion", r.action
       FROM reload_request r WHERE r.id = ANY($1::bigint[])`,
      superseded,
      service.environment,
      service.namespace,
      service.name,
    );
    await enqueueControlEvents(
      tx,
      olds.map((old) => ({
        request: old,
        event: {
          phase: "cancelled" as const,
          initiator: "reloadscope",
          occurredAt: now,
          attributes: { "reloadscope.reason": `superseded by request #${requestId}` },
        },
      })),
    );
  }
  if (autoApproved) await enqueueJob(tx, "dispatch", { requestId }, { singletonKey: `dispatch-${requestId}` });

  return {
    data: {
      requestId,
      reloadId,
      status,
      requiredApprovals: policy.required,
      targets: targets.length,
      canary: split.canary.length,
    },
    audit: {
      serviceId,
      subject: `reload_request:${requestId}`,
      details: {
        requestId,
        reloadId,
        status,
        changeHash: hash,
        fromVersion: fleet.from,
        targets: targets.length,
        canary: split.canary,
        superseded,
      },
    },
    afterCommit: wakeWorker,
  };
}
