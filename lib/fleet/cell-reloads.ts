import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import { compositeKey } from "@/lib/domain/keys";

// The links from the matrix's cells to the reload that last changed them.

export interface CellReload {
  key: string;
  reloadId: string;
}

/**
 * Per (service, kind, resource) of the given services, the newest reload named by an
 * instance's last_reload_id (the client's reloadId of that service), resolved to its key in
 * one query: a handful of instance_state index probes per service and one reload probe per
 * distinct reloadId. Keyed by compositeKey(serviceId, kind, resource).
 */
export async function lastReloadsForCells(serviceIds: number[], kind?: string): Promise<Record<string, CellReload>> {
  await requireReader();
  if (serviceIds.length === 0) return {};
  const rows = await sql().query<
    { service_id: number; kind: string; resource: string; key: string; reload_id: string }[]
  >(
    `WITH named AS (
       SELECT DISTINCT service_id, kind, resource, last_reload_id FROM instance_state
       WHERE service_id = ANY($1::int[]) AND last_reload_id IS NOT NULL AND ($2::text IS NULL OR kind = $2)
     )
     SELECT DISTINCT ON (n.service_id, n.kind, n.resource) n.service_id, n.kind, n.resource, r.id::text AS key, r.reload_id
     FROM named n JOIN reload r ON r.service_id = n.service_id AND r.reload_id = n.last_reload_id
     ORDER BY n.service_id, n.kind, n.resource, r.first_event_at DESC, r.id DESC`,
    serviceIds,
    kind ?? null,
  );
  const result: Record<string, CellReload> = {};
  for (const r of rows) result[compositeKey(r.service_id, r.kind, r.resource)] = { key: r.key, reloadId: r.reload_id };
  return result;
}
