// GET /api/v1/fleet: a bearer token with the read scope and the matrix's filters in; one page of services × kind × resource with versions, desired version and drift out (`reloadscope status`).
import { ApiError } from "@/lib/api/errors";
import { json } from "@/lib/api/json";
import { requireWholeFleet } from "@/lib/api/whole-fleet";
import { withToken } from "@/lib/api/with-token";
import { toFleetReadAnswer, parseFleetReadQuery } from "@/lib/fleet/read-api";
import { getFleetMatrix } from "@/lib/fleet/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withToken("read", async (request, { restrictions }) => {
  // The matrix's totals and facets cover the whole fleet, so a restricted token is refused
  // rather than shown them (as /api/v1/fleet/status and /api/metrics refuse it).
  requireWholeFleet(restrictions, "/api/v1/fleet");
  const parsed = parseFleetReadQuery(new URL(request.url).searchParams);
  if (!parsed.ok) throw new ApiError("invalid_parameter", parsed.message);
  return json(toFleetReadAnswer(await getFleetMatrix(parsed.filters)));
});
