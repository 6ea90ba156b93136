// GET /api/v1/reloads/{key}: a bearer token with the read scope in; one reload with its "N of M" and instances out, or 404.
import { ApiError } from "@/lib/api/errors";
import { json } from "@/lib/api/json";
import { withToken } from "@/lib/api/with-token";
import { getReload } from "@/lib/reloads/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withToken<{ params: Promise<{ key: string }> }>("read", async (_request, _auth, { params }) => {
  const reload = await getReload((await params).key);
  if (!reload) throw new ApiError("not_found", "no reload has this key");
  return json(reload);
});
