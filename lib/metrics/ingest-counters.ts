// What this process's ingest endpoints accepted, found duplicate and refused since it
// started, for GET /api/metrics. In memory on purpose: counters that reset with the process
// are what Prometheus expects of `_total` series (rate() handles the reset), and counting in
// the database would add a write to every ingest request. Kept on globalThis so that every
// route bundle of one Next.js process increments the same numbers.

export type IngestEndpoint = "events" | "traces" | "logs";

export interface IngestCounts {
  /** reload events, by the endpoint they came through */
  events: Record<IngestEndpoint, { accepted: number; duplicate: number; rejected: number }>;
  /** spans through /v1/traces */
  spans: { stored: number; duplicate: number; rejected: number };
  /** log records through /v1/logs: reload events (accepted or duplicate), other records dropped, reload records refused */
  logRecords: { reload: number; dropped: number; rejected: number };
}

const KEY = Symbol.for("reloadscope.metrics.ingestCounts");

function fresh(): IngestCounts {
  return {
    events: {
      events: { accepted: 0, duplicate: 0, rejected: 0 },
      traces: { accepted: 0, duplicate: 0, rejected: 0 },
      logs: { accepted: 0, duplicate: 0, rejected: 0 },
    },
    spans: { stored: 0, duplicate: 0, rejected: 0 },
    logRecords: { reload: 0, dropped: 0, rejected: 0 },
  };
}

function counts(): IngestCounts {
  const holder = globalThis as unknown as Record<symbol, IngestCounts | undefined>;
  // A process that ran an older bundle first may hold counts without the newer families.
  const held = (holder[KEY] ??= fresh());
  held.events.logs ??= { accepted: 0, duplicate: 0, rejected: 0 };
  held.logRecords ??= { reload: 0, dropped: 0, rejected: 0 };
  return held;
}

export function countIngestedEvents(
  endpoint: IngestEndpoint,
  result: { accepted: number; duplicates: number; rejected: number },
): void {
  const c = counts().events[endpoint];
  c.accepted += result.accepted;
  c.duplicate += result.duplicates;
  c.rejected += result.rejected;
}

export function countIngestedSpans(result: { stored: number; duplicates: number; rejected: number }): void {
  const c = counts().spans;
  c.stored += result.stored;
  c.duplicate += result.duplicates;
  c.rejected += result.rejected;
}

export function countIngestedLogRecords(result: { reload: number; dropped: number; rejected: number }): void {
  const c = counts().logRecords;
  c.reload += result.reload;
  c.dropped += result.dropped;
  c.rejected += result.rejected;
}

/** A copy of the counts now. */
export function ingestCounts(): IngestCounts {
  return structuredClone(counts());
}
