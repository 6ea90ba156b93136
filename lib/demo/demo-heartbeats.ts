import "server-only";
import { db } from "@/lib/db/client";
import { parseEvents } from "@/lib/ingest/parse-events";
import { storeEvents } from "@/lib/ingest/store-events";
import { DEMO_SERVICES } from "./demo-fleet";

/**
 * Keeps the embedded demo alive: every demo instance reports the version it runs, through
 * the ingest path, as a real fleet's heartbeats would. Only demo services are touched.
 */
export async function sendDemoHeartbeats(now = new Date()): Promise<number> {
  const rows = await db().$queryRawUnsafe<
    { environment: string; namespace: string; name: string; instance_key: string; kind: string; resource: string; version: string | null }[]
  >(
    `SELECT s.environment, s.namespace, s.name, i.instance_key, st.kind, st.resource, st.version
     FROM instance_state st JOIN instance i ON i.id = st.instance_id JOIN service s ON s.id = st.service_id
     WHERE (s.environment, s.namespace, s.name) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
    DEMO_SERVICES.map((s) => s.environment),
    DEMO_SERVICES.map((s) => s.namespace),
    DEMO_SERVICES.map((s) => s.name),
  );
  const stamp = now.getTime().toString(36);
  const wire = rows
    .filter((r) => r.version !== null)
    .map((r, i) => ({
      id: `demo-hb-${stamp}-${i}`,
      environment: r.environment,
      namespace: r.namespace,
      service: r.name,
      instance: r.instance_key,
      kind: r.kind,
      resource: r.resource,
      phase: "heartbeat",
      toVersion: r.version,
      occurredAt: now.toISOString(),
    }));
  if (wire.length === 0) return 0;
  const parsed = parseEvents(wire, "json", wire.length);
  const stored = await storeEvents(parsed.events.map((p) => p.event));
  return stored.accepted;
}
