// The alert rules' catalogue: for each rule its title, default severity and the thresholds
// an admin may change (alert_rule.params holds only overrides; defaults live here, so a new
// threshold needs no migration). Pure.
import { z } from "zod";
import type { RuleId, Severity } from "./types";

const minutes = (max: number) => z.number().int().min(1).max(max);

/** Each rule's thresholds, with their defaults. */
export const RULE_PARAMS = {
  // Drift's threshold is DRIFT_THRESHOLD_SECONDS, applied inside the one drift function: a
  // second, alert-only threshold would let an alert disagree with the matrix (DESIGN.md).
  drift: z.object({
    /** instances named in the alert; the count is always complete */
    listInstances: z.number().int().min(1).max(500).default(50),
  }),
  reload_failures: z.object({
    /** a reload's failures alert while its last failure is this recent and nothing newer fixed it */
    lookbackMinutes: minutes(7 * 24 * 60).default(60),
    /** failure ratio of a service's finished reloads over this window… */
    ratioWindowMinutes: minutes(7 * 24 * 60).default(60),
    /** …above this percentage… */
    ratioPercent: z.number().min(1).max(100).default(50),
    /** …counted only from this many finished reloads */
    ratioMinReloads: z.number().int().min(1).max(10_000).default(5),
  }),
  reload_stuck: z.object({
    /** targets not all finished this long after dispatch */
    ackWithinMinutes: minutes(24 * 60).default(10),
    /** an expired reload alerts for this long after its deadline, unless a newer reload of the resource came */
    lookbackMinutes: minutes(7 * 24 * 60).default(60),
  }),
  instance_stale: z.object({
    /** no event or heartbeat for this long (instances gone for INSTANCE_STALE_SECONDS are not reported) */
    silentMinutes: minutes(24 * 60).default(10),
  }),
  out_of_band_change: z.object({
    /** version changes by heartbeat this recent are considered */
    lookbackMinutes: minutes(30 * 24 * 60).default(24 * 60),
  }),
  unauthorized_attempt: z.object({
    windowMinutes: minutes(24 * 60).default(15),
    /** denied attempts of one source (a signed-in user, or an unauthenticated client address) in the window before it alerts; one is a typo, several are a pattern */
    minAttempts: z.number().int().min(1).max(1000).default(5),
  }),
  reload_storm: z.object({
    windowMinutes: minutes(24 * 60).default(10),
    /** more reloads of one resource than this in the window is a storm */
    maxReloads: z.number().int().min(1).max(10_000).default(5),
  }),
  regression: z.object({
    /** the windows compared: this long before the reload started and after it completed */
    windowMinutes: minutes(24 * 60).default(10),
    /** worse by more than this factor (p95 duration or error ratio) */
    factor: z.number().min(1).max(100).default(1.5),
    /** spans needed on each side before the comparison means anything */
    minSpans: z.number().int().min(1).max(1_000_000).default(20),
    /** reloads completed this recently are checked */
    lookbackMinutes: minutes(7 * 24 * 60).default(60),
  }),
} satisfies Record<RuleId, z.ZodObject>;

export type RuleParams<R extends RuleId> = z.infer<(typeof RULE_PARAMS)[R]>;

export interface RuleInfo {
  id: RuleId;
  title: string;
  description: string;
  defaultSeverity: Severity;
}

export const RULES: Record<RuleId, RuleInfo> = {
  drift: {
    id: "drift",
    title: "Version drift",
    description:
      "A resource's live instances run mixed versions, or not the desired one, for longer than DRIFT_THRESHOLD_SECONDS (the matrix's rule).",
    defaultSeverity: "warning",
  },
  reload_failures: {
    id: "reload_failures",
    title: "Reload failures",
    description:
      "Instances of a reload NACKed or failed it (errors grouped by message), or a service's reloads failed above a ratio over a window.",
    defaultSeverity: "critical",
  },
  reload_stuck: {
    id: "reload_stuck",
    title: "Stuck or expired reload",
    description: "A reload expired, or its targets have not all finished within N minutes of dispatch.",
    defaultSeverity: "warning",
  },
  instance_stale: {
    id: "instance_stale",
    title: "Stale instance",
    description: "No event or heartbeat from an instance for N minutes: it may be gone, or its reload handle dead.",
    defaultSeverity: "warning",
  },
  out_of_band_change: {
    id: "out_of_band_change",
    title: "Out-of-band change",
    description:
      "An instance's version changed, as its heartbeat reports, with no reload that targets it: nobody requested or approved it.",
    defaultSeverity: "critical",
  },
  unauthorized_attempt: {
    id: "unauthorized_attempt",
    title: "Unauthorized attempt",
    description:
      "Several denied attempts from one source, from the audit log: a signed-in user denied an action (a request, an approval, a change of settings), or failed sign-ins from one client address.",
    defaultSeverity: "warning",
  },
  reload_storm: {
    id: "reload_storm",
    title: "Reload storm",
    description: "More than N reloads of one resource within a window.",
    defaultSeverity: "warning",
  },
  regression: {
    id: "regression",
    title: "Regression after a reload",
    description:
      "The service's p95 span duration or error ratio after a reload is worse than before it by more than a factor.",
    defaultSeverity: "critical",
  },
};

/** One rule as configured: the defaults with an admin's overrides. */
export interface RuleConfig<R extends RuleId = RuleId> {
  rule: R;
  enabled: boolean;
  severity: Severity;
  params: RuleParams<R>;
}

export type RuleConfigs = { [R in RuleId]: RuleConfig<R> };

export interface RuleOverride {
  rule: string;
  enabled: boolean;
  severity: Severity;
  params: unknown;
}

/**
 * The configuration of every rule from the stored overrides. Overrides were validated when
 * saved; a stored one that no longer parses (a threshold renamed since) falls back to the
 * defaults for that rule rather than stopping evaluation, and is reported.
 */
export function resolveRuleConfigs(overrides: RuleOverride[]): { configs: RuleConfigs; problems: string[] } {
  const problems: string[] = [];
  const byRule = new Map(overrides.map((o) => [o.rule, o]));
  const configs = {} as Record<RuleId, RuleConfig>;
  for (const id of Object.keys(RULES) as RuleId[]) {
    const override = byRule.get(id);
    const parsed = RULE_PARAMS[id].safeParse(override?.params ?? {});
    if (!parsed.success)
      problems.push(
        `${id}: stored thresholds ignored (${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")})`,
      );
    configs[id] = {
      rule: id,
      enabled: override?.enabled ?? true,
      severity: override?.severity ?? RULES[id].defaultSeverity,
      params: parsed.success ? parsed.data : RULE_PARAMS[id].parse({}),
    };
  }
  return { configs: configs as RuleConfigs, problems };
}

/** Validates an admin's thresholds for one rule: the stored object (only what was given, checked against the rule's schema). */
export function parseRuleParams(
  rule: RuleId,
  params: unknown,
): { ok: true; params: Record<string, unknown> } | { ok: false; errors: Record<string, string[]> } {
  const schema = RULE_PARAMS[rule].partial().strict();
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) {
    // zod fills defaults even in a partial schema; store only what the admin gave, so a
    // default changed in code still applies to the thresholds nobody overrode.
    const given = new Set(Object.keys((params ?? {}) as object));
    return { ok: true, params: Object.fromEntries(Object.entries(parsed.data).filter(([k]) => given.has(k))) };
  }
  const errors: Record<string, string[]> = {};
  for (const issue of parsed.error.issues)
    (errors[issue.path.length ? `params.${issue.path.join(".")}` : "params"] ??= []).push(issue.message);
  return { ok: false, errors };
}
