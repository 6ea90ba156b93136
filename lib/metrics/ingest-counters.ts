// What this process's ingest endpoints accepted, found duplicate and refused since it
// started, for GET /api/metrics. In memory on purpose: counters that reset with the process
// are what Prometheus expects of `_total` series (rate() handles the reset), and counting in
// the database would add a write to every ingest request. Kept on globalThis so that every
// route bundle of one Next.js process increments the same numbers.

export type IngestEndpoint = "events" | "traces";

export interface IngestCounts {
  /** reload events, by the endpoint they came through */
  events: Record<IngestEndpoint, { accepted: number; duplicate: number; rejected: number }>;
  /** spans through /v1/traces */
  spans: { stored: number; duplicate: number; rejected: number };
}

const KEY = Symbol.for("reloadscope.metrics.ingestCounts");

function fresh(): IngestCounts {
  return {
    events: { events: { accepted: 0, duplicate: 0, rejected: 0 }, traces: { accepted: 0, duplicate: 0, rejected: 0 } },
    spans: { stored: 0, duplicate: 0, rejected: 0 },
  };
}

function counts(): IngestCounts {
  const holder = globalThis as unknown as Record<symbol, IngestCounts | undefined>;
  return (holder[KEY] ??= fresh());
}

export function countIngestedEvents(endpoint: IngestEndpoint, result: { accepted: number; duplicates: number; rejected: number }): void {
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

/** A copy of the counts now. */
export function ingestCounts(): IngestCounts {
  return structuredClone(counts());
}
