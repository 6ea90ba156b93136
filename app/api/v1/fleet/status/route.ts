// GET /api/v1/fleet/status: when the fleet last changed, for scripts that poll for changes; a bearer token with the read scope, never a session cookie (the fleet page polls /api/fleet/status).
import { json } from "@/lib/api/json";
import { requireWholeFleet } from "@/lib/api/whole-fleet";
import { withToken } from "@/lib/api/with-token";
import { getFleetStatus } from "@/lib/fleet/status";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withToken("read", async (_request, { restrictions }) => {
  requireWholeFleet(restrictions, "/api/v1/fleet/status");
  const status = await getFleetStatus();
  return json({ latestChangeAt: status.latestChangeAt?.toISOString() ?? null });
});
