import "server-only";
import { createHash } from "node:crypto";
import type { Sql } from "@/lib/db/client";
import { canonicalJson } from "@/lib/domain/canonical-json";
import { anchorAuditHead } from "./anchor";
import { AUDIT_LOCK_KEY } from "./append-lock";

// The audit log (docs/adr/0011): append-only (triggers refuse UPDATE and DELETE) and
// hash-chained. Each entry's hash is sha256 of the previous entry's hash and the entry's
// canonical form, so changing, removing or reordering any row breaks every link after it,
// and `verifyAuditChain` names the first broken one. Appends take one transaction-scoped
// advisory lock, so two transactions never chain onto the same previous entry.

export const AUDIT_GENESIS = "0".repeat(64);

export type AuditOutcome = "allowed" | "denied" | "invalid" | "failed";

export interface AuditEntryInput {
  actorId: number | null;
  /** the username, or "system" / a worker name for entries the app writes itself */
  actor: string;
  actorRole: string | null;
  action: string;
  outcome: AuditOutcome;
  serviceId?: number | null;
  /** what was acted on: "reload_request:12", "user:3", "reload_target:7" */
  subject?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<AuditEntryInput> {
  id: string;
  at: Date;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The hash of one entry given the previous one's; every stored column but `hash` is in it. */
export function auditHash(prevHash: string, entry: Omit<AuditEntry, "hash" | "prevHash">): string {
  const body = canonicalJson({
    id: entry.id,
    at: entry.at.toISOString(),
    actorId: entry.actorId,
    actor: entry.actor,
    actorRole: entry.actorRole,
    action: entry.action,
    outcome: entry.outcome,
    serviceId: entry.serviceId,
    subject: entry.subject,
    details: entry.details,
  });
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

// jsonb refuses NUL and lone surrogates; details come from people's input (reasons, comments).
function storable(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\u0000/g, "\uFFFD").toWellFormed();
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === "object") {
    // fromEntries defines own properties, so a key such as "__proto__" is kept as data
    // rather than setting the prototype (and vanishing from the stored entry).
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [storable(k) as string, storable(v)]),
    );
  }
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** Appends one entry inside `tx`; call it last in a transaction (it holds the append lock until commit). */
export async function appendAudit(tx: Sql, input: AuditEntryInput): Promise<AuditEntry> {
  // execute: the lock returns void, which Prisma's raw layer cannot read (lib/db/client.ts, dbTransaction).
  await tx.execute(`SELECT pg_advisory_xact_lock($1::bigint)`, AUDIT_LOCK_KEY.toString());
  const [last] = await tx.query<{ hash: string }[]>(`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`);
  const [{ id }] = (await tx.query<{ id: string }[]>(
    `SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))::text AS id`,
  )) as [{ id: string }];
  const entry: Omit<AuditEntry, "hash" | "prevHash"> = {
    id,
    // Millisecond precision, as stored (timestamptz(3)), so the hash can be recomputed.
    at: new Date(Math.floor(Date.now())),
    actorId: input.actorId,
    actor: storable(input.actor) as string,
    actorRole: input.actorRole,
    action: input.action,
    outcome: input.outcome,
    serviceId: input.serviceId ?? null,
    subject: input.subject == null ? null : (storable(input.subject) as string),
    details: storable(input.details ?? {}) as Record<string, unknown>,
  };
  const prevHash = last?.hash ?? AUDIT_GENESIS;
  const hash = auditHash(prevHash, entry);
  await tx.execute(
    `INSERT INTO audit_log (id, at, actor_id, actor, actor_role, action, outcome, service_id, subject, details, prev_hash, hash)
     VALUES ($1::bigint, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)`,
    entry.id,
    entry.at.toISOString(),
    entry.actorId,
    entry.actor,
    entry.actorRole,
    entry.action,
    entry.outcome,
    entry.serviceId,
    entry.subject,
    JSON.stringify(entry.details),
    prevHash,
    hash,
  );
  // Written once this transaction has ended (./anchor.ts), so never awaited here.
  void anchorAuditHead();
  return { ...entry, prevHash, hash } as AuditEntry;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor_id: number | null;
  actor: string;
  actor_role: string | null;
  action: string;
  outcome: AuditOutcome;
  service_id: number | null;
  subject: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

// `id` comes out as text (a bigint may exceed a double): order by `audit_log.id`, since a bare
// `ORDER BY id` would sort the text ("10" before "9").
export const AUDIT_COLUMNS = `id::text AS id, at, actor_id, actor, actor_role, action, outcome, service_id, subject, details, prev_hash, hash`;

export function entryFromRow(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at instanceof Date ? r.at : new Date(r.at),
    actorId: r.actor_id,
    actor: r.actor,
    actorRole: r.actor_role,
    action: r.action,
    outcome: r.outcome,
    serviceId: r.service_id,
    subject: r.subject,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** True when an entry's stored hash is the hash of its own content and stored prev_hash. */
export function entryHashHolds(entry: AuditEntry): boolean {
  return auditHash(entry.prevHash, entry) === entry.hash;
}

export type ChainProblem = "hash does not match the entry" | "previous hash does not match the entry before";

export type ChainVerdict =
  | {
      intact: true;
      /** entries checked, from the first to `lastId` */
      entries: number;
      firstId: string | null;
      lastId: string | null;
      lastHash: string;
    }
  | {
      intact: false;
      /** entries checked and found sound before the broken one */
      entries: number;
      /** the first entry whose link does not hold */
      brokenAt: string;
      /** the sound entry before it (null: it is the first entry) */
      previousId: string | null;
      problem: ChainProblem;
      expected: string;
      found: string;
    };

/**
 * Walks the chain in id order, a page at a time, and reports the first broken link. `upToId`
 * bounds the walk to the entries that existed when it started (appends go on meanwhile);
 * ids are taken under the append lock, so id order is chain order, and a gap in ids is a
 * rolled-back append, not a removed entry: only the hashes decide.
 */
export async function verifyAuditChain(
  sql: Sql,
  options: { upToId?: string; pageSize?: number } = {},
): Promise<ChainVerdict> {
  const pageSize = options.pageSize ?? 5_000;
  const upToId = options.upToId ?? "9223372036854775807";
  let prevHash = AUDIT_GENESIS;
  let previousId: string | null = null;
  let firstId: string | null = null;
  let entries = 0;
  for (;;) {
    const rows = await sql.query<AuditRow[]>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id > $1::bigint AND id <= $2::bigint ORDER BY audit_log.id LIMIT $3`,
      previousId ?? "0",
      upToId,
      pageSize,
    );
    for (const row of rows) {
      const entry = entryFromRow(row);
      if (entry.prevHash !== prevHash) {
        return {
          intact: false,
          entries,
          brokenAt: entry.id,
          previousId,
          problem: "previous hash does not match the entry before",
          expected: prevHash,
          found: entry.prevHash,
        };
      }
      const expected = auditHash(prevHash, entry);
      if (expected !== entry.hash) {
        return {
          intact: false,
          entries,
          brokenAt: entry.id,
          previousId,
          problem: "hash does not match the entry",
          expected,
          found: entry.hash,
        };
      }
      prevHash = entry.hash;
      previousId = entry.id;
      firstId ??= entry.id;
      entries++;
    }
    if (rows.length < pageSize) return { intact: true, entries, firstId, lastId: previousId, lastHash: prevHash };
  }
}
