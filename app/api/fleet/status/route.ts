// GET /api/fleet/status: when the fleet last changed, for the fleet page's live refresh; a signed-in session only (scripts use /api/v1/fleet/status with a token).
import { json } from "@/lib/api/json";
import { withReader } from "@/lib/api/with-reader";
import { getFleetStatus } from "@/lib/fleet/status";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withReader({ tokens: false }, async () => {
  const status = await getFleetStatus();
  return json({ latestChangeAt: status.latestChangeAt?.toISOString() ?? null });
});
