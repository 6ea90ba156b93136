"use client";
import { removeApprovalPolicy } from "@/lib/admin/actions/remove-approval-policy";
import type { ApprovalPolicyRow } from "@/lib/admin/queries";
import { DEFAULT_REQUIRED_APPROVALS } from "@/lib/domain/admin-rules";
import { isoUtc, relativeTime, serviceLabel } from "@/lib/format";
import { ConfirmButton } from "./form-kit";

export function ApprovalPolicyTable({ policies, now }: { policies: ApprovalPolicyRow[]; now: Date }) {
  return (
    <div className="table-wrap">
      <table aria-label="Approval policies">
        <thead>
          <tr>
            <th>Service</th>
            <th>Approvals needed</th>
            <th>Approvers must be in</th>
            <th>Who can approve</th>
            <th>Set</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {policies.map((policy) => {
            // The requester never counts, so a policy of N needs N approvers besides them.
            const short = policy.requiredApprovals > 0 && policy.eligibleApprovers < policy.requiredApprovals;
            return (
              <tr key={policy.service.id} data-policy-service={policy.service.id}>
                <td>
                  <a href={`/services/${policy.service.id}`}>{serviceLabel(policy.service)}</a>
                </td>
                <td>
                  <b>{policy.requiredApprovals}</b>
                  {policy.requiredApprovals === 0 ? <div className="when">sent without sign-off</div> : null}
                </td>
                <td>
                  {policy.requiredGroup ? (
                    <span className="label">{policy.requiredGroup}</span>
                  ) : (
                    <span className="muted">any group</span>
                  )}
                </td>
                <td>
                  {policy.requiredApprovals === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <>
                      {policy.eligibleApprovers} enabled approver{policy.eligibleApprovers === 1 ? "" : "s"}
                      {short ? (
                        <div
                          className="badge drift"
                          title="Requests for this service cannot collect enough approvals until more people qualify."
                        >
                          too few to approve
                        </div>
                      ) : null}
                    </>
                  )}
                </td>
                <td title={isoUtc(policy.updatedAt)}>
                  {relativeTime(policy.updatedAt, now)}
                  <div className="when">by {policy.updatedBy ?? "a removed user"}</div>
                </td>
                <td style={{ whiteSpace: "nowrap" }}>
                  <a href={`/admin/policies?service=${policy.service.id}#set-policy`}>Change</a>{" "}
                  <ConfirmButton
                    label="Use the default"
                    question={`Drop this policy? New requests for ${serviceLabel(policy.service)} then need ${DEFAULT_REQUIRED_APPROVALS} approver.`}
                    confirmLabel="Drop policy"
                    pendingText="Dropping…"
                    run={() => removeApprovalPolicy({ serviceId: policy.service.id })}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
