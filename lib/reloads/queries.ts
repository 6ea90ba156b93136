import "server-only";
import { requireReader, type Reader } from "@/lib/auth/require-actor";
import { SUCCESS_PHASES } from "@/lib/domain/phases";
import { reloadColumns, reloadFromRow, type ReloadRow } from "@/lib/domain/reload-row";
import { restrictionColumns } from "@/lib/domain/token-restrictions";
import { sql } from "@/lib/db/client";
import { encodeCursor, parseReloadKey, type ReloadListFilters } from "./filters";
import {
  SERVICE_NAME_COLUMNS,
  toReloadInstanceView,
  toReloadSummary,
  type ReloadDetail,
  type ReloadInstanceRow,
  type ReloadSummary,
  type ServiceNames,
} from "./read-model";

// Reads for the reloads list and one reload (the read API and the pages). Both read the
// reload row the ingest maintains, never the event history, so their cost follows the page
// size: the list walks reload_first_event_at_id_idx newest first and stops at the limit.

/** Instances listed for one reload at most; past it the answer says it is truncated. */
export const RELOAD_INSTANCES_LIMIT = 5000;

/** A reload and its service's names, as the list and one reload read it. */
const COLUMNS = `${reloadColumns("r")}, ${SERVICE_NAME_COLUMNS}`;
type ListRow = ReloadRow & ServiceNames;
const toSummary = (row: ListRow) => toReloadSummary(reloadFromRow(row), row);

/**
 * The condition on `s` (service) that keeps a restricted token's reads to its services, the
 * same comparison as restrictionAllows, the patterns passed as parameters; null when the
 * reader sees every service.
 */
function visibleServices(reader: Reader, param: (value: unknown, cast: string) => string): string | null {
  if (reader.kind !== "token" || reader.restrictions === null) return null;
  const { environments, namespaces, services } = restrictionColumns(reader.restrictions);
  return `EXISTS (SELECT 1 FROM unnest(${param(environments, "text[]")}, ${param(namespaces, "text[]")}, ${param(services, "text[]")}) AS p(environment, namespace, name)
                  WHERE p.environment = s.environment AND (p.namespace IS NULL OR p.namespace = s.namespace) AND (p.name IS NULL OR p.name = s.name))`;
}

function parameters(): { params: unknown[]; param: (value: unknown, cast: string) => string } {
  const params: unknown[] = [];
  return {
    params,
    param: (value, cast) => {
      params.push(value);
      return `$${params.length}::${cast}`;
    },
  };
}

export async function listReloads(
  filters: ReloadListFilters,
): Promise<{ items: ReloadSummary[]; nextCursor: string | null }> {
  const reader = await requireReader();
  const { params, param } = parameters();
  const where: string[] = [];
  const visible = visibleServices(reader, param);
  if (visible) where.push(visible);
  if (filters.reloadId) where.push(`r.reload_id = ${param(filters.reloadId, "text")}`);
  if (filters.environment) where.push(`s.environment = ${param(filters.environment, "text")}`);
  if (filters.namespace) where.push(`s.namespace = ${param(filters.namespace, "text")}`);
  if (filters.service) where.push(`s.name = ${param(filters.service, "text")}`);
  // "contains", as the fleet's Service box: the page's box, where a part of a name is typed.
  if (filters.q) where.push(`strpos(lower(s.name), lower(${param(filters.q, "text")})) > 0`);
  if (filters.resource) where.push(`r.resource = ${param(filters.resource, "text")}`);
  if (filters.kind) where.push(`r.kind = ${param(filters.kind, "text")}`);
  if (filters.initiator) where.push(`r.initiator = ${param(filters.initiator, "text")}`);
  if (filters.status?.length) where.push(`r.status = ANY(${param(filters.status, "text[]")})`);
  if (filters.from) where.push(`r.first_event_at >= ${param(filters.from, "timestamptz")}`);
  if (filters.to) where.push(`r.first_event_at < ${param(filters.to, "timestamptz")}`);
  if (filters.cursor) {
    where.push(
      `(r.first_event_at, r.id) < (${param(filters.cursor.firstEventAt, "timestamptz")}, ${param(filters.cursor.key, "bigint")})`,
    );
  }
  const rows = await sql().query<ListRow[]>(
    `SELECT ${COLUMNS}
     FROM reload r JOIN service s ON s.id = r.service_id
     ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY r.first_event_at DESC, r.id DESC
     LIMIT ${param(filters.limit + 1, "int")}`,
    ...params,
  );
  const page = rows.slice(0, filters.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toSummary),
    nextCursor:
      rows.length > filters.limit && last ? encodeCursor({ firstEventAt: last.first_event_at, key: last.key }) : null,
  };
}

/** One reload with its instances, or null for a key that names none (malformed keys included). */
export async function getReload(
  keyText: string,
  instancesLimit = RELOAD_INSTANCES_LIMIT,
): Promise<ReloadDetail | null> {
  const reader = await requireReader();
  const key = parseReloadKey(keyText);
  if (key === null) return null;
  const q = sql();
  // A reload outside a restricted token's services is not found, as if it did not exist.
  const { params, param } = parameters();
  const where = [`r.id = ${param(key, "bigint")}`];
  const visible = visibleServices(reader, param);
  if (visible) where.push(visible);
  const [row] = await q.query<ListRow[]>(
    `SELECT ${COLUMNS} FROM reload r JOIN service s ON s.id = r.service_id WHERE ${where.join(" AND ")}`,
    ...params,
  );
  if (!row) return null;
  const reload = reloadFromRow(row);
  // Instances that have not succeeded come first, so a capped list keeps the ones a
  // pipeline is waiting on or should look at.
  const instances = await q.query<ReloadInstanceRow[]>(
    `SELECT i.instance_key, ri.phase, ri.phase_at, ri.error, st.version AS current_version
     FROM reload_instance ri
     JOIN instance i ON i.id = ri.instance_id
     LEFT JOIN instance_state st ON st.instance_id = ri.instance_id AND st.kind = $2 AND st.resource = $3
     WHERE ri.reload_key = $1::bigint
     ORDER BY coalesce(ri.phase = ANY($5::text[]), false), i.instance_key
     LIMIT $4::int`,
    key,
    reload.facts.kind,
    reload.facts.resource,
    instancesLimit + 1,
    [...SUCCESS_PHASES],
  );
  return {
    ...toReloadSummary(reload, row),
    instances: instances.slice(0, instancesLimit).map((instance) => toReloadInstanceView(instance, reload.facts)),
    instancesTruncated: instances.length > instancesLimit,
  };
}

/** The environments services live in, for the reloads list's filter (the service table is small). */
export async function listEnvironments(): Promise<string[]> {
  await requireReader();
  const rows = await sql().query<{ environment: string }[]>(
    `SELECT DISTINCT environment FROM service ORDER BY environment`,
  );
  return rows.map((r) => r.environment);
}
