"use server";
// Change one alert rule (admin only, alert.configure): on/off, severity, thresholds. Takes
// effect at the next evaluation; drift's threshold stays DRIFT_THRESHOLD_SECONDS, the
// matrix's (lib/domain/alerts/rules.ts says why).
import { z } from "zod";
import { updateAlertRuleIn } from "@/lib/alerts/commands";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { RULE_IDS, SEVERITIES } from "@/lib/domain/alerts/types";

const input = z.object({
  rule: z.enum(RULE_IDS, { message: "unknown rule" }),
  enabled: z.boolean(),
  severity: z.enum(SEVERITIES, { message: "critical, warning or info" }),
  params: z.record(z.string(), z.unknown()).default({}),
});

const action = defineAction({
  prisma: true,
  permission: "alert.configure",
  input,
  subject: async (_tx, { rule }) => ({ subject: `alert_rule:${rule}` }),
  run: async ({ tx, actor, input: given }) => {
    const { params } = await updateAlertRuleIn(tx, given, actor.id, new Date());
    return { data: { rule: given.rule, enabled: given.enabled, severity: given.severity, params } };
  },
  revalidate: ["/alerts"],
});

export async function updateAlertRule(
  raw: z.input<typeof input>,
): Promise<ActionResult<{ rule: string; enabled: boolean; severity: string; params: Record<string, unknown> }>> {
  return action(raw);
}
