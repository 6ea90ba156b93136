import "server-only";
import { runAsReader, type Reader } from "@/lib/auth/require-actor";
import { serviceLabel } from "@/lib/format";
import { canonicalJson } from "@/lib/domain/canonical-json";
import { csvRow } from "./csv";
import type { AuditFilters } from "./filters";
import { exportAuditPage } from "./queries";

// The audit log as CSV, streamed: one page of rows is read when the client has taken the
// previous one (the stream pulls), so an export of millions of entries holds one page in
// memory. Pages go down from the newest entry at the start, by id, so entries appended
// while the export runs are not in it and none is written twice.

export const AUDIT_CSV_HEADER = [
  "id",
  "at_utc",
  "actor",
  "actor_role",
  "action",
  "outcome",
  "service",
  "subject",
  "details",
  "prev_hash",
  "hash",
] as const;
const EXPORT_PAGE = 1_000;

/** `reader` is who asked: the stream's pages are read later, when the client pulls, outside the route's own call. */
export function auditCsvStream(
  filters: AuditFilters,
  reader: Reader,
  pageSize = EXPORT_PAGE,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  // The whole filtered log: a page's cursor is not a filter.
  let cursor: string | undefined;
  let started = false;
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          // A byte-order mark, so spreadsheets read the UTF-8 (names, reasons) as UTF-8.
          controller.enqueue(encoder.encode(`\uFEFF${csvRow(AUDIT_CSV_HEADER)}`));
          return;
        }
        if (done) return;
        const rows = await runAsReader(reader, () => exportAuditPage(filters, cursor, pageSize));
        let text = "";
        for (const e of rows) {
          text += csvRow([
            e.id,
            e.at.toISOString(),
            e.actor,
            e.actorRole,
            e.action,
            e.outcome,
            e.service ? serviceLabel(e.service) : "",
            e.subject,
            canonicalJson(e.details),
            e.prevHash,
            e.hash,
          ]);
        }
        if (text) controller.enqueue(encoder.encode(text));
        if (rows.length < pageSize) {
          done = true;
          controller.close();
        } else {
          cursor = rows[rows.length - 1]!.id;
        }
      },
    },
    // Ask for the next page only when the client has read this one.
    { highWaterMark: 0 },
  );
}

/** "reloadscope-audit_2026-11-01T00-00-00Z_to_2026-11-24T10-15-00Z.csv": the range it covers. */
export function auditCsvFilename(filters: AuditFilters, now: Date): string {
  const stamp = (d: Date) =>
    d
      .toISOString()
      .replace(/\.\d+Z$/, "Z")
      .replace(/:/g, "-");
  const from = filters.from ? stamp(filters.from) : "start";
  const to = stamp(filters.to && filters.to < now ? filters.to : now);
  return `reloadscope-audit_${from}_to_${to}.csv`;
}
