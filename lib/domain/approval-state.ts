// Where a request stands on its approvals (docs/adr/0015): the service's policy (how many
// distinct approvers, optionally from one group), the decisions so far, who asked, and
// whether the change the approvals were given for is still the change the fleet would get.
// The approve and reject actions decide through this, and the request page shows its reason.
import { DEFAULT_REQUIRED_APPROVALS } from "./admin-rules";

export interface ApprovalPolicyRule {
  /** distinct approvers needed: 0, 1 or 2 */
  required: number;
  /** when set, only members of this group count */
  group: string | null;
}

/** A service without a policy row needs one approver from anyone allowed to approve. */
export const DEFAULT_POLICY: ApprovalPolicyRule = { required: DEFAULT_REQUIRED_APPROVALS, group: null };

export interface ApprovalDecision {
  approverId: number;
  approverName: string;
  approverGroups: readonly string[];
  decision: "approved" | "rejected";
  /** the change hash the decision was given for */
  changeHash: string;
  comment?: string;
}

export interface ApprovalInput {
  policy: ApprovalPolicyRule;
  decisions: readonly ApprovalDecision[];
  requestedBy: number;
  /** the hash stored with the request, and the hash of the fleet as it is now */
  storedHash: string;
  currentHash: string;
  /** why the two hashes differ, in words (describeChangeMove) */
  moveReason?: string | null;
}

export type ApprovalState =
  | { status: "pending"; reason: string; approvals: number; needed: number }
  | { status: "approved"; reason: string; approvals: number; needed: number; approvers: string[] }
  | { status: "rejected"; reason: string; rejectedBy: string }
  | { status: "invalidated"; reason: string };

/** Why this person's decision cannot count on a request under `policy`, or null when it can. */
export function approverRefusal(
  policy: ApprovalPolicyRule,
  requestedBy: number,
  approver: { id: number; groups: readonly string[] },
): string | null {
  if (approver.id === requestedBy) return "nobody may decide on their own request";
  if (policy.group !== null && !approver.groups.includes(policy.group)) {
    return `this service's requests are decided by members of the group "${policy.group}", and you are not one`;
  }
  return null;
}

export function approvalState(input: ApprovalInput): ApprovalState {
  const { policy, storedHash, currentHash } = input;
  if (storedHash !== currentHash) {
    return {
      status: "invalidated",
      reason: `approvals no longer count: ${input.moveReason ?? "the change differs from the one requested"}`,
    };
  }
  // Only decisions for this exact change, by eligible people, count; one per person.
  const counted = new Map<number, ApprovalDecision>();
  for (const d of input.decisions) {
    if (d.changeHash !== storedHash) continue;
    if (approverRefusal(policy, input.requestedBy, { id: d.approverId, groups: d.approverGroups }) !== null) continue;
    if (!counted.has(d.approverId)) counted.set(d.approverId, d);
  }
  const rejection = [...counted.values()].find((d) => d.decision === "rejected");
  if (rejection) {
    const why = rejection.comment?.trim() ? `: ${rejection.comment.trim()}` : "";
    return {
      status: "rejected",
      reason: `rejected by ${rejection.approverName}${why}`,
      rejectedBy: rejection.approverName,
    };
  }
  const approvers = [...counted.values()].filter((d) => d.decision === "approved").map((d) => d.approverName);
  const needed = Math.max(0, policy.required);
  if (approvers.length >= needed) {
    const reason = needed === 0 ? "the service's policy needs no approval" : `approved by ${approvers.join(" and ")}`;
    return { status: "approved", reason, approvals: approvers.length, needed, approvers };
  }
  const missing = needed - approvers.length;
  const from = policy.group ? ` from the group "${policy.group}"` : "";
  return {
    status: "pending",
    reason: `needs ${missing} more approval${missing === 1 ? "" : "s"}${from} (${approvers.length} of ${needed})`,
    approvals: approvers.length,
    needed,
  };
}
