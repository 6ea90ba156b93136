// GET /reloads/{key}/progress: a reload's status and latest event time out, for its timeline's live refresh; 404 for an unknown key.
import { getReloadProgress } from "@/lib/reloads/timeline-queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const progress = await getReloadProgress((await params).id);
    if (!progress) return Response.json({ error: "not_found", message: "no reload has this key" }, { status: 404 });
    return Response.json(progress, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    console.error("[reloads/progress]", error);
    return Response.json({ error: "unavailable", message: "the database is unavailable" }, { status: 503, headers: { "Retry-After": "5" } });
  }
}
