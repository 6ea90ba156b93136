// One canonical JSON text for a value, so the same value always gives the same text: the audit
// chain's hashes (docs/adr/0011), an approval's change hash (docs/adr/0015), an event's content
// when its id is sent again (docs/adr/0005) and an alert's stored details all go through it.
// Hashes already stored depend on every character it writes, so it must not change: keys are
// sorted by UTF-16 code units (`<`, not compareCodePoints), undefined members are left out, and
// anything JSON.stringify writes nothing for (undefined, a function) is `null`.

/**
 * JSON with object keys sorted at every depth, as jsonb compares them; `omit` drops keys at any
 * depth. An undefined member is left out, as JSON.stringify does, unless `undefinedMembers` is
 * "null": OTLP log records' ids hash their decoded fields with absent ones written as null
 * (lib/otlp/log-records.ts), and ids already stored depend on that text.
 */
export function canonicalJson(
  value: unknown,
  omit?: ReadonlySet<string>,
  undefinedMembers: "omit" | "null" = "omit",
): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, omit, undefinedMembers)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([k, v]) => (v !== undefined || undefinedMembers === "null") && !omit?.has(k),
    );
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const members = entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, omit, undefinedMembers)}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
