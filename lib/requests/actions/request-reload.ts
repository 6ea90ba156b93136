"use server";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { createRequest, type CreatedRequest } from "../create-request";
import { requestInputSchema } from "../request-input";
import { loadServiceSubject } from "../subject";

// Request a reload of one resource of a service (DESIGN.md "Roles"): operators and admins.

const action = defineAction({
  permission: "reload.request",
  input: requestInputSchema,
  subject: loadServiceSubject,
  run: ({ tx, actor, input }) => createRequest(tx, actor, input, "reload"),
  revalidate: ["/approvals"],
});

export async function requestReload(input: unknown): Promise<ActionResult<CreatedRequest>> {
  return action(input);
}

/** For useActionState: the form's fields as the input. */
export async function requestReloadFromForm(
  _previous: ActionResult<CreatedRequest> | null,
  form: FormData,
): Promise<ActionResult<CreatedRequest>> {
  return action(Object.fromEntries(form));
}
