"use server";
import { formFields } from "@/lib/auth/form-data";
import { changeUserRoleInput, type ChangeUserRoleInput } from "@/lib/admin/schemas";
import { userSubject } from "@/lib/admin/subjects";
import { changeUserRole as change, type UserChangeResult } from "@/lib/admin/users";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

const action = defineAction({
  prisma: true,
  permission: "user.manage",
  input: changeUserRoleInput,
  subject: (tx, input) => userSubject(tx, input.userId),
  run: async ({ tx, actor, input }) => {
    const result = await change(tx, actor.id, input.userId, input.role);
    return {
      data: result,
      audit: { details: { username: result.username, before: result.before.role, after: result.after.role } },
    };
  },
  revalidate: ["/admin/users"],
});

/** Changes a user's role; refused for one's own admin role and when it would leave no enabled admin. */
export async function changeUserRole(input: ChangeUserRoleInput): Promise<ActionResult<UserChangeResult>> {
  return action(input);
}

export async function changeUserRoleForm(
  _previous: ActionResult<UserChangeResult> | null,
  formData: FormData,
): Promise<ActionResult<UserChangeResult>> {
  return action(formFields(formData));
}
