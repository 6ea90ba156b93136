// GET /api/replay?at=<ISO>&page=<n>: the fleet version matrix as it was at `at` (read-only JSON, for the replay player); a session or a read token.
import { withReader } from "@/lib/auth/route-auth";
import { env } from "@/lib/env";
import { json } from "@/lib/ingest/http";
import { parseReplayParams } from "@/lib/replay/params";
import { getFleetAt } from "@/lib/replay/queries";
import { frameToWire } from "@/lib/replay/wire";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = withReader({ tokens: true }, async (request) => {
  const now = new Date();
  const parsed = parseReplayParams(new URL(request.url).searchParams, now, env().RETENTION_DAYS);
  if (!parsed.ok) return json({ error: "invalid_parameters", message: parsed.errors.join("; ") }, 400);
  if (!parsed.params.at) return json({ error: "invalid_parameters", message: "at: is required" }, 400);
  const frame = await getFleetAt(parsed.params.at, parsed.params.page, now);
  // A past instant's answer changes only when late history arrives: cache it briefly (never in a shared cache).
  return json(frameToWire(frame), 200, { "cache-control": "private, max-age=30" });
});
