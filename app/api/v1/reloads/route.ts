// GET /api/v1/reloads: a bearer token with the read scope and the list's filters in; {items, nextCursor} out, newest first.
import { ApiError } from "@/lib/api/errors";
import { json } from "@/lib/api/json";
import { withToken } from "@/lib/api/with-token";
import { parseReloadListQuery } from "@/lib/reloads/filters";
import { listReloads } from "@/lib/reloads/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withToken("read", async (request) => {
  const parsed = parseReloadListQuery(new URL(request.url).searchParams);
  if (!parsed.ok) throw new ApiError("invalid_parameter", parsed.message);
  return json(await listReloads(parsed.filters));
});
