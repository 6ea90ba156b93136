"use server";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { decisionInputSchema } from "@/lib/requests/request-input";
import { loadRequestSubject } from "@/lib/requests/subject";
import { decideRequest, type DecisionResult } from "../decide-request";

// Approve a request (DESIGN.md "Roles", docs/adr/0015): approvers and admins, never their own, and only while the
// change it was asked for is still the change the fleet would get.

const action = defineAction({
  permission: "request.approve",
  input: decisionInputSchema,
  subject: loadRequestSubject,
  run: ({ tx, actor, input }) => decideRequest(tx, actor, input, "approved"),
  revalidate: ["/approvals"],
});

export async function approveRequest(input: unknown): Promise<ActionResult<DecisionResult>> {
  return action(input);
}

/** For useActionState: the form's fields as the input. */
export async function approveRequestFromForm(
  _previous: ActionResult<DecisionResult> | null,
  form: FormData,
): Promise<ActionResult<DecisionResult>> {
  return action(Object.fromEntries(form));
}
