// GET /api/audit/export?…: a signed-in session and /audit's filters in; the matching audit entries out as CSV, streamed, newest first.
import { currentActor } from "@/lib/auth/actor";
import { auditCsvFilename, auditCsvStream } from "@/lib/audit/export";
import { parseAuditFilters } from "@/lib/audit/filters";
import { json, problem } from "@/lib/ingest/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  try {
    // Every role may read the audit log (DESIGN.md "Roles"); a session is all it takes.
    if (!(await currentActor())) return json({ error: "unauthorized", message: "sign in to export the audit log" }, 401);
    const parsed = parseAuditFilters(new URL(request.url).searchParams);
    if (!parsed.ok) return json({ error: "invalid_parameter", parameter: parsed.parameter, message: parsed.message }, 400);
    const filename = auditCsvFilename(parsed.filters, new Date());
    return new Response(auditCsvStream(parsed.filters), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${filename}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (error) {
    return problem(error);
  }
}
