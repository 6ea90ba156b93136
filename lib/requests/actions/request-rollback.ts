"use server";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { createRequest, type CreatedRequest } from "../create-request";
import { requestInputSchema } from "../request-input";
import { loadServiceSubject } from "../subject";

// Request a rollback of one resource to a version it ran before (DESIGN.md "Roles"): operators and admins.

const action = defineAction({
  permission: "rollback.request",
  input: requestInputSchema,
  subject: loadServiceSubject,
  run: ({ tx, actor, input }) => createRequest(tx, actor, input, "rollback"),
  revalidate: ["/approvals"],
});

export async function requestRollback(input: unknown): Promise<ActionResult<CreatedRequest>> {
  return action(input);
}

/** For useActionState: the form's fields as the input. */
export async function requestRollbackFromForm(
  _previous: ActionResult<CreatedRequest> | null,
  form: FormData,
): Promise<ActionResult<CreatedRequest>> {
  return action(Object.fromEntries(form));
}
