// Display formatting shared by server and client components.

export function relativeTime(date: Date | null, now: Date): string {
  if (!date) return "—";
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const suffix = seconds >= 0 ? "ago" : "from now";
  if (abs < 45) return seconds >= 0 ? "just now" : "in a moment";
  if (abs < 3600) return `${Math.round(abs / 60)}m ${suffix}`;
  if (abs < 86_400) return `${Math.round(abs / 3600)}h ${suffix}`;
  return `${Math.round(abs / 86_400)}d ${suffix}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h ${Math.round((ms % 3_600_000) / 60_000)}m`;
}

export function isoUtc(date: Date | null): string {
  return date ? date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "";
}

export function serviceLabel(s: { environment: string; namespace: string; name: string }): string {
  return [s.environment, s.namespace, s.name].filter(Boolean).join(" / ");
}
