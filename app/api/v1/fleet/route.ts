// GET /api/v1/fleet: a bearer token with the read scope and the matrix's filters in; one page of services × kind × resource with versions, desired version and drift out (`reloadscope status`).
import { toFleetReadAnswer, parseFleetReadQuery } from "@/lib/fleet/read-api";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { IngestError } from "@/lib/ingest/errors";
import { json, withToken } from "@/lib/ingest/http";
import { requireWholeFleet } from "@/lib/ingest/whole-fleet";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withToken("read", async (request, { restrictions }) => {
  // The matrix's totals and facets cover the whole fleet, so a restricted token is refused
  // rather than shown them (as /api/v1/fleet/status and /api/metrics refuse it).
  requireWholeFleet(restrictions, "/api/v1/fleet");
  const parsed = parseFleetReadQuery(new URL(request.url).searchParams);
  if (!parsed.ok) throw new IngestError(400, "invalid_parameter", parsed.message);
  return json(toFleetReadAnswer(await getFleetMatrix(parsed.filters)));
});
