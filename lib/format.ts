// Display formatting shared by server and client components.

export function relativeTime(date: Date | null, now: Date): string {
  if (!date) return "—";
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const suffix = seconds >= 0 ? "ago" : "from now";
  if (abs < 45) return seconds >= 0 ? "just now" : "in a moment";
  if (abs < 3570) return `${Math.round(abs / 60)}m ${suffix}`;
  if (abs < 84_600) return `${Math.round(abs / 3600)}h ${suffix}`;
  return `${Math.round(abs / 86_400)}d ${suffix}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)} s`;
  // Round once at the displayed precision, then split, so 59.6 s carries into a minute.
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/**
 * How long something has lasted, to the minute: "12m", "35h 56m". For durations shown in
 * stored text (an alert's summary) and beside it, so the two read the same and the text does
 * not change with every second.
 */
/** Any text formatAge writes, to compare two texts that differ only by how old something is. */
export const AGE_TEXT = /\bunder 1m\b|\b\d+h \d+m\b|\b\d+m\b/g;

export function formatAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "under 1m";
  if (minutes < 60) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/**
 * A long text cut in the middle, keeping its start and its end: versions of one series differ
 * at the end (tools-202611231216 vs tools-202611221216), so an end-cut made them look alike.
 * "tools-202611231216" in 14 → "tools-2…231216".
 */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max || max < 3) return text;
  const tail = Math.floor((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

export function isoUtc(date: Date | null): string {
  return date
    ? date
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC")
    : "";
}

/** "v1 → v2"; "?" stands for a version nobody named. */
export function versionChange(from: string | null, to: string | null): string {
  return `${from ?? "?"} → ${to ?? "?"}`;
}

export function serviceLabel(s: { environment: string; namespace: string; name: string }): string {
  return [s.environment, s.namespace, s.name].filter(Boolean).join(" / ");
}

// Fixed locale and zone: the server renders it, and the browser must hydrate the same text.
const CLOCK_UTC = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** "14:03:07 UTC": a time of day that reads the same on the server and in every browser. */
export function clockTimeUtc(date: Date): string {
  return `${CLOCK_UTC.format(date)} UTC`;
}
