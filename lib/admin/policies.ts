import "server-only";
import { ActionError } from "@/lib/auth/action-error";
import type { DbTransaction } from "@/lib/db/client";
import { nullIfMissing } from "@/lib/db/missing";

// Approval policies: how many distinct approvers a service's requests need (0, 1 or 2) and,
// optionally, a group they must carry (app_user.groups). A service without a row needs
// DEFAULT_REQUIRED_APPROVALS (lib/domain/admin-rules.ts). A request copies the policy when
// it is made (reload_request.required_approvals), so a change applies to new requests.

export interface PolicyValues {
  requiredApprovals: number;
  requiredGroup: string | null;
}

const POLICY_VALUES = { requiredApprovals: true, requiredGroup: true } as const;

const pick = ({ requiredApprovals, requiredGroup }: PolicyValues): PolicyValues => ({
  requiredApprovals,
  requiredGroup,
});

export async function saveApprovalPolicy(
  tx: DbTransaction,
  actorId: number,
  serviceId: number,
  policy: PolicyValues,
): Promise<{ before: PolicyValues | null }> {
  // Locked (Prisma has no FOR UPDATE), so `before` is what this change replaces.
  const [before] = await tx.query<PolicyValues[]>(
    `SELECT required_approvals AS "requiredApprovals", required_group AS "requiredGroup"
     FROM approval_policy WHERE service_id = $1 FOR UPDATE`,
    serviceId,
  );
  const saved = { ...pick(policy), updatedAt: new Date(), updatedBy: actorId };
  await tx.db.approvalPolicy.upsert({
    where: { serviceId },
    create: { serviceId, ...saved },
    update: saved,
    select: { serviceId: true },
  });
  return { before: before ?? null };
}

export async function removeApprovalPolicy(tx: DbTransaction, serviceId: number): Promise<{ before: PolicyValues }> {
  const before = await nullIfMissing(tx.db.approvalPolicy.delete({ where: { serviceId }, select: POLICY_VALUES }));
  if (!before)
    throw new ActionError("not_found", "This service has no policy of its own (it may have been removed already).");
  return { before };
}
