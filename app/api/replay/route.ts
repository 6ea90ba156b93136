// GET /api/replay?at=<ISO>&page=<n>: the fleet version matrix as it was at `at` (read-only JSON, for the replay player); a session or a read token.
import { refuseUnlessReader } from "@/lib/auth/route-auth";
import { env } from "@/lib/env";
import { parseReplayParams } from "@/lib/replay/params";
import { getFleetAt } from "@/lib/replay/queries";
import { frameToWire } from "@/lib/replay/wire";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const refused = await refuseUnlessReader(request);
  if (refused) return refused;
  const now = new Date();
  const parsed = parseReplayParams(new URL(request.url).searchParams, now, env().RETENTION_DAYS);
  if (!parsed.ok) return Response.json({ error: "invalid_parameters", message: parsed.errors.join("; ") }, { status: 400 });
  if (!parsed.params.at) return Response.json({ error: "invalid_parameters", message: "at: is required" }, { status: 400 });
  try {
    const frame = await getFleetAt(parsed.params.at, parsed.params.page, now);
    // A past instant's answer changes only when late history arrives: cache it briefly.
    return Response.json(frameToWire(frame), { headers: { "cache-control": "private, max-age=30" } });
  } catch (error) {
    const id = crypto.randomUUID();
    console.error(`[replay] ${id}`, error);
    return Response.json({ error: "unavailable", message: `the replay could not be read (error ${id})` }, { status: 503, headers: { "Retry-After": "5" } });
  }
}
