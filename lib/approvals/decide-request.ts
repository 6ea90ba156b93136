import "server-only";
import { ActionDenied, ActionError } from "@/lib/auth/action-error";
import type { ActionOutcome } from "@/lib/auth/define-action";
import type { Actor } from "@/lib/auth/actor";
import type { Sql } from "@/lib/db/client";
import { approvalState, approverRefusal, type ApprovalDecision } from "@/lib/domain/approval-state";
import { enqueueControlEvents, requestForEvents } from "@/lib/requests/control-events";
import type { DecisionInput } from "@/lib/requests/request-input";
import { enqueueJob, wakeWorker } from "@/lib/jobs/queue";
import { currentChange } from "./change";
import { expireRequest, invalidateRequest } from "./request-outcomes";

// Approving or rejecting a request (docs/adr/0015), inside the action's transaction, with the
// request row locked by the subject loader: two approvers clicking at the same instant take
// turns here, so each sees the other's decision, and only the decision that completes the
// policy approves the request and queues its one dispatch. A second click by the same person
// finds their decision (PRIMARY KEY (request_id, approver_id)) and answers it again.

export interface DecisionResult {
  requestId: string;
  decision: "approved" | "rejected";
  /** the request's status after this decision */
  status: string;
  statusReason: string | null;
  /** true when this person had already decided the same way (a double click) */
  repeated: boolean;
}

interface RequestRow {
  id: string;
  status: string;
  status_reason: string | null;
  requested_by: number;
  required_approvals: number;
  required_group: string | null;
  change_hash: string;
  expires_at: Date;
}

export async function decideRequest(
  tx: Sql,
  actor: Actor,
  input: DecisionInput,
  decision: "approved" | "rejected",
  now = new Date(),
): Promise<ActionOutcome<DecisionResult>> {
  const [request] = await tx.query<RequestRow[]>(
    `SELECT id::text, status, status_reason, requested_by, required_approvals, required_group, change_hash, expires_at
     FROM reload_request WHERE id = $1::bigint`,
    input.requestId,
  );
  if (!request) throw new ActionError("not_found", "That request no longer exists.");
  const requestId = request.id;
  const [mine] = await tx.query<{ decision: "approved" | "rejected" }[]>(
    `SELECT decision FROM approval WHERE request_id = $1::bigint AND approver_id = $2`,
    requestId,
    actor.id,
  );
  const audit = { subject: `reload_request:${requestId}` };
  if (mine?.decision === decision) {
    return {
      data: { requestId, decision, status: request.status, statusReason: request.status_reason, repeated: true },
      audit: { ...audit, details: { decision, repeated: true, status: request.status } },
    };
  }
  if (mine)
    throw new ActionError(
      "conflict",
      `You already ${mine.decision} this request; a decision is not changed afterwards.`,
    );
  if (request.status !== "pending_approval") {
    const why = request.status_reason ? ` (${request.status_reason})` : "";
    throw new ActionError(
      "conflict",
      `This request is ${request.status.replace("_", " ")}${why}; it can no longer be decided.`,
    );
  }
  const policy = { required: request.required_approvals, group: request.required_group };
  const refusal = approverRefusal(policy, request.requested_by, actor);
  if (refusal) throw new ActionDenied(refusal);
  if (now.getTime() >= request.expires_at.getTime()) {
    throw new ActionError(
      "conflict",
      "This request expired before it was decided; ask for it again if it is still wanted.",
      undefined,
      async (after) => {
        await expireRequest(after, requestId, now);
      },
    );
  }
  if (decision === "approved") {
    const change = await currentChange(tx, requestId);
    if (!change.valid) {
      throw new ActionError(
        "conflict",
        `This request no longer matches the fleet: ${change.reason}. Approvals no longer count; it is now invalidated (ask for it again if it is still wanted).`,
        undefined,
        async (after) => {
          await invalidateRequest(after, requestId, change.reason, now);
        },
      );
    }
  }

  await tx.execute(
    `INSERT INTO approval (request_id, approver_id, decision, comment, change_hash, decided_at)
     VALUES ($1::bigint, $2, $3, $4, $5, $6::timestamptz)
     ON CONFLICT (request_id, approver_id) DO NOTHING`,
    requestId,
    actor.id,
    decision,
    input.comment,
    request.change_hash,
    now.toISOString(),
  );
  const decisions = await tx.query<
    {
      approver_id: number;
      username: string;
      groups: string[];
      decision: "approved" | "rejected";
      change_hash: string;
      comment: string;
    }[]
  >(
    `SELECT a.approver_id, u.username, u.groups, a.decision, a.change_hash, a.comment
     FROM approval a JOIN app_user u ON u.id = a.approver_id
     WHERE a.request_id = $1::bigint ORDER BY a.decided_at, a.approver_id`,
    requestId,
  );
  const state = approvalState({
    policy,
    requestedBy: request.requested_by,
    storedHash: request.change_hash,
    currentHash: request.change_hash,
    decisions: decisions.map((d): ApprovalDecision => ({
      approverId: d.approver_id,
      approverName: d.username,
      approverGroups: d.groups,
      decision: d.decision,
      changeHash: d.change_hash,
      comment: d.comment,
    })),
  });
  const status =
    state.status === "approved" ? "approved" : state.status === "rejected" ? "rejected" : "pending_approval";
  await tx.execute(
    `UPDATE reload_request SET status = $2, status_reason = $3, updated_at = $4::timestamptz WHERE id = $1::bigint`,
    requestId,
    status,
    state.reason,
    now.toISOString(),
  );
  if (state.status === "approved" || state.status === "rejected") {
    const forEvents = await requestForEvents(tx, requestId);
    if (forEvents) {
      await enqueueControlEvents(tx, [
        {
          request: forEvents,
          event: {
            phase: state.status,
            idSuffix: String(actor.id),
            initiator: actor.username,
            occurredAt: now,
            attributes: {
              "reloadscope.reason": state.reason,
              ...(input.comment ? { "reloadscope.comment": input.comment } : {}),
            },
          },
        },
      ]);
    }
  }
  // The singleton key keeps a second dispatch job from queueing while one waits; the status
  // check above keeps a second approval from getting here at all.
  if (state.status === "approved")
    await enqueueJob(tx, "dispatch", { requestId }, { singletonKey: `dispatch-${requestId}` });
  return {
    data: { requestId, decision, status, statusReason: state.reason, repeated: false },
    audit: { ...audit, details: { decision, status, changeHash: request.change_hash } },
    afterCommit: state.status === "approved" || state.status === "rejected" ? wakeWorker : undefined,
  };
}
