"use server";
import { formFields } from "@/lib/auth/form-data";
import { serviceIdInput, type ServiceIdInput } from "@/lib/admin/schemas";
import { serviceSubject } from "@/lib/admin/subjects";
import { removeReloadTarget as remove } from "@/lib/admin/targets";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { targetHostOf } from "@/lib/domain/target-address";

const action = defineAction({
  prisma: true,
  permission: "target.manage",
  input: serviceIdInput,
  subject: (tx, input) => serviceSubject(tx, input.serviceId, "reload_target"),
  run: async ({ tx, input }) => {
    const removed = await remove(tx, input.serviceId);
    return { data: { serviceId: input.serviceId }, audit: { details: { host: targetHostOf(removed.url) } } };
  },
  revalidate: ["/admin/targets"],
});

/** Removes a service's reload target (and its secret); its reloads fail at dispatch until one is set again. */
export async function removeReloadTarget(input: ServiceIdInput): Promise<ActionResult<{ serviceId: number }>> {
  return action(input);
}

export async function removeReloadTargetForm(
  _previous: ActionResult<{ serviceId: number }> | null,
  formData: FormData,
): Promise<ActionResult<{ serviceId: number }>> {
  return action(formFields(formData));
}
