"use server";
import { formFields } from "@/lib/admin/form-data";
import { userIdInput, type UserIdInput } from "@/lib/admin/schemas";
import { userSubject } from "@/lib/admin/subjects";
import { setUserDisabled, type UserChangeResult } from "@/lib/admin/users";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

const action = defineAction({
  permission: "user.manage",
  input: userIdInput,
  subject: (tx, input) => userSubject(tx, input.userId),
  run: async ({ tx, actor, input }) => {
    const result = await setUserDisabled(tx, actor.id, input.userId, false);
    return { data: result, audit: { details: { username: result.username, wasDisabled: result.before.disabled } } };
  },
  revalidate: ["/admin/users"],
});

/** Enables a disabled user again. */
export async function enableUser(input: UserIdInput): Promise<ActionResult<UserChangeResult>> {
  return action(input);
}

export async function enableUserForm(_previous: ActionResult<UserChangeResult> | null, formData: FormData): Promise<ActionResult<UserChangeResult>> {
  return action(formFields(formData));
}
