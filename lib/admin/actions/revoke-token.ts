"use server";
import { formFields } from "@/lib/auth/form-data";
import { revokeTokenInput, type RevokeTokenInput } from "@/lib/admin/schemas";
import { tokenSubject } from "@/lib/admin/subjects";
import { markTokenRevoked, tokenLabel } from "@/lib/api/token-admin";
import { tokenAuth } from "@/lib/api/tokens";
import { ActionError, defineAction, type ActionResult } from "@/lib/auth/define-action";

type Revoked = { id: number; name: string; prefix: string };

const action = defineAction({
  prisma: true,
  permission: "token.manage",
  input: revokeTokenInput,
  // Locks the row, so two admins revoking at once give one "revoked" and one "already revoked".
  subject: (tx, input) => tokenSubject(tx, input.tokenId),
  run: async ({ tx, input }) => {
    const token = await tokenLabel(tx.db, input.tokenId);
    if (!token || !(await markTokenRevoked(tx.db, input.tokenId))) {
      throw new ActionError("conflict", `Token ${token?.prefix ?? input.tokenId} was already revoked.`);
    }
    return {
      data: { id: input.tokenId, name: token.name, prefix: token.prefix },
      audit: { details: { name: token.name, prefix: token.prefix } },
      // After commit: forgetting it earlier would let a request in between re-cache the live row.
      afterCommit: () => tokenAuth().forgetToken(input.tokenId),
    };
  },
  revalidate: ["/admin/tokens"],
});

/** Revokes a token: refused at once by this process, by every other within INGEST_TOKEN_CACHE_SECONDS. */
export async function revokeToken(input: RevokeTokenInput): Promise<ActionResult<Revoked>> {
  return action(input);
}

export async function revokeTokenForm(
  _previous: ActionResult<Revoked> | null,
  formData: FormData,
): Promise<ActionResult<Revoked>> {
  return action(formFields(formData));
}
