"use server";
import { formFields } from "@/lib/auth/form-data";
import { resetPasswordInput, type ResetPasswordInput } from "@/lib/admin/schemas";
import { userSubject } from "@/lib/admin/subjects";
import { setUserPasswordHash } from "@/lib/admin/users";
import { ActionError, defineAction, type ActionResult } from "@/lib/auth/define-action";
import { hashPassword } from "@/lib/auth/users";
import { passwordProblem } from "@/lib/domain/admin-rules";

const action = defineAction({
  prisma: true,
  permission: "user.manage",
  input: resetPasswordInput,
  subject: (tx, input) => userSubject(tx, input.userId),
  run: async ({ tx, input }) => {
    const user = await tx.db.appUser.findUnique({ where: { id: input.userId }, select: { username: true } });
    // The username rule needs the row, so it is checked here rather than in the schema.
    const problem = passwordProblem(input.password, user?.username);
    if (problem) throw new ActionError("invalid", "Some fields need attention.", { password: [problem] });
    const result = await setUserPasswordHash(tx, input.userId, await hashPassword(input.password));
    return { data: result, audit: { details: { username: result.username } } };
  },
  auditInput: ({ userId }) => ({ userId }),
  revalidate: ["/admin/users"],
});

/** Sets a local user's password (≥ 12 characters); OIDC users have none here. */
export async function resetUserPassword(input: ResetPasswordInput): Promise<ActionResult<{ username: string }>> {
  return action(input);
}

export async function resetUserPasswordForm(
  _previous: ActionResult<{ username: string }> | null,
  formData: FormData,
): Promise<ActionResult<{ username: string }>> {
  return action(formFields(formData));
}
