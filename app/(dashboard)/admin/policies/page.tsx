import type { Metadata } from "next";
import { AdminsOnly } from "@/components/admin/admins-only";
import { ApprovalPolicyForm } from "@/components/admin/approval-policy-form";
import { ApprovalPolicyTable } from "@/components/admin/approval-policy-table";
import { ServiceFormPanel } from "@/components/admin/service-form-panel";
import { PageHead } from "@/components/page-head";
import { adminFor, knownGroups, listApprovalPolicies, listServiceOptions } from "@/lib/admin/queries";
import { requireActor } from "@/lib/auth/require-actor";
import { DEFAULT_REQUIRED_APPROVALS } from "@/lib/domain/admin-rules";
import { chosenServiceId } from "@/lib/query-params";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Approval policies · Admin" };

export default async function AdminPoliciesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  if (!(await adminFor("policy.manage"))) return <AdminsOnly actor={await requireActor()} />;
  const [policies, services, groups, params] = await Promise.all([
    listApprovalPolicies(),
    listServiceOptions(),
    knownGroups(),
    searchParams,
  ]);
  const initialServiceId = chosenServiceId(params);
  const now = new Date();
  return (
    <main>
      <PageHead title="Approval policies">
        How many distinct approvers a service&apos;s reload and rollback requests need before they are sent, and
        optionally which group they must belong to. Nobody approves their own request.
      </PageHead>
      <div className="banner" role="note">
        <span>
          A service without a policy of its own needs <b>{DEFAULT_REQUIRED_APPROVALS} approver</b> (any approver or
          admin). A request keeps the policy it was made under: a change applies to requests made after it.
        </span>
      </div>
      <section className="panel" aria-label="Policies" style={{ marginBottom: 16 }}>
        <h2>Services with their own policy ({policies.total})</h2>
        {policies.items.length === 0 ? (
          <div className="empty">
            Every service uses the default: {DEFAULT_REQUIRED_APPROVALS} approver per request.
          </div>
        ) : (
          <ApprovalPolicyTable policies={policies.items} now={now} />
        )}
      </section>
      <ServiceFormPanel
        label="Set a policy"
        id="set-policy"
        heading="Set a service's policy"
        hasServices={services.items.length > 0}
      >
        <ApprovalPolicyForm
          key={initialServiceId ?? "new"}
          services={services.items}
          existing={Object.fromEntries(
            policies.items.map((p) => [
              p.service.id,
              { requiredApprovals: p.requiredApprovals, requiredGroup: p.requiredGroup },
            ]),
          )}
          groups={groups}
          initialServiceId={initialServiceId}
        />
      </ServiceFormPanel>
    </main>
  );
}
