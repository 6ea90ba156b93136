// The one reading of a time range's `from`/`to` as the URL holds them, shared by the server
// (pages, the read API) and the time picker in the browser, so a link means the same
// instant everywhere. Pure: "now" is always passed in.
//
// Accepted, Grafana-style:
//   now, now-15m, now-1h, now-7d          relative (units s, m, h, d, w)
//   2026-11-21T14:03:07Z, …+02:00         RFC 3339 with Z or an offset
//   2026-11-21, 2026-11-21 14:03[:07]     a date or a date and time without a zone: read in
//                                         `zone` (UTC unless the caller says local)

export type TimeZoneChoice = "utc" | "local";

export interface TimePreset {
  /** The `from` value it puts in the URL; `to` is left empty (now). */
  from: string;
  label: string;
}

export const TIME_PRESETS: readonly TimePreset[] = [
  { from: "now-15m", label: "Last 15 minutes" },
  { from: "now-1h", label: "Last 1 hour" },
  { from: "now-6h", label: "Last 6 hours" },
  { from: "now-24h", label: "Last 24 hours" },
  { from: "now-7d", label: "Last 7 days" },
];

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const RELATIVE = /^now(?:\s*-\s*(\d{1,6})\s*([smhdw]))?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const PLAIN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

export const TIME_EXPRESSION_HELP =
  "now, now-1h (s, m, h, d, w), 2026-11-21 14:03, or an RFC 3339 time with Z or an offset";

/** Whether `text` is a relative expression ("now", "now-1h"). */
export function isRelativeTime(text: string): boolean {
  return RELATIVE.test(text.trim());
}

/** The instant `text` names at `now`, or null when it names none. */
export function parseTimeExpression(text: string, now: Date, zone: TimeZoneChoice = "utc"): Date | null {
  const value = text.trim();
  const relative = RELATIVE.exec(value);
  if (relative) {
    const [, amount, unit] = relative;
    return amount && unit ? new Date(now.getTime() - Number(amount) * (UNIT_MS[unit] ?? 0)) : new Date(now.getTime());
  }
  if (ZONED.test(value)) return checked(new Date(value));
  const plain = PLAIN.exec(value);
  if (!plain) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0"] = plain;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) return null;
  const date = zone === "utc" ? new Date(Date.UTC(...parts)) : new Date(...parts);
  // A day that does not exist (Feb 30) rolls over in Date; refuse it instead.
  const day = zone === "utc" ? date.getUTCDate() : date.getDate();
  return day === parts[2] ? checked(date) : null;
}

function checked(date: Date): Date | null {
  const t = date.getTime();
  return Number.isNaN(t) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999 ? null : date;
}

export type ParsedTimeRange =
  | { ok: true; from: Date | null; to: Date | null; fromText: string | null; toText: string | null }
  | { ok: false; parameter: "from" | "to"; message: string };

/**
 * A range from the URL's `from` and `to` (either may be absent or empty: open on that side).
 * A bad value is named, and `from` after `to` is refused.
 */
export function parseTimeRange(
  fromText: string | null | undefined,
  toText: string | null | undefined,
  now: Date,
): ParsedTimeRange {
  const read = (name: "from" | "to", text: string | null | undefined) => {
    const value = text?.trim() ? text.trim() : null;
    if (value === null) return { value, date: null };
    const date = parseTimeExpression(value, now);
    if (!date)
      return {
        value,
        date: undefined,
        error: {
          ok: false as const,
          parameter: name,
          message: `${name}: "${value.slice(0, 40)}" is not a time; use ${TIME_EXPRESSION_HELP}`,
        },
      };
    return { value, date };
  };
  const from = read("from", fromText);
  if (from.error) return from.error;
  const to = read("to", toText);
  if (to.error) return to.error;
  if (from.date && to.date && from.date > to.date)
    return { ok: false, parameter: "from", message: "from: must not be after to" };
  return { ok: true, from: from.date ?? null, to: to.date ?? null, fromText: from.value, toText: to.value };
}

/** What the picker's button says: a preset's label, "Last 90 minutes" for another relative, or the two ends. */
export function describeTimeRange(
  fromText: string | null,
  toText: string | null,
  format: (date: Date) => string,
  now: Date,
): string {
  const toIsNow = !toText || toText.trim() === "now";
  if (fromText && toIsNow && isRelativeTime(fromText)) {
    const preset = TIME_PRESETS.find((p) => p.from === fromText.replace(/\s+/g, ""));
    if (preset) return preset.label;
    const match = RELATIVE.exec(fromText.trim());
    if (match?.[1]) return `Last ${match[1]}${match[2]}`;
  }
  if (!fromText && !toText) return "Any time";
  const end = (text: string | null, open: string) => {
    if (!text) return open;
    if (isRelativeTime(text)) return text.trim();
    const date = parseTimeExpression(text, now);
    return date ? format(date) : text;
  };
  return `${end(fromText, "the start")} → ${end(toText, "now")}`;
}

/**
 * A "YYYY-MM-DD HH:mm:ss" the picker can show for `date` in `zone`; relative texts are shown as
 * they are. Its inverse is parseTimeExpression(…, zone).
 */
export function formatTimeInput(date: Date, zone: TimeZoneChoice): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return zone === "utc"
    ? `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`
    : `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/**
 * What the picker writes into the URL for a typed value: relative kept as typed, an absolute
 * time read in `zone` and written as UTC (…Z), so the server reads the same instant. Text that
 * is not a time is kept, and the page names the problem.
 */
export function normalizeTimeInput(text: string, zone: TimeZoneChoice, now: Date): string {
  const value = text.trim();
  if (!value || isRelativeTime(value)) return value.replace(/\s+/g, "");
  const date = parseTimeExpression(value, now, zone);
  return date ? date.toISOString().replace(/\.000Z$/, "Z") : value;
}
