// NACK and failure messages grouped by what they say, not by the ids in them: numbers, hex
// ids, UUIDs, IP addresses and quoted values are replaced by placeholders, so forty
// instances refusing a version for one reason make one line with a count. Pure.

const RULES: [RegExp, string][] = [
  // quoted values first, so a quoted id or path is one placeholder, not several
  [/"[^"\n]*"|'[^'\n]*'|`[^`\n]*`/g, "<value>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  // IPv4 with an optional port, then IPv6 (at least two groups around a "::" or seven colons)
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, "<ip>"],
  [
    /(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:)*[0-9a-f]{0,4}::(?:[0-9a-f]{1,4}:)*[0-9a-f]{1,4}(?![\w:])/gi,
    "<ip>",
  ],
  [/\b0x[0-9a-f]+\b/gi, "<hex>"],
  // 7+ hex digits with at least one digit: a commit, hash or id (a word such as "accepted" has no digit)
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/gi, "<hex>"],
  [/\d+(?:\.\d+)?/g, "<n>"],
];

const MAX_LENGTH = 300;

export function normaliseErrorMessage(message: string): string {
  let out = message;
  for (const [pattern, placeholder] of RULES) out = out.replace(pattern, placeholder);
  out = out.replace(/\s+/g, " ").trim();
  return out.length > MAX_LENGTH ? `${out.slice(0, MAX_LENGTH - 1)}…` : out;
}

export interface InstanceError {
  instance: string;
  error: string | null;
}

export interface ErrorGroup {
  /** the normalised message */
  message: string;
  /** one message as an instance sent it */
  example: string;
  count: number;
  /** the first few instances with it */
  instances: string[];
  /** some instance's message differs from the example (numbers, ids, quoted values) */
  varied?: boolean;
}

/**
 * How a group reads in summaries and lists: one real message (the first instance's), never the
 * placeholder pattern, which is only the grouping key: "40 instances: listener :8443 certificate
 * chain incomplete (and similar)".
 */
export function errorGroupText(group: {
  count: number;
  example: string | null;
  message: string;
  varied?: boolean;
}): string {
  const text = group.example ?? group.message;
  if (group.count <= 1) return text;
  return `${group.count} instances: ${text}${group.varied === false ? "" : " (and similar)"}`;
}

/** Errors grouped by normalised message, most frequent first (ties by message). */
export function groupErrors(errors: InstanceError[], listInstances = 10): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const e of errors) {
    const raw = e.error?.trim() || "(no error message)";
    const message = normaliseErrorMessage(raw);
    const g = groups.get(message);
    if (!g) groups.set(message, { message, example: raw, count: 1, instances: [e.instance], varied: false });
    else {
      g.count++;
      if (raw !== g.example) g.varied = true;
      if (g.instances.length < listInstances) g.instances.push(e.instance);
    }
  }
  return [...groups.values()].sort(
    (a, b) => b.count - a.count || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
