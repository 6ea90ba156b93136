// GET /reloads/{key}/progress: a reload's status and latest event time out, for its timeline's live refresh; 404 for an unknown key; a session or a read token.
import { refuseUnlessReader } from "@/lib/auth/route-auth";
import { getReloadProgress } from "@/lib/reloads/timeline-queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const refused = await refuseUnlessReader(request);
    if (refused) return refused;
    const progress = await getReloadProgress((await params).id);
    if (!progress) return Response.json({ error: "not_found", message: "no reload has this key" }, { status: 404 });
    return Response.json(progress, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    console.error("[reloads/progress]", error);
    return Response.json({ error: "unavailable", message: "the database is unavailable" }, { status: 503, headers: { "Retry-After": "5" } });
  }
}
