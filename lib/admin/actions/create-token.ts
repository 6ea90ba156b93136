"use server";
import { formFields } from "@/lib/auth/form-data";
import { createTokenInput, type CreateTokenInput } from "@/lib/admin/schemas";
import { createIngestToken } from "@/lib/api/token-admin";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import type { Scope } from "@/lib/domain/token-scopes";

export interface CreatedToken {
  id: number;
  name: string;
  prefix: string;
  scopes: Scope[];
  /** environment/service patterns; null = every service */
  restrictions: string[] | null;
  /** the whole token: in this answer only, never stored or shown again */
  token: string;
}

const action = defineAction({
  prisma: true,
  permission: "token.manage",
  input: createTokenInput,
  run: async ({ tx, input }) => {
    const created = await createIngestToken(input.name, input.scopes, tx.db, input.restrictions ?? null);
    return {
      data: {
        id: created.id,
        name: input.name,
        prefix: created.prefix,
        scopes: created.scopes,
        restrictions: created.restrictions,
        token: created.token,
      },
      // The prefix names the token in lists and logs; the token itself is never audited.
      audit: {
        subject: `ingest_token:${created.id}`,
        details: { prefix: created.prefix, restrictions: created.restrictions },
      },
    };
  },
  revalidate: ["/admin/tokens"],
});

/** Makes a token with scopes ingest and/or read, optionally restricted to some services; the answer carries the whole token, once. */
export async function createToken(input: CreateTokenInput): Promise<ActionResult<CreatedToken>> {
  return action(input);
}

export async function createTokenForm(
  _previous: ActionResult<CreatedToken> | null,
  formData: FormData,
): Promise<ActionResult<CreatedToken>> {
  return action(formFields(formData, ["scopes"]));
}
