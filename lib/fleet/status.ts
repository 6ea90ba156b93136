import "server-only";
import { db } from "@/lib/db/client";

/**
 * When the fleet last changed: an instance moved to another version, or a reload made
 * progress. Heartbeats that change nothing do not count, so a polling view is not told to
 * refresh every minute for nothing.
 */
export async function getFleetStatus(): Promise<{ latestChangeAt: Date | null }> {
  const rows = await db().$queryRawUnsafe<{ latest: Date | null }[]>(
    `SELECT greatest((SELECT max(since) FROM instance_state), (SELECT max(last_event_at) FROM reload)) AS latest`,
  );
  return { latestChangeAt: rows[0]?.latest ?? null };
}
