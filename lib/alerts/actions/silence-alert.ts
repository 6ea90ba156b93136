"use server";
// Silence an alert (operator, approver, admin) for a preset duration, with a comment: this
// alert, its rule on its service, or its rule everywhere. Silenced alerts keep their state
// and are not delivered until the silence expires or is ended.
import { z } from "zod";
import { bigRowIdText, storable } from "@/lib/auth/input-fields";
import { lockAlert, silenceAlertIn } from "@/lib/alerts/commands";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { SILENCE_PRESETS, type SilencePreset } from "@/lib/domain/alerts/silences";

const input = z.object({
  alertId: bigRowIdText("must be an alert id"),
  scope: z.enum(["alert", "rule_service", "rule"]).default("alert"),
  duration: z.enum(Object.keys(SILENCE_PRESETS) as [SilencePreset, ...SilencePreset[]], {
    message: "choose 1h, 4h, 24h or 7d",
  }),
  comment: storable(z.string().trim().min(3, "say why (at least 3 characters)").max(500, "at most 500 characters")),
});

const action = defineAction({
  prisma: true,
  permission: "alert.silence",
  input,
  subject: async (tx, { alertId }) => {
    const alert = await lockAlert(tx, alertId);
    return alert ? { serviceId: alert.serviceId, subject: `alert:${alert.id}` } : null;
  },
  run: async ({ tx, actor, input: given }) => {
    // locked already by subject(), in this transaction
    const alert = (await lockAlert(tx, given.alertId))!;
    const silence = await silenceAlertIn(tx, alert, given, actor.id, new Date());
    return {
      data: { silenceId: silence.silenceId, expiresAt: silence.expiresAt.toISOString() },
      audit: {
        details: { rule: alert.rule, silenceId: silence.silenceId, expiresAt: silence.expiresAt.toISOString() },
      },
    };
  },
  revalidate: ["/alerts"],
});

export async function silenceAlert(
  raw: z.input<typeof input>,
): Promise<ActionResult<{ silenceId: string; expiresAt: string }>> {
  return action(raw);
}
