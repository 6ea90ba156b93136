import "server-only";
import { sql } from "@/lib/db/client";
import { column, sqlParams } from "@/lib/db/sql-params";
import { parseEvents } from "@/lib/ingest/parse-events";
import { RELOADSCOPE_WRITER, storeEvents } from "@/lib/ingest/store-events";
import { DEMO_SERVICES, demoFleetEvents } from "./demo-fleet";

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
    const result = await storeEvents(
      parsed.events.map((p) => p.event),
      { writer: RELOADSCOPE_WRITER },
    );
    stored += result.accepted;
  }
  await recordDemoServices();
  return { events: stored };
}

/**
 * Marks the services just seeded as the demo's (demo_service): the simulated reload target
 * attaches to these alone. Called only after filling an empty database, so a service of the
 * same name that a real fleet reported first is never taken for a demo one.
 */
async function recordDemoServices(): Promise<void> {
  const q = sqlParams();
  const d = q.unnest({
    environment: column.text(DEMO_SERVICES.map((d) => d.environment)),
    namespace: column.text(DEMO_SERVICES.map((d) => d.namespace)),
    name: column.text(DEMO_SERVICES.map((d) => d.name)),
  });
  await sql().execute(
    `INSERT INTO demo_service (service_id)
     SELECT s.id FROM service s
     JOIN ${d.as("d")} ON s.environment = d.environment AND s.namespace = d.namespace AND s.name = d.name
     ON CONFLICT (service_id) DO NOTHING`,
    ...q.values,
  );
}
