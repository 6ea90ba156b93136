// GET /api/alerts/status: open alert counts and a change marker, for the alerts page's live refresh and the nav badge; a session or a read token.
import { getAlertStatus } from "@/lib/alerts/queries";
import { refuseUnlessReader } from "@/lib/auth/route-auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  try {
    const refused = await refuseUnlessReader(request);
    if (refused) return refused;
    return Response.json(await getAlertStatus(), { headers: { "cache-control": "no-store" } });
  } catch (error) {
    console.error("[alerts/status]", error);
    return Response.json({ error: "unavailable", message: "the database is unavailable" }, { status: 503, headers: { "Retry-After": "5" } });
  }
}
