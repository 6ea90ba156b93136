"use server";
import { userIdInput, type UserIdInput } from "@/lib/admin/schemas";
import { userSubject } from "@/lib/admin/subjects";
import { setUserDisabled, type UserChangeResult } from "@/lib/admin/users";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

// Disabling and enabling a user: one action each (each is its own audit entry), the same
// permission, subject and rules (lib/admin/users.ts setUserDisabled).
const toggle = (disabled: boolean) =>
  defineAction({
    prisma: true,
    permission: "user.manage",
    input: userIdInput,
    subject: (tx, input) => userSubject(tx, input.userId),
    run: async ({ tx, actor, input }) => {
      const result = await setUserDisabled(tx, actor.id, input.userId, disabled);
      return { data: result, audit: { details: { username: result.username, wasDisabled: result.before.disabled } } };
    },
    revalidate: ["/admin/users"],
  });

const disable = toggle(true);
const enable = toggle(false);

/** Disables a user and ends their sessions (they are signed out at their next request). Refused for oneself and for the last enabled admin. */
export async function disableUser(input: UserIdInput): Promise<ActionResult<UserChangeResult>> {
  return disable(input);
}

/** Enables a disabled user again; the sessions that disabling ended stay ended. */
export async function enableUser(input: UserIdInput): Promise<ActionResult<UserChangeResult>> {
  return enable(input);
}
