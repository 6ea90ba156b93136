"use server";
import { insertLocalUser } from "@/lib/admin/users";
import { formFields } from "@/lib/auth/form-data";
import { createUserInput, type CreateUserInput } from "@/lib/admin/schemas";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { hashPassword } from "@/lib/auth/users";
import type { Role } from "@/lib/domain/permissions";

export interface CreatedUser {
  id: number;
  username: string;
  role: Role;
}

const action = defineAction({
  prisma: true,
  permission: "user.manage",
  input: createUserInput,
  run: async ({ tx, input }) => {
    // Hashed inside the transaction (argon2id, tens of ms): an admin adds users rarely, and
    // defineAction has no step between parsing and the transaction.
    const passwordHash = await hashPassword(input.password);
    const { id } = await insertLocalUser(tx, { ...input, passwordHash });
    return { data: { id, username: input.username, role: input.role }, audit: { subject: `user:${id}` } };
  },
  // Never the password, not even hashed.
  auditInput: ({ password: _password, ...rest }) => rest,
  revalidate: ["/admin/users"],
});

/** Creates a local user (username rules and password length in lib/domain/admin-rules.ts). */
export async function createUser(input: CreateUserInput): Promise<ActionResult<CreatedUser>> {
  return action(input);
}

export async function createUserForm(
  _previous: ActionResult<CreatedUser> | null,
  formData: FormData,
): Promise<ActionResult<CreatedUser>> {
  return action(formFields(formData));
}
