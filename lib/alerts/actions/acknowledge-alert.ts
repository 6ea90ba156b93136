"use server";
// Acknowledge an alert (operator, approver, admin): it stays acknowledged while its condition
// lasts and resolves when it clears.
import { z } from "zod";
import { bigRowIdText } from "@/lib/auth/input-fields";
import { acknowledgeAlertIn, lockAlert } from "@/lib/alerts/commands";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

const input = z.object({ alertId: bigRowIdText("must be an alert id") });

const action = defineAction({
  prisma: true,
  permission: "alert.acknowledge",
  input,
  subject: async (tx, { alertId }) => {
    const alert = await lockAlert(tx, alertId);
    return alert ? { serviceId: alert.serviceId, subject: `alert:${alert.id}` } : null;
  },
  run: async ({ tx, actor, input: { alertId } }) => {
    // locked already by subject(), in this transaction
    const alert = (await lockAlert(tx, alertId))!;
    const { changed } = await acknowledgeAlertIn(tx, alert, actor.id, new Date());
    return {
      data: { alertId: alert.id, changed },
      audit: { details: { rule: alert.rule, fingerprint: alert.fingerprint, changed } },
    };
  },
  revalidate: ["/alerts"],
});

export async function acknowledgeAlert(
  raw: z.input<typeof input>,
): Promise<ActionResult<{ alertId: string; changed: boolean }>> {
  return action(raw);
}
