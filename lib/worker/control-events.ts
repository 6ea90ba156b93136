import "server-only";
import { env } from "@/lib/env";
import { parseEvents } from "@/lib/ingest/parse-events";
import { RELOADSCOPE_WRITER, storeEvents } from "@/lib/ingest/store-events";

// The `control-events` job: events the control plane reports about a reload (requested,
// approved, dispatched, failed…), stored through the same path as POST /api/v1/events.
// Their ids are deterministic, so a job that runs again stores duplicates, not new events.
// They are the app's own: written as Reloadscope, with no token, so the phases ingest tokens
// may not claim for app-requested reloads are stored (lib/ingest/store-events.ts).

export async function ingestControlEvents(
  payload: { events?: unknown },
  now = new Date(),
): Promise<{ accepted: number; duplicates: number }> {
  const events = Array.isArray(payload.events) ? payload.events : [];
  if (events.length === 0) return { accepted: 0, duplicates: 0 };
  const settings = env();
  const parsed = parseEvents(events, "json", Math.max(settings.INGEST_MAX_EVENTS, events.length), {
    now,
    retentionMs: settings.RETENTION_DAYS * 86_400_000,
  });
  // A refused control event would be refused again on every retry: say so, store the rest.
  for (const r of parsed.rejected) console.error(`[worker] control event ${r.index} refused: ${r.reason}`);
  if (parsed.events.length === 0) return { accepted: 0, duplicates: 0 };
  const stored = await storeEvents(
    parsed.events.map((e) => e.event),
    { now, writer: RELOADSCOPE_WRITER },
  );
  for (const r of stored.rejected) console.error(`[worker] control event refused while storing: ${r.reason}`);
  return { accepted: stored.accepted, duplicates: stored.duplicates };
}
