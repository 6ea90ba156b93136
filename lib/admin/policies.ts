import "server-only";
import { ActionError } from "@/lib/auth/action-error";
import type { Sql } from "@/lib/db/client";

// Approval policies: how many distinct approvers a service's requests need (0, 1 or 2) and,
// optionally, a group they must carry (app_user.groups). A service without a row needs
// DEFAULT_REQUIRED_APPROVALS (lib/domain/admin-rules.ts). A request copies the policy when
// it is made (reload_request.required_approvals), so a change applies to new requests.

export interface PolicyValues {
  requiredApprovals: number;
  requiredGroup: string | null;
}

export async function saveApprovalPolicy(
  tx: Sql,
  actorId: number,
  serviceId: number,
  policy: PolicyValues,
): Promise<{ before: PolicyValues | null }> {
  const [before] = await tx.query<{ requiredApprovals: number; requiredGroup: string | null }[]>(
    `SELECT required_approvals AS "requiredApprovals", required_group AS "requiredGroup"
     FROM approval_policy WHERE service_id = $1 FOR UPDATE`,
    serviceId,
  );
  await tx.execute(
    `INSERT INTO approval_policy (service_id, required_approvals, required_group, updated_at, updated_by) VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (service_id) DO UPDATE SET required_approvals = EXCLUDED.required_approvals,
       required_group = EXCLUDED.required_group, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
    serviceId,
    policy.requiredApprovals,
    policy.requiredGroup,
    actorId,
  );
  return { before: before ?? null };
}

export async function removeApprovalPolicy(tx: Sql, serviceId: number): Promise<{ before: PolicyValues }> {
  const [before] = await tx.query<{ requiredApprovals: number; requiredGroup: string | null }[]>(
    `DELETE FROM approval_policy WHERE service_id = $1
     RETURNING required_approvals AS "requiredApprovals", required_group AS "requiredGroup"`,
    serviceId,
  );
  if (!before) throw new ActionError("not_found", "This service has no policy of its own (it may have been removed already).");
  return { before };
}
