import "server-only";
import { transaction } from "@/lib/db/client";
import { expireRequest } from "./request-outcomes";

// Requests not decided within REQUEST_TTL_MINUTES expire (docs/adr/0015), run by the 15 s sweep
// in instrumentation.ts in every process at once: SKIP LOCKED leaves a request that an
// approver is deciding right now (or another process is expiring) to that transaction.

const BATCH = 200;

export async function expireRequests(now = new Date()): Promise<number> {
  return transaction(async (tx) => {
    const due = await tx.query<{ id: string }[]>(
      `SELECT id::text FROM reload_request
       WHERE status = 'pending_approval' AND expires_at <= $1::timestamptz
       ORDER BY id LIMIT ${BATCH}
       FOR UPDATE SKIP LOCKED`,
      now.toISOString(),
    );
    let expired = 0;
    for (const { id } of due) if (await expireRequest(tx, id, now)) expired++;
    return expired;
  });
}
