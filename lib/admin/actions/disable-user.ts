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
    const result = await setUserDisabled(tx, actor.id, input.userId, true);
    return { data: result, audit: { details: { username: result.username, wasDisabled: result.before.disabled } } };
  },
  revalidate: ["/admin/users"],
});

/** Disables a user: they are signed out at their next request (the role is read on every one). Refused for oneself and for the last enabled admin. */
export async function disableUser(input: UserIdInput): Promise<ActionResult<UserChangeResult>> {
  return action(input);
}

export async function disableUserForm(_previous: ActionResult<UserChangeResult> | null, formData: FormData): Promise<ActionResult<UserChangeResult>> {
  return action(formFields(formData));
}
