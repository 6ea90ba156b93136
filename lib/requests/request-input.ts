// What a reload or rollback request form sends, checked on the server (zod). Form fields
// arrive as text; a JSON caller may send numbers. What needs the database (the service's
// resources, the live instances, the desired version) is checked in create-request.ts.
import { z } from "zod";
import { bigRowId, rowId, storable } from "@/lib/auth/input-fields";

const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

export const requestInputSchema = z
  .object({
    serviceId: rowId("pick a service"),
    kind: storable(z.string({ error: "pick what to reload" }).trim().min(1, "pick what to reload").max(64)),
    resource: storable(z.string({ error: "pick what to reload" }).trim().min(1, "pick what to reload").max(512)),
    toVersion: storable(
      z
        .string({ error: "give the version to reload to" })
        .trim()
        .min(1, "give the version to reload to")
        .max(256, "must be at most 256 characters"),
    ),
    scope: z.enum(["all", "count", "percent"], { error: "pick all instances, or a canary by count or by percent" }),
    canaryCount: z.preprocess(
      blankToUndefined,
      z.coerce.number({ error: "must be a number" }).int("must be a whole number").optional(),
    ),
    canaryPercent: z.preprocess(blankToUndefined, z.coerce.number({ error: "must be a number" }).optional()),
    reason: storable(
      z
        .string({ error: "say why" })
        .trim()
        .min(1, "say why: the approvers read it")
        .max(2000, "must be at most 2000 characters"),
    ),
  })
  .superRefine((input, ctx) => {
    if (input.scope === "count" && input.canaryCount === undefined) {
      ctx.addIssue({ code: "custom", path: ["canaryCount"], message: "how many instances go first?" });
    }
    if (input.scope === "percent" && input.canaryPercent === undefined) {
      ctx.addIssue({ code: "custom", path: ["canaryPercent"], message: "what share of the instances goes first?" });
    }
  });

export type RequestInput = z.infer<typeof requestInputSchema>;

export const decisionInputSchema = z.object({
  requestId: bigRowId("which request?"),
  comment: z.preprocess(
    (v) => (v == null ? "" : v),
    storable(z.string().trim().max(2000, "must be at most 2000 characters")),
  ),
});

export const rejectionInputSchema = decisionInputSchema.extend({
  comment: z.preprocess(
    (v) => (v == null ? "" : v),
    storable(
      z
        .string()
        .trim()
        .min(1, "say why it is rejected: the requester reads it")
        .max(2000, "must be at most 2000 characters"),
    ),
  ),
});

export type DecisionInput = z.infer<typeof decisionInputSchema>;
