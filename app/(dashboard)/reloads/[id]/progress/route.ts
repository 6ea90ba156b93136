// GET /reloads/{key}/progress: a reload's status and latest event time out, for its timeline's live refresh; 404 for an unknown key; a session or a read token.
import { ApiError } from "@/lib/api/errors";
import { json } from "@/lib/api/json";
import { withReader } from "@/lib/api/with-reader";
import { getReloadProgress } from "@/lib/reloads/timeline-queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withReader<{ params: Promise<{ id: string }> }>({ tokens: true }, async (_request, { params }) => {
  const progress = await getReloadProgress((await params).id);
  if (!progress) throw new ApiError("not_found", "no reload has this key");
  return json(progress);
});
