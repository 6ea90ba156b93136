"use server";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { rejectionInputSchema } from "@/lib/requests/request-input";
import { loadRequestSubject } from "@/lib/requests/subject";
import { decideRequest, type DecisionResult } from "../decide-request";

// Reject a request (DESIGN.md "Roles"): approvers and admins, never their own, with a comment that
// tells the requester why.

const action = defineAction({
  permission: "request.reject",
  input: rejectionInputSchema,
  subject: loadRequestSubject,
  run: ({ tx, actor, input }) => decideRequest(tx, actor, input, "rejected"),
  revalidate: ["/approvals"],
});

export async function rejectRequest(input: unknown): Promise<ActionResult<DecisionResult>> {
  return action(input);
}

/** For useActionState: the form's fields as the input. */
export async function rejectRequestFromForm(
  _previous: ActionResult<DecisionResult> | null,
  form: FormData,
): Promise<ActionResult<DecisionResult>> {
  return action(Object.fromEntries(form));
}
