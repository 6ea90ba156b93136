// GET /api/health: no caller needed, no data out: 200 {"status":"ok"} when this process can reach its database, 503 when it cannot (for load balancers, supervisors and the scripts that wait for a started server).
import { sql } from "@/lib/db/client";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const NO_STORE = { "cache-control": "no-store" };

export async function GET(): Promise<Response> {
  try {
    await sql().query(`SELECT 1`);
    return Response.json({ status: "ok" }, { headers: NO_STORE });
  } catch (error) {
    // Never the error's text: this answer is public.
    if (!isDatabaseUnavailable(error)) console.error("[health] the database check failed:", error);
    return Response.json({ status: "unavailable" }, { status: 503, headers: { ...NO_STORE, "Retry-After": "5" } });
  }
}
