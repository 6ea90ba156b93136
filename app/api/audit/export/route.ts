// GET /api/audit/export?…: a signed-in session and /audit's filters in; the matching audit entries out as CSV, streamed, newest first.
import { ApiError } from "@/lib/api/errors";
import { withReader } from "@/lib/api/with-reader";
import { auditCsvFilename, auditCsvStream } from "@/lib/audit/export";
import { parseAuditFilters } from "@/lib/audit/filters";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// Every role may read the audit log (DESIGN.md "Roles"); a session is all it takes.
export const GET = withReader({ tokens: false }, async (request, _context, reader) => {
  const parsed = parseAuditFilters(new URL(request.url).searchParams);
  if (!parsed.ok) throw new ApiError("invalid_parameter", parsed.message, { fields: { parameter: parsed.parameter } });
  const filename = auditCsvFilename(parsed.filters, new Date());
  return new Response(auditCsvStream(parsed.filters, reader), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
