import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql, type Sql } from "@/lib/db/client";
import { ACTIONS } from "@/lib/domain/permissions";
import { AUDIT_COLUMNS, entryFromRow, type AuditEntry, type AuditRow } from "@/lib/audit-chain/audit-log";
import { showsSignIns, SIGN_IN_ACTION, type AuditFilters } from "./filters";

// Reads of the audit log for /audit and the CSV export: newest first, paged by id (ids are
// taken under the append lock, so id order is chain order), with the service's name joined
// for display. A page costs its size: every filter has an index that ends in id
// (prisma/migrations/20261124000000_actions_and_audit).

export interface AuditServiceName {
  environment: string;
  namespace: string;
  name: string;
}

export interface AuditListEntry extends AuditEntry {
  service: AuditServiceName | null;
  /** the reload page this entry's subject leads to, when there is one */
  reloadKey: string | null;
}

type ListRow = AuditRow & { environment: string | null; namespace: string | null; service_name: string | null };

/** A page of entries matching `filters`, newest first; `nextCursor` is the id to continue below. */
export async function listAuditEntries(
  filters: AuditFilters,
  q: Sql = sql(),
): Promise<{ items: AuditListEntry[]; nextCursor: string | null }> {
  await requireReader();
  const rows = await selectEntries(q, filters, filters.limit + 1);
  const page = rows.slice(0, filters.limit);
  const reloadKeys = await reloadKeysOf(q, page);
  return {
    items: page.map((row) => ({
      ...entryFromRow(row),
      service: serviceOf(row),
      reloadKey: reloadKeys.get(row.subject ?? "") ?? null,
    })),
    nextCursor: rows.length > filters.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

/** Rows for the export, in the list's order, `limit` at a time below `cursor`. */
export async function exportAuditPage(
  filters: AuditFilters,
  cursor: string | undefined,
  limit: number,
  q: Sql = sql(),
): Promise<(AuditEntry & { service: AuditServiceName | null })[]> {
  await requireReader();
  const rows = await selectEntries(q, { ...filters, cursor }, limit);
  return rows.map((row) => ({ ...entryFromRow(row), service: serviceOf(row) }));
}

async function selectEntries(q: Sql, filters: AuditFilters, limit: number): Promise<ListRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown, cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  if (filters.actor) where.push(`a.actor = ${param(filters.actor, "text")}`);
  if (filters.action) where.push(`a.action = ${param(filters.action, "text")}`);
  if (filters.outcome?.length) where.push(`a.outcome = ANY(${param(filters.outcome, "text[]")})`);
  if (!showsSignIns(filters)) where.push(`a.action <> ${param(SIGN_IN_ACTION, "text")}`);
  if (filters.subject) where.push(`a.subject = ${param(filters.subject, "text")}`);
  if (filters.service)
    where.push(`a.service_id IN (SELECT id FROM service WHERE name = ${param(filters.service, "text")})`);
  if (filters.from) where.push(`a.at >= ${param(filters.from, "timestamptz")}`);
  if (filters.to) where.push(`a.at < ${param(filters.to, "timestamptz")}`);
  if (filters.cursor) where.push(`a.id < ${param(filters.cursor, "bigint")}`);
  const columns = AUDIT_COLUMNS.split(", ")
    .map((c) => `a.${c}`)
    .join(", ");
  return q.query<ListRow[]>(
    `SELECT ${columns}, s.environment, s.namespace, s.name AS service_name
     FROM audit_log a LEFT JOIN service s ON s.id = a.service_id
     ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY a.id DESC
     LIMIT ${param(limit, "int")}`,
    ...params,
  );
}

function serviceOf(row: ListRow): AuditServiceName | null {
  return row.service_name === null
    ? null
    : { environment: row.environment ?? "", namespace: row.namespace ?? "", name: row.service_name };
}

const REQUEST_SUBJECT = /^reload_request:([1-9]\d{0,17})$/;
const RELOAD_SUBJECT = /^reload:([1-9]\d{0,17})$/;

/** subject → reload key, for subjects that name a reload or a request that has started one. */
async function reloadKeysOf(q: Sql, rows: { subject: string | null }[]): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  const requestIds = new Set<string>();
  for (const { subject } of rows) {
    if (!subject) continue;
    const reload = RELOAD_SUBJECT.exec(subject);
    if (reload) keys.set(subject, reload[1]!);
    const request = REQUEST_SUBJECT.exec(subject);
    if (request) requestIds.add(request[1]!);
  }
  if (requestIds.size) {
    // A request's reload is the one with its reloadId on its service (DESIGN.md "Identity").
    const found = await q.query<{ request_id: string; key: string }[]>(
      `SELECT rq.id::text AS request_id, r.id::text AS key
       FROM reload_request rq JOIN reload r ON r.service_id = rq.service_id AND r.reload_id = rq.reload_id
       WHERE rq.id = ANY($1::bigint[])`,
      [...requestIds],
    );
    for (const row of found) keys.set(`reload_request:${row.request_id}`, row.key);
  }
  return keys;
}

/** What the filter boxes offer: the actions in the log (plus the known ones) and the people. */
export async function auditFilterOptions(q: Sql = sql()): Promise<{ actions: string[]; actors: string[] }> {
  await requireReader();
  // Distinct actions by skipping along audit_log_action_idx (a loose index scan), so the
  // cost follows the number of actions, not of entries.
  const actions = await q.query<{ action: string }[]>(
    `WITH RECURSIVE a AS (
       (SELECT action FROM audit_log ORDER BY action LIMIT 1)
       UNION ALL
       SELECT (SELECT action FROM audit_log WHERE action > a.action ORDER BY action LIMIT 1) FROM a WHERE a.action IS NOT NULL
     )
     SELECT action FROM a WHERE action IS NOT NULL LIMIT 200`,
  );
  const actors = await q.query<{ username: string }[]>(`SELECT username FROM app_user ORDER BY username LIMIT 500`);
  return {
    actions: [...new Set([...ACTIONS, ...actions.map((a) => a.action)])].sort(),
    actors: ["system", ...actors.map((a) => a.username)],
  };
}

/** The newest entry: the chain's head, which an operator copies somewhere else to anchor it. */
export async function auditHead(q: Sql = sql()): Promise<{ id: string; hash: string; at: Date } | null> {
  await requireReader();
  const [row] = await q.query<{ id: string; hash: string; at: Date }[]>(
    `SELECT id::text AS id, hash, at FROM audit_log ORDER BY audit_log.id DESC LIMIT 1`,
  );
  return row ?? null;
}
