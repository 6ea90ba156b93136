import "server-only";
import { env } from "@/lib/env";
import { restrictionMatcher, restrictionRefusal } from "@/lib/domain/token-restrictions";
import type { EventWriter } from "@/lib/ingest/store-events";
import type { DecodedTraceRequest } from "./decoded";
import { reasonInSpanTerms } from "./reload-event";
import { spanBatch, type SpanBatch, type SpanRefusal } from "./span-records";
import { storeReloadEvents } from "./store-reload-events";
import { storeSpans } from "./store-spans";

// One OTLP export: spans → reload events through the same parsing and storing as
// POST /api/v1/events, then the spans. Both are committed before the answer; a retry after
// a failure between the two finds the events already stored (their ids come from the span
// ids) and stores the spans.

export interface ExportOutcome {
  spans: number;
  storedSpans: number;
  duplicateSpans: number;
  reloadEvents: { accepted: number; duplicates: number };
  /** spans refused, or whose reload event was refused (those spans are stored all the same) */
  rejected: SpanRefusal[];
}

export async function exportTraces(
  request: DecodedTraceRequest,
  writer: EventWriter,
  now = new Date(),
): Promise<ExportOutcome> {
  const bounds = { now, retentionMs: env().RETENTION_DAYS * 86_400_000 };
  const batch = withinRestrictions(spanBatch(request, bounds), writer);
  const rejected = [...batch.refused];
  const spanOf = new Map(batch.records.map(({ index, record }) => [index, record]));
  const refuseEvent = (spanIndex: number, reason: string) => {
    const span = spanOf.get(spanIndex)!;
    rejected.push({
      index: spanIndex,
      traceId: span.traceId,
      spanId: span.spanId,
      reason: `reload event: ${reasonInSpanTerms(reason)}`,
    });
  };

  const reloadEvents = await storeReloadEvents(batch.reloadEvents, bounds, writer, refuseEvent);

  const stored = await storeSpans(batch.records.map((r) => r.record));
  rejected.sort((a, b) => a.index - b.index);
  return {
    spans: batch.total,
    storedSpans: stored.inserted,
    duplicateSpans: stored.duplicates,
    reloadEvents,
    rejected,
  };
}

/** A span from a service outside the token's restrictions is refused whole: neither it nor its reload event is stored. */
function withinRestrictions(batch: SpanBatch, writer: EventWriter): SpanBatch {
  if (writer.kind !== "token" || writer.restrictions === null) return batch;
  const allowed = restrictionMatcher(writer.restrictions);
  const refused = [...batch.refused];
  const outside = new Set<number>();
  const records = batch.records.filter(({ index, record }) => {
    if (allowed(record.origin)) return true;
    outside.add(index);
    refused.push({ index, traceId: record.traceId, spanId: record.spanId, reason: restrictionRefusal(record.origin) });
    return false;
  });
  return { ...batch, records, reloadEvents: batch.reloadEvents.filter((e) => !outside.has(e.index)), refused };
}

const MAX_REASONS = 10;

/** partialSuccess.errorMessage: the first few refusals, each naming its span. */
export function rejectionMessage(rejected: SpanRefusal[]): string {
  const shown = rejected.slice(0, MAX_REASONS).map((r) => {
    const which = r.spanId ? `span ${r.spanId} of trace ${r.traceId}` : `span #${r.index}`;
    return `${which} (#${r.index}): ${r.reason}`;
  });
  const more = rejected.length - shown.length;
  return shown.join("; ") + (more > 0 ? `; and ${more} more` : "");
}
