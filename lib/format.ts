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

export function isoUtc(date: Date | null): string {
  return date ? date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "";
}

/** "v1 → v2"; "?" stands for a version nobody named. */
export function versionChange(from: string | null, to: string | null): string {
  return `${from ?? "?"} → ${to ?? "?"}`;
}

export function serviceLabel(s: { environment: string; namespace: string; name: string }): string {
  return [s.environment, s.namespace, s.name].filter(Boolean).join(" / ");
}

// Fixed locale and zone: the server renders it, and the browser must hydrate the same text.
const CLOCK_UTC = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** "14:03:07 UTC": a time of day that reads the same on the server and in every browser. */
export function clockTimeUtc(date: Date): string {
  return `${CLOCK_UTC.format(date)} UTC`;
}
