// GET /api/v1/fleet/status: when the fleet last changed, for views that poll for changes; a session (the fleet page) or a read token.
import { withReader } from "@/lib/auth/route-auth";
import { getFleetStatus } from "@/lib/fleet/status";
import { json } from "@/lib/ingest/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withReader({ tokens: true }, async () => {
  const status = await getFleetStatus();
  return json({ latestChangeAt: status.latestChangeAt?.toISOString() ?? null });
});
