"use server";
import { formFields } from "@/lib/auth/form-data";
import { defineAction, type ActionResult } from "@/lib/auth/define-action";
import { targetHostOf } from "@/lib/domain/target-address";
import { addSource as add } from "@/lib/sources/admin";
import { addSourceInput, type AddSourceInput } from "@/lib/sources/schemas";

const action = defineAction({
  prisma: true,
  permission: "source.manage",
  input: addSourceInput,
  run: async ({ tx, actor, input }) => {
    const { id } = await add(tx, actor.id, input);
    return { data: { sourceId: id, name: input.name }, audit: { subject: `prometheus_source:${id}` } };
  },
  // Whether a token was given, never the token; the host, not the whole URL.
  auditInput: ({ name, url, token, environmentLabels, defaultEnvironment, serviceLabel, instanceLabel, rules }) => ({
    name,
    host: targetHostOf(String(url)),
    token: token ? "set" : "none",
    environmentLabels,
    defaultEnvironment,
    serviceLabel,
    instanceLabel,
    rules: Array.isArray(rules) ? rules.length : 0,
  }),
  revalidate: ["/admin/sources"],
});

/** Adds a Prometheus source: the worker queries it from its next pass. */
export async function addSource(input: AddSourceInput): Promise<ActionResult<{ sourceId: number; name: string }>> {
  return action(input);
}

export async function addSourceForm(
  _previous: ActionResult<{ sourceId: number; name: string }> | null,
  formData: FormData,
): Promise<ActionResult<{ sourceId: number; name: string }>> {
  return action(formFields(formData));
}
