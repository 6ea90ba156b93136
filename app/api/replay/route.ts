// GET /api/replay?at=<ISO>&page=<n>: the fleet version matrix as it was at `at` (read-only JSON, for the replay player); a session or a read token.
import { ApiError } from "@/lib/api/errors";
import { json } from "@/lib/api/json";
import { withReader } from "@/lib/api/with-reader";
import { env } from "@/lib/env";
import { parseReplayParams } from "@/lib/replay/params";
import { getFleetAt } from "@/lib/replay/queries";
import { frameToWire } from "@/lib/replay/wire";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withReader({ tokens: true }, async (request) => {
  const now = new Date();
  const parsed = parseReplayParams(new URL(request.url).searchParams, now, env().RETENTION_DAYS);
  if (!parsed.ok) throw new ApiError("invalid_parameters", parsed.errors.join("; "));
  if (!parsed.params.at) throw new ApiError("invalid_parameters", "at: is required");
  const frame = await getFleetAt(parsed.params.at, parsed.params.page, now);
  // A past instant's answer changes only when late history arrives: cache it briefly (never in a shared cache).
  return json(frameToWire(frame), 200, { "cache-control": "private, max-age=30" });
});
