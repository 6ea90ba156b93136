"use server";
import { formFields } from "@/lib/auth/form-data";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { targetHostOf } from "@/lib/domain/target-address";
import { removeSource as remove, sourceSubject } from "@/lib/sources/admin";
import { sourceIdInput, type SourceIdInput } from "@/lib/sources/schemas";

const action = defineAction({
  prisma: true,
  permission: "source.manage",
  input: sourceIdInput,
  subject: (tx, input) => sourceSubject(tx, input.sourceId),
  run: async ({ tx, input }) => {
    const removed = await remove(tx, input.sourceId);
    return {
      data: { sourceId: input.sourceId },
      audit: { details: { name: removed.name, host: targetHostOf(removed.url) } },
    };
  },
  revalidate: ["/admin/sources"],
});

/** Removes a source, its token and its series; the events it wrote stay in history. */
export async function removeSource(input: SourceIdInput): Promise<ActionResult<{ sourceId: number }>> {
  return action(input);
}

export async function removeSourceForm(
  _previous: ActionResult<{ sourceId: number }> | null,
  formData: FormData,
): Promise<ActionResult<{ sourceId: number }>> {
  return action(formFields(formData));
}
