"use server";
import { formFields } from "@/lib/auth/form-data";
import { saveApprovalPolicy as save, type PolicyValues } from "@/lib/admin/policies";
import { saveApprovalPolicyInput, type SaveApprovalPolicyInput } from "@/lib/admin/schemas";
import { serviceSubject } from "@/lib/admin/subjects";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

type SavedPolicy = { serviceId: number } & PolicyValues;

const action = defineAction({
  prisma: true,
  permission: "policy.manage",
  input: saveApprovalPolicyInput,
  subject: (tx, input) => serviceSubject(tx, input.serviceId, "approval_policy"),
  run: async ({ tx, actor, input }) => {
    const policy = { requiredApprovals: input.requiredApprovals, requiredGroup: input.requiredGroup };
    const { before } = await save(tx, actor.id, input.serviceId, policy);
    return { data: { serviceId: input.serviceId, ...policy }, audit: { details: { before } } };
  },
  revalidate: ["/admin/policies"],
});

/** Sets how many distinct approvers (0–2, optionally of one group) a service's new requests need. */
export async function saveApprovalPolicy(input: SaveApprovalPolicyInput): Promise<ActionResult<SavedPolicy>> {
  return action(input);
}

export async function saveApprovalPolicyForm(
  _previous: ActionResult<SavedPolicy> | null,
  formData: FormData,
): Promise<ActionResult<SavedPolicy>> {
  return action(formFields(formData));
}
