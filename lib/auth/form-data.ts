// Form submissions into the plain objects the actions take. A field repeated in the
// form (checkboxes sharing a name) stays a list when it is named in `lists`; React's and
// Next's own hidden fields ($ACTION_…) and files are left out.
export function formFields(formData: FormData, lists: readonly string[] = []): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of new Set(formData.keys())) {
    if (key.startsWith("$ACTION")) continue;
    const values = formData.getAll(key).filter((value): value is string => typeof value === "string");
    fields[key] = lists.includes(key) ? values : values.at(-1);
  }
  // An unticked checkbox sends nothing: the list is empty rather than missing.
  for (const key of lists) fields[key] ??= [];
  return fields;
}
