import "server-only";
import { parseEvents } from "@/lib/ingest/parse-events";
import { storeEvents, type EventWriter } from "@/lib/ingest/store-events";

// The reload events an OTLP export carries (spans with reload.id, log records named
// reload.<phase>) go through the same parsing and storing as POST /api/v1/events: token
// restrictions and the control plane's own phases included.

/**
 * Parses and stores `events`, each the reload event of the span or record at `index`;
 * every refusal is handed to `refuse` with that index, in order. Answers what was stored.
 */
export async function storeReloadEvents(
  events: { index: number; event: Record<string, unknown> }[],
  bounds: { now: Date; retentionMs: number },
  writer: EventWriter,
  refuse: (index: number, reason: string) => void,
): Promise<{ accepted: number; duplicates: number }> {
  if (events.length === 0) return { accepted: 0, duplicates: 0 };
  const parsed = parseEvents(
    events.map((e) => e.event),
    "json",
    Number.MAX_SAFE_INTEGER, // the body size bounds a request; OTLP senders batch by span or record count
    bounds,
  );
  for (const r of parsed.rejected) refuse(events[r.index]!.index, r.reason);
  if (parsed.events.length === 0) return { accepted: 0, duplicates: 0 };
  const stored = await storeEvents(
    parsed.events.map((p) => p.event),
    { now: bounds.now, writer },
  );
  for (const r of stored.rejected) refuse(events[parsed.events[r.position]!.index]!.index, r.reason);
  return { accepted: stored.accepted, duplicates: stored.duplicates };
}
