"use server";
import { formFields } from "@/lib/auth/form-data";
import { changeUserGroupsInput, type ChangeUserGroupsInput } from "@/lib/admin/schemas";
import { userSubject } from "@/lib/admin/subjects";
import { changeUserGroups as change } from "@/lib/admin/users";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

type GroupsChanged = { username: string; before: string[]; after: string[] };

const action = defineAction({
  prisma: true,
  permission: "user.manage",
  input: changeUserGroupsInput,
  subject: (tx, input) => userSubject(tx, input.userId),
  run: async ({ tx, input }) => {
    const result = await change(tx, input.userId, input.groups);
    return { data: result, audit: { details: { username: result.username, before: result.before } } };
  },
  revalidate: ["/admin/users"],
});

/** Sets a user's groups (what an approval policy's required group is checked against). */
export async function changeUserGroups(input: ChangeUserGroupsInput): Promise<ActionResult<GroupsChanged>> {
  return action(input);
}

export async function changeUserGroupsForm(
  _previous: ActionResult<GroupsChanged> | null,
  formData: FormData,
): Promise<ActionResult<GroupsChanged>> {
  return action(formFields(formData));
}
