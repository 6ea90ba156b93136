// One canonical JSON text for a value, so the same value always gives the same text: the audit
// chain's hashes (docs/adr/0011), an approval's change hash (docs/adr/0015), an event's content
// when its id is sent again (docs/adr/0005) and an alert's stored details all go through it.
// Hashes already stored depend on every character it writes, so it must not change: keys are
// sorted by UTF-16 code units (`<`, not compareCodePoints), undefined members are left out, and
// anything JSON.stringify writes nothing for (undefined, a function) is `null`.

/** JSON with object keys sorted at every depth, as jsonb compares them; `omit` drops keys at any depth. */
export function canonicalJson(value: unknown, omit?: ReadonlySet<string>): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, omit)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([k, v]) => v !== undefined && !omit?.has(k),
    );
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, omit)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
