"use server";
import { formFields } from "@/lib/auth/form-data";
import { removeApprovalPolicy as remove } from "@/lib/admin/policies";
import { serviceIdInput, type ServiceIdInput } from "@/lib/admin/schemas";
import { serviceSubject } from "@/lib/admin/subjects";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

const action = defineAction({
  prisma: true,
  permission: "policy.manage",
  input: serviceIdInput,
  subject: (tx, input) => serviceSubject(tx, input.serviceId, "approval_policy"),
  run: async ({ tx, input }) => {
    const { before } = await remove(tx, input.serviceId);
    return { data: { serviceId: input.serviceId }, audit: { details: { before } } };
  },
  revalidate: ["/admin/policies"],
});

/** Drops a service's own policy: its new requests need the default, one approver. */
export async function removeApprovalPolicy(input: ServiceIdInput): Promise<ActionResult<{ serviceId: number }>> {
  return action(input);
}

export async function removeApprovalPolicyForm(
  _previous: ActionResult<{ serviceId: number }> | null,
  formData: FormData,
): Promise<ActionResult<{ serviceId: number }>> {
  return action(formFields(formData));
}
