// Which event times ingest accepts (DESIGN.md "Time"): not more than 5 minutes ahead of the
// server's clock, and not older than the retention window.

export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** The reason an event's occurredAt is refused, or null when it is within bounds. */
export function occurredAtProblem(occurredAt: Date, now: Date, retentionMs: number): string | null {
  const t = occurredAt.getTime();
  if (!Number.isFinite(t)) return "is not a valid time";
  if (t > now.getTime() + MAX_FUTURE_SKEW_MS) {
    return `is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future (check the sender's clock)`;
  }
  if (t < now.getTime() - retentionMs) {
    return `is older than the retention window of ${Math.round(retentionMs / 86_400_000)} days`;
  }
  return null;
}
