import "server-only";
import { parseEvents } from "@/lib/ingest/parse-events";
import { storeEvents } from "@/lib/ingest/store-events";
import { demoFleetEvents } from "./demo-fleet";

const BATCH = 500;

/** Fills an empty database with the demo fleet through the ingest path (validation included). */
export async function seedDemoFleet(now = new Date()): Promise<{ events: number }> {
  const wire = demoFleetEvents({ now });
  let stored = 0;
  for (let i = 0; i < wire.length; i += BATCH) {
    const parsed = parseEvents(wire.slice(i, i + BATCH), "json", BATCH);
    if (parsed.rejected.length > 0) {
      throw new Error(`demo event ${i + parsed.rejected[0]!.index} is invalid: ${parsed.rejected[0]!.reason}`);
    }
    const result = await storeEvents(parsed.events.map((p) => p.event));
    stored += result.accepted;
  }
  return { events: stored };
}
