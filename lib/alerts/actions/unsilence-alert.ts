"use server";
// End a silence before it expires (operator, approver, admin): matching alerts are delivered again.
import { z } from "zod";
import { bigRowIdText } from "@/lib/auth/input-fields";
import { endSilenceIn, lockSilence } from "@/lib/alerts/commands";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";

const input = z.object({ silenceId: bigRowIdText("must be a silence id") });

const action = defineAction({
  prisma: true,
  permission: "alert.silence",
  input,
  subject: async (tx, { silenceId }) => {
    const silence = await lockSilence(tx, silenceId);
    return silence ? { serviceId: silence.serviceId, subject: `alert_silence:${silence.id}` } : null;
  },
  run: async ({ tx, input: { silenceId } }) => {
    const { changed } = await endSilenceIn(tx, silenceId, new Date());
    return { data: { silenceId, changed }, audit: { details: { changed } } };
  },
  revalidate: ["/alerts"],
});

export async function unsilenceAlert(
  raw: z.input<typeof input>,
): Promise<ActionResult<{ silenceId: string; changed: boolean }>> {
  return action(raw);
}
