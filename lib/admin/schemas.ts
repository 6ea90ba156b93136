// What each admin action accepts. Inputs come either as plain objects (tests, scripts, the
// role × action matrix) or from a form (every value a string, checkboxes repeated), so ids
// and numbers are coerced and lists take a string too. The rules themselves are the pure
// functions of lib/domain/admin-rules.ts; these schemas only attach them to fields, so each
// error lands beside the field it is about.
import { z } from "zod";
import { rowId, storable } from "@/lib/auth/input-fields";
import { targetAddressRules } from "@/lib/env";
import { targetHostVerdict } from "@/lib/domain/target-address";
import {
  checkTargetUrl,
  groupProblem,
  GROUPS_MAX,
  parseGroupList,
  passwordProblem,
  REQUIRED_APPROVAL_CHOICES,
  TARGET_SECRET_MAX,
  TARGET_SECRET_MIN,
  usernameProblem,
} from "@/lib/domain/admin-rules";
import { ROLES } from "@/lib/domain/permissions";
import { parseRestrictionList } from "@/lib/domain/token-restrictions";
import { SCOPES } from "@/lib/domain/token-scopes";

function rule<T>(check: (value: T) => string | null) {
  return (value: T, ctx: z.RefinementCtx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  };
}

const id = (what: string) => rowId(`Choose a ${what}.`);

const role = z.enum(ROLES, { error: `Choose a role: ${ROLES.join(", ")}.` });

// A comma-separated string (the form) or a list (callers); blanks and repeats are dropped either way.
const groups = z.preprocess(
  (value) =>
    value === undefined || value === null
      ? []
      : typeof value === "string"
        ? parseGroupList(value)
        : Array.isArray(value)
          ? [...new Set(value.map((g) => (typeof g === "string" ? g.trim() : g)).filter((g) => g !== ""))]
          : value,
  z
    .array(z.string().trim().superRefine(rule(groupProblem)), { error: "List groups separated by commas." })
    .max(GROUPS_MAX, { error: `At most ${GROUPS_MAX} groups.` }),
);

const username = z.string({ error: "Enter a username." }).trim().superRefine(rule(usernameProblem));

export const createUserInput = z
  .object({
    username,
    displayName: storable(z.string().trim().max(100, { error: "Use at most 100 characters." }))
      .optional()
      .default(""),
    role,
    groups,
    // Checked on its own first, so a short password is named even while other fields are wrong…
    password: z
      .string({ error: "Enter a password." })
      .superRefine(rule((password: string) => passwordProblem(password))),
  })
  // …and against the username once both are valid (an object refinement runs only then).
  .superRefine((input, ctx) => {
    const problem = passwordProblem(input.password, input.username);
    if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
  });
export type CreateUserInput = z.input<typeof createUserInput>;

export const changeUserRoleInput = z.object({ userId: id("user"), role });
export type ChangeUserRoleInput = z.input<typeof changeUserRoleInput>;

export const changeUserGroupsInput = z.object({ userId: id("user"), groups });
export type ChangeUserGroupsInput = z.input<typeof changeUserGroupsInput>;

export const userIdInput = z.object({ userId: id("user") });
export type UserIdInput = z.input<typeof userIdInput>;

export const resetPasswordInput = z.object({
  userId: id("user"),
  // The username rule is checked in the action, which reads the row.
  password: z.string({ error: "Enter a password." }).superRefine(rule((password: string) => passwordProblem(password))),
});
export type ResetPasswordInput = z.input<typeof resetPasswordInput>;

export const createTokenInput = z.object({
  name: storable(
    z
      .string({ error: "Name the token after who will use it." })
      .trim()
      .min(1, { error: "Name the token after who will use it, such as “payments pipeline”." })
      .max(100, { error: "Use at most 100 characters." }),
  ),
  scopes: z.preprocess(
    (value) => (value === undefined || value === null ? [] : typeof value === "string" ? [value] : value),
    z
      .array(z.enum(SCOPES, { error: `A scope is one of: ${SCOPES.join(", ")}.` }))
      .min(1, { error: "Pick at least one scope: a token that may do nothing is of no use." }),
  ),
  // Patterns one a line or comma-separated (the form), or a list; none: every service.
  restrictions: z
    .union([z.string(), z.array(z.string())], {
      error: "List patterns such as prod/* or staging/payments/*, one a line.",
    })
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const parsed = parseRestrictionList(value);
      if (!parsed.ok) {
        ctx.addIssue({ code: "custom", message: `${parsed.problem}.` });
        return z.NEVER;
      }
      return parsed.patterns ?? undefined;
    }),
});
export type CreateTokenInput = z.input<typeof createTokenInput>;

export const revokeTokenInput = z.object({ tokenId: id("token") });
export type RevokeTokenInput = z.input<typeof revokeTokenInput>;

export const SECRET_MODES = ["generate", "enter", "keep"] as const;

export const saveReloadTargetInput = z
  .object({
    serviceId: id("service"),
    url: z.string({ error: "Enter the URL reloads are sent to." }),
    secretMode: z.enum(SECRET_MODES, {
      error: "Say whether to generate a secret, enter one, or keep the current one.",
    }),
    secret: z.string().trim().optional(),
  })
  .transform((input, ctx) => {
    const checked = checkTargetUrl(input.url);
    if (!checked.ok) ctx.addIssue({ code: "custom", path: ["url"], message: checked.problem });
    // The host as typed (here, not in admin-rules: the form's client bundle imports that, and
    // this rule needs node:net); a name is judged again by what it resolves to at each attempt.
    const host = checked.ok ? targetHostVerdict(new URL(checked.url).hostname, targetAddressRules()) : null;
    if (host && !host.allowed) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: `Reload targets may not be at a ${host.category} address. Use the service's own address, or ask an operator to list this host in TARGET_ALLOWED_HOSTS.`,
      });
    }
    if (input.secretMode === "enter") {
      const length = input.secret?.length ?? 0;
      if (length < TARGET_SECRET_MIN || length > TARGET_SECRET_MAX) {
        ctx.addIssue({
          code: "custom",
          path: ["secret"],
          message: `Use ${TARGET_SECRET_MIN}–${TARGET_SECRET_MAX} characters (an HMAC-SHA256 key should carry 256 bits), or let the app generate one.`,
        });
      }
    }
    return {
      serviceId: input.serviceId,
      url: checked.ok ? checked.url : input.url,
      secretMode: input.secretMode,
      // Only an entered secret travels on; "generate" makes one inside the action.
      secret: input.secretMode === "enter" ? (input.secret ?? "") : null,
    };
  });
export type SaveReloadTargetInput = z.input<typeof saveReloadTargetInput>;

export const serviceIdInput = z.object({ serviceId: id("service") });
export type ServiceIdInput = z.input<typeof serviceIdInput>;

export const saveApprovalPolicyInput = z
  .object({
    serviceId: id("service"),
    requiredApprovals: z.coerce
      .number({ error: "Choose 0, 1 or 2 approvals." })
      .refine((n) => (REQUIRED_APPROVAL_CHOICES as readonly number[]).includes(n), {
        error: "Choose 0, 1 or 2 approvals.",
      }),
    requiredGroup: z
      .string()
      .trim()
      .optional()
      .transform((group) => (group ? group : null)),
  })
  .superRefine((input, ctx) => {
    if (input.requiredGroup === null) return;
    const problem = groupProblem(input.requiredGroup);
    if (problem) ctx.addIssue({ code: "custom", path: ["requiredGroup"], message: problem });
    else if (input.requiredApprovals === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["requiredGroup"],
        message: "A group only matters when approvals are needed: choose 1 or 2, or clear the group.",
      });
    }
  });
export type SaveApprovalPolicyInput = z.input<typeof saveApprovalPolicyInput>;
