import { describe, expect, test } from "vitest";
import {
  approvalState,
  approverRefusal,
  type ApprovalDecision,
  type ApprovalInput,
  type ApprovalPolicyRule,
} from "@/lib/domain/approval-state";

const H = "a".repeat(64);
const REQUESTER = 1;
const d = (
  approverId: number,
  decision: "approved" | "rejected",
  extra: Partial<ApprovalDecision> = {},
): ApprovalDecision => ({
  approverId,
  approverName: `user${approverId}`,
  approverGroups: [],
  decision,
  changeHash: H,
  ...extra,
});
const input = (
  policy: ApprovalPolicyRule,
  decisions: ApprovalDecision[],
  extra: Partial<ApprovalInput> = {},
): ApprovalInput => ({
  policy,
  decisions,
  requestedBy: REQUESTER,
  storedHash: H,
  currentHash: H,
  ...extra,
});

const ONE = { required: 1, group: null };
const TWO = { required: 2, group: null };
const SRE = { required: 1, group: "sre" };

describe("approvalState", () => {
  test.each<[string, ApprovalInput, string, string]>([
    [
      "no approval needed",
      input({ required: 0, group: null }, []),
      "approved",
      "the service's policy needs no approval",
    ],
    ["one needed, none yet", input(ONE, []), "pending", "needs 1 more approval (0 of 1)"],
    ["one needed, one given", input(ONE, [d(2, "approved")]), "approved", "approved by user2"],
    ["two needed, one given", input(TWO, [d(2, "approved")]), "pending", "needs 1 more approval (1 of 2)"],
    [
      "two needed, the same person twice counts once",
      input(TWO, [d(2, "approved"), d(2, "approved")]),
      "pending",
      "needs 1 more approval (1 of 2)",
    ],
    [
      "two needed, two people",
      input(TWO, [d(2, "approved"), d(3, "approved")]),
      "approved",
      "approved by user2 and user3",
    ],
    [
      "one's own approval does not count",
      input(ONE, [d(REQUESTER, "approved")]),
      "pending",
      "needs 1 more approval (0 of 1)",
    ],
    [
      "a rejection by an eligible approver rejects",
      input(TWO, [d(2, "approved"), d(3, "rejected", { comment: " not today " })]),
      "rejected",
      "rejected by user3: not today",
    ],
    [
      "a rejection beats enough approvals",
      input(ONE, [d(2, "approved"), d(3, "rejected")]),
      "rejected",
      "rejected by user3",
    ],
    [
      "outside the group does not count",
      input(SRE, [d(2, "approved")]),
      "pending",
      'needs 1 more approval from the group "sre" (0 of 1)',
    ],
    [
      "outside the group cannot reject either",
      input(SRE, [d(2, "rejected")]),
      "pending",
      'needs 1 more approval from the group "sre" (0 of 1)',
    ],
    [
      "in the group counts",
      input(SRE, [d(2, "approved", { approverGroups: ["ops", "sre"] })]),
      "approved",
      "approved by user2",
    ],
    [
      "a decision for another change does not count",
      input(ONE, [d(2, "approved", { changeHash: "b".repeat(64) })]),
      "pending",
      "needs 1 more approval (0 of 1)",
    ],
    [
      "a moved change invalidates, whatever was approved",
      input(ONE, [d(2, "approved")], { currentHash: "c".repeat(64), moveReason: "the fleet's version moved" }),
      "invalidated",
      "approvals no longer count: the fleet's version moved",
    ],
    [
      "invalidated even with no approvals needed",
      input({ required: 0, group: null }, [], { currentHash: "c".repeat(64) }),
      "invalidated",
      "approvals no longer count: the change differs from the one requested",
    ],
  ])("%s", (_, given, status, reason) => {
    const state = approvalState(given);
    expect(state.status).toBe(status);
    expect(state.reason).toBe(reason);
  });
});

describe("approverRefusal", () => {
  test.each<[string, ApprovalPolicyRule, { id: number; groups: string[] }, string | null]>([
    ["anyone else, no group", ONE, { id: 2, groups: [] }, null],
    ["oneself", ONE, { id: REQUESTER, groups: [] }, "nobody may decide on their own request"],
    ["oneself, even in the group", SRE, { id: REQUESTER, groups: ["sre"] }, "nobody may decide on their own request"],
    [
      "outside the group",
      SRE,
      { id: 2, groups: ["ops"] },
      `this service's requests are decided by members of the group "sre", and you are not one`,
    ],
    ["in the group", SRE, { id: 2, groups: ["sre"] }, null],
  ])("%s", (_, policy, approver, refusal) => {
    expect(approverRefusal(policy, REQUESTER, approver)).toBe(refusal);
  });
});
