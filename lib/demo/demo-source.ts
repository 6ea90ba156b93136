import "server-only";
import { sql } from "@/lib/db/client";
import { mapSourceSamples } from "@/lib/domain/source-mapping";
import { ingestSourceEvents, saveState } from "@/lib/sources/poll";
import { DEMO_SOURCE_NAME, DEMO_SOURCE_SETTINGS, DEMO_SOURCE_URL, demoSourceSamples } from "./demo-source-recording";

/**
 * The demo source, once per demo database: a source row marked demo (the worker never queries
 * it), its recorded samples mapped as a query's would be and written through the same path.
 * Only where the demo fleet is (demo_service has rows), so a real deployment never gets one.
 */
export async function ensureDemoSource(now = new Date()): Promise<{ events: number } | null> {
  const [state] = await sql().query<{ demo_fleet: boolean; has_source: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM demo_service) AS demo_fleet, EXISTS (SELECT 1 FROM prometheus_source WHERE demo) AS has_source`,
  );
  if (!state?.demo_fleet || state.has_source) return null;
  const [row] = await sql().query<{ id: number }[]>(
    `INSERT INTO prometheus_source (name, url, demo, default_environment) VALUES ($1, $2, true, $3) ON CONFLICT (name) DO NOTHING RETURNING id`,
    DEMO_SOURCE_NAME,
    DEMO_SOURCE_URL,
    DEMO_SOURCE_SETTINGS.defaultEnvironment,
  );
  if (!row) return null;
  const mapped = mapSourceSamples({ ...DEMO_SOURCE_SETTINGS, id: row.id }, [], demoSourceSamples(now));
  const { accepted, problems } = await ingestSourceEvents(mapped.events, now);
  if (problems.length > 0) throw new Error(`demo source event refused: ${problems[0]}`);
  await saveState(row.id, mapped.series, now, null, accepted);
  return { events: accepted };
}
