// GET /api/v1/fleet/status: when the fleet last changed, for views that poll for changes.
import { getFleetStatus } from "@/lib/fleet/status";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const status = await getFleetStatus();
    return Response.json({ latestChangeAt: status.latestChangeAt?.toISOString() ?? null }, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    console.error("[fleet/status]", error);
    return Response.json({ error: "unavailable", message: "the database is unavailable" }, { status: 503, headers: { "Retry-After": "5" } });
  }
}
