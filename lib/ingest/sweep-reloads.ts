import "server-only";
import { transaction } from "@/lib/db/client";
import { reloadingEndedSql } from "@/lib/domain/reloading";
import { NON_TERMINAL_STATUSES, NOT_STARTED_STATUSES } from "@/lib/domain/types";
import { reloadColumns, reloadFromRow, type ReloadRow } from "@/lib/domain/reload-row";
import { env } from "@/lib/env";
import { derive, writeReloads } from "./reload-rows";
import { type Tx } from "./sql";
import { fallBack } from "./store-desired";

// What time alone changes about reloads, run every 15 s (instrumentation.ts) and
// safe to run in every process at once: rows another transaction holds are skipped and
// picked up by the next run.
//  - A reload past its deadline with targets unfinished becomes expired.
//  - A request not yet started is cancelled when a newer request for the same resource comes.
//  - An instance shows as reloading only while its reload is: expiry, the end of its reload,
//    or a newer reload of the same resource ends it (lib/domain/reloading.ts).

const BATCH = 500;

export interface SweepResult {
  expired: number;
  cancelled: number;
  endedInstances: number;
}

export async function sweepReloads(now = new Date()): Promise<SweepResult> {
  const timeoutMs = env().RELOAD_TIMEOUT_SECONDS * 1000;
  const expired = await transaction((tx) => expireReloads(tx, now, timeoutMs));
  const cancelled = await transaction((tx) => cancelSuperseded(tx, now, timeoutMs));
  const endedInstances = await transaction((tx) => endStaleReloading(tx));
  return { expired, cancelled, endedInstances };
}

async function expireReloads(tx: Tx, now: Date, timeoutMs: number): Promise<number> {
  const rows = await tx.query<ReloadRow[]>(
    `SELECT ${reloadColumns("r")} FROM reload r
     WHERE r.id IN (
       SELECT id FROM reload WHERE status = ANY($1::text[]) AND deadline_at < $2::timestamptz LIMIT ${BATCH})
     ORDER BY r.service_id, r.reload_id COLLATE "C"
     FOR NO KEY UPDATE SKIP LOCKED`,
    [...NON_TERMINAL_STATUSES],
    now.toISOString(),
  );
  return settle(tx, rows, now, timeoutMs);
}

async function cancelSuperseded(tx: Tx, now: Date, timeoutMs: number): Promise<number> {
  const rows = await tx.query<(ReloadRow & { superseded_at: Date })[]>(
    `SELECT ${reloadColumns("r")}, n.requested_at AS superseded_at
     FROM reload r
     JOIN LATERAL (
       SELECT min(n.requested_at) AS requested_at FROM reload n
       WHERE n.service_id = r.service_id AND n.kind = r.kind AND n.resource = r.resource
         AND n.id <> r.id AND n.requested_at > r.requested_at
     ) n ON n.requested_at IS NOT NULL
     WHERE r.status = ANY($1::text[]) AND r.started_at IS NULL AND r.requested_at IS NOT NULL
     ORDER BY r.service_id, r.reload_id COLLATE "C"
     LIMIT ${BATCH}
     FOR NO KEY UPDATE OF r SKIP LOCKED`,
    [...NOT_STARTED_STATUSES],
  );
  for (const r of rows) r.cancelled_at = r.superseded_at;
  return settle(tx, rows, now, timeoutMs);
}

/** Re-derives locked reload rows, writes them, and moves desired versions they no longer set. */
async function settle(tx: Tx, rows: ReloadRow[], now: Date, timeoutMs: number): Promise<number> {
  if (rows.length === 0) return 0;
  const derived = rows.map((r) => derive(reloadFromRow(r), now, timeoutMs));
  const changed = derived.filter((d, i) => d.status !== rows[i]!.status);
  await writeReloads(tx, changed);
  const withdrawn = changed.filter(
    (d) => d.status === "cancelled" || d.status === "rejected" || (d.status === "expired" && !d.record.facts.startedAt),
  );
  await fallBack(
    tx,
    withdrawn.map((d) => d.record.key),
  );
  return changed.length;
}

/**
 * Instance states still "in progress" for a reload that has ended or been overtaken
 * (reloadingEndedSql, the twin of the domain's rule). Only the rows to change are locked
 * (SKIP LOCKED), and each is checked again once locked: an ingest that moved it on meanwhile wins.
 */
async function endStaleReloading(tx: Tx): Promise<number> {
  const ended = reloadingEndedSql(1);
  return tx.execute(
    `WITH ended AS (
       ${ended.sql}
     ),
     locked AS (
       SELECT st.instance_id, st.kind, st.resource, e.reason
       FROM instance_state st JOIN ended e USING (instance_id, kind, resource)
       WHERE st.outcome = 'in_progress' AND st.last_reload_id IS NOT DISTINCT FROM e.last_reload_id
       ORDER BY st.instance_id, st.kind COLLATE "C", st.resource COLLATE "C"
       FOR NO KEY UPDATE OF st SKIP LOCKED
     )
     UPDATE instance_state st SET outcome = 'expired', last_error = locked.reason, updated_at = now()
     FROM locked
     WHERE st.instance_id = locked.instance_id AND st.kind = locked.kind AND st.resource = locked.resource`,
    ...ended.params,
  );
}
