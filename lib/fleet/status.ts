import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";

/** Exported for the test that checks its plan (tests/integration/pages-bounded.test.ts). */
export const FLEET_STATUS_SQL = `SELECT greatest((SELECT max(since) FROM instance_state), (SELECT max(last_event_at) FROM reload)) AS latest`;

/**
 * When the fleet last changed: an instance moved to another version (instance_state.since),
 * or a reload made progress (reload.last_event_at). Heartbeats that change nothing do not
 * count, so a polling view is not told to refresh every minute for nothing. Each max() is
 * one probe at the end of its index (instance_state_since_idx, reload_last_event_at_idx),
 * however large the tables: every open tab asks every 10 s.
 */
export async function getFleetStatus(): Promise<{ latestChangeAt: Date | null }> {
  await requireReader();
  const rows = await sql().query<{ latest: Date | null }[]>(FLEET_STATUS_SQL);
  return { latestChangeAt: rows[0]?.latest ?? null };
}
