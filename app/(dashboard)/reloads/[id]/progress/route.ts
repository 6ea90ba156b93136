// GET /reloads/{key}/progress: a reload's status and latest event time out, for its timeline's live refresh; 404 for an unknown key; a session or a read token.
import { withReader } from "@/lib/auth/route-auth";
import { json } from "@/lib/ingest/http";
import { getReloadProgress } from "@/lib/reloads/timeline-queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withReader<{ params: Promise<{ id: string }> }>({ tokens: true }, async (_request, { params }) => {
  const progress = await getReloadProgress((await params).id);
  if (!progress) return json({ error: "not_found", message: "no reload has this key" }, 404);
  return json(progress);
});
