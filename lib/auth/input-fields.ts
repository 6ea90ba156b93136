// Fields every action schema shares, so that what Postgres would refuse is refused by zod,
// beside its field, instead of failing the transaction (a NUL in a reason, or a
// serviceId of 2^31, ended as "Something went wrong"). define-action.ts maps the refusals
// that still reach Postgres to an `invalid` answer; these keep them from getting there.
import { z } from "zod";
import { textProblem } from "@/lib/domain/text-input";

export const INT4_MAX = 2_147_483_647;
const INT8_MAX = 2n ** 63n - 1n;

/** The text schema, refusing what a text column cannot hold as sent: NUL, lone surrogates. */
export function storable<T extends z.ZodType<string>>(schema: T): T {
  return schema.superRefine((value: string, ctx) => {
    const problem = textProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }) as unknown as T;
}

/** The id of a row keyed by an int4 serial (services, users, tokens), from a form's text or a number. */
export const rowId = (message: string) =>
  z.coerce
    .number({ error: message })
    .int({ error: message })
    .positive({ error: message })
    .max(INT4_MAX, { error: message });

/** The id of a row keyed by a bigint serial (requests), as a number within the safe integers. */
export const bigRowId = (message: string) =>
  z.coerce
    .number({ error: message })
    .int({ error: message })
    .positive({ error: message })
    .max(Number.MAX_SAFE_INTEGER, { error: message });

/** A bigint id kept as its decimal text (alerts, silences): digits, and within int8. */
export const bigRowIdText = (message: string) =>
  z
    .string({ error: message })
    .regex(/^[1-9]\d{0,18}$/, message)
    .refine((s) => BigInt(s) <= INT8_MAX, message);
