"use server";
import { formFields } from "@/lib/auth/form-data";
import { saveReloadTargetInput, type SaveReloadTargetInput } from "@/lib/admin/schemas";
import { serviceSubject } from "@/lib/admin/subjects";
import { saveReloadTarget as save } from "@/lib/admin/targets";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { targetHostOf } from "@/lib/domain/target-address";

export interface SavedTarget {
  serviceId: number;
  url: string;
  created: boolean;
  /** a secret the app generated: shown once, then only its sealed form exists */
  generatedSecret: string | null;
}

const action = defineAction({
  prisma: true,
  permission: "target.manage",
  input: saveReloadTargetInput,
  subject: (tx, input) => serviceSubject(tx, input.serviceId, "reload_target"),
  run: async ({ tx, actor, input }) => {
    const saved = await save(tx, actor.id, input);
    return {
      data: {
        serviceId: input.serviceId,
        url: input.url,
        created: saved.created,
        generatedSecret: saved.generatedSecret,
      },
      audit: {
        details: {
          created: saved.created,
          previousHost: saved.previousUrl === null ? null : targetHostOf(saved.previousUrl),
        },
      },
    };
  },
  // The host and how the secret was set: never the secret, nor the whole URL, which may hold
  // a token and the audit log is read by every role (the admin page shows it whole).
  auditInput: ({ serviceId, url, secretMode }) => ({ serviceId, host: targetHostOf(String(url)), secretMode }),
  revalidate: ["/admin/targets"],
});

/** Sets a service's reload target: an https URL (http only for loopback) and a secret generated, entered or kept. */
export async function saveReloadTarget(input: SaveReloadTargetInput): Promise<ActionResult<SavedTarget>> {
  return action(input);
}

export async function saveReloadTargetForm(
  _previous: ActionResult<SavedTarget> | null,
  formData: FormData,
): Promise<ActionResult<SavedTarget>> {
  return action(formFields(formData));
}
