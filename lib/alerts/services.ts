import "server-only";
import type { Sql } from "@/lib/db/client";
import type { ServiceRef } from "@/lib/domain/alerts/types";

/** The services the rules' rows name, by id (one index lookup per id). */
export async function loadServiceRefs(q: Sql, ids: Iterable<number>): Promise<Map<number, ServiceRef>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await q.query<ServiceRef[]>(
    `SELECT id, environment, namespace, name FROM service WHERE id = ANY($1::int[])`,
    unique,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** A service a row names but that has gone (deleted between two reads) stands in by id. */
export function serviceOr(map: ReadonlyMap<number, ServiceRef>, id: number): ServiceRef {
  return map.get(id) ?? { id, environment: "", namespace: "", name: `#${id}` };
}
