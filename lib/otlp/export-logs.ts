import "server-only";
import { env } from "@/lib/env";
import type { EventWriter } from "@/lib/ingest/store-events";
import type { DecodedLogsRequest } from "./decoded";
import { logBatch, type LogRefusal } from "./log-records";
import { reasonInLogTerms } from "./reload-event";
import { storeReloadEvents } from "./store-reload-events";

// One OTLP logs export: the records that are reload events go through the same parsing and
// storing as POST /api/v1/events (token restrictions and the control plane's own phases
// included); the others are only counted. Reloadscope is not a log store.

export interface LogsExportOutcome {
  records: number;
  /** records that are not reload events */
  dropped: number;
  reloadEvents: { accepted: number; duplicates: number };
  /** reload records refused, each with its reason */
  rejected: LogRefusal[];
}

export async function exportLogs(
  request: DecodedLogsRequest,
  writer: EventWriter,
  now = new Date(),
): Promise<LogsExportOutcome> {
  const batch = logBatch(request);
  const rejected = [...batch.refused];
  const bounds = { now, retentionMs: env().RETENTION_DAYS * 86_400_000 };
  const reloadEvents = await storeReloadEvents(batch.reloadEvents, bounds, writer, (index, reason) =>
    rejected.push({ index, reason: reasonInLogTerms(reason) }),
  );
  rejected.sort((a, b) => a.index - b.index);
  return { records: batch.total, dropped: batch.dropped, reloadEvents, rejected };
}

const MAX_REASONS = 10;

/** partialSuccess.errorMessage: the first few refusals, each naming its record. */
export function logRejectionMessage(rejected: LogRefusal[]): string {
  const shown = rejected.slice(0, MAX_REASONS).map((r) => `log record #${r.index}: ${r.reason}`);
  const more = rejected.length - shown.length;
  return shown.join("; ") + (more > 0 ? `; and ${more} more` : "");
}
