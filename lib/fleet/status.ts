import "server-only";
import { db } from "@/lib/db/client";

export async function getFleetStatus(): Promise<{ latestEventAt: Date | null }> {
  const row = await db().service.aggregate({ _max: { lastEventAt: true } });
  return { latestEventAt: row._max.lastEventAt };
}
