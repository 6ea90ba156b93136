// Retention (docs/adr/0009-partitioned-history.md): history older than RETENTION_DAYS goes a
// whole daily partition at a time (DROP TABLE, never a DELETE over the event tables). A
// partition is dropped once every row it can hold is older than the window, the same bound
// ingest refuses events by (lib/domain/time-bounds.ts). The ids a dropped reload_event
// partition registered in reload_event_id go first, in small batches read off the partition's
// primary key. maintainStorage() is the hourly job: partitions ahead, then retention.
import { transaction } from "@/lib/db/client";
import { env } from "@/lib/env";
import {
  addDays,
  ensurePartitions,
  lockForMaintenance,
  partitionDay,
  quoteIdent,
  PARTITIONED_TABLES,
  tableLayout,
  type EnsureResult,
  type MaintenanceOptions,
  type PartitionedTable,
  type Transactional,
} from "./partitions";

const DAY_MS = 86_400_000;

/** Ids forgotten per statement (and transaction) before a partition is dropped. */
const ID_BATCH = 10_000;

export interface RetentionResult {
  /** partitions dropped, by name */
  dropped: string[];
  /** rows deleted from id tables (reload_event_id) for them */
  idsDeleted: number;
  failures: { table: string; error: string }[];
}

/** Transactions on the app's pool (one connection on the embedded database). */
export const appTransactions: Transactional = (work) =>
  transaction((tx) => work({ query: (text, params = []) => tx.query(text, ...params) }));

/** The first instant still inside the retention window. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** Drops the daily partitions of every registered table whose whole day is older than the window. */
export async function dropExpiredPartitions(run: Transactional, options: MaintenanceOptions): Promise<RetentionResult> {
  const cutoff = retentionCutoff(options.now ?? new Date(), options.retentionDays);
  const result: RetentionResult = { dropped: [], idsDeleted: 0, failures: [] };
  for (const spec of options.tables ?? PARTITIONED_TABLES) {
    try {
      const layout = await run((tx) => tableLayout(tx, spec.table));
      if (!layout) continue;
      const expired = layout.partitions.filter((name) => {
        const day = partitionDay(spec.table, name);
        return day !== null && addDays(day, 1) <= cutoff;
      });
      for (const name of expired) {
        if (spec.idTable) result.idsDeleted += await forgetIds(run, spec, name);
        const dropped = await run(async (tx) => {
          await lockForMaintenance(tx);
          const current = await tableLayout(tx, spec.table);
          if (!current?.partitions.includes(name)) return false;
          await tx.query(`DROP TABLE ${quoteIdent(name)}`);
          return true;
        });
        if (dropped) result.dropped.push(name);
      }
    } catch (error) {
      result.failures.push({ table: spec.table, error: (error as Error).message });
    }
  }
  return result;
}

/** Deletes the id rows of the events stored in one partition, walking its primary key in batches. */
async function forgetIds(run: Transactional, spec: PartitionedTable, partition: string): Promise<number> {
  const column = quoteIdent(spec.column);
  let after: string | null = null;
  let deleted = 0;
  for (;;) {
    const [batch] = await run((tx) =>
      tx.query<{ last: string | null; n: number; deleted: number }>(
        `WITH batch AS (SELECT id, ${column} FROM ${quoteIdent(partition)} WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2),
              gone AS (DELETE FROM ${quoteIdent(spec.idTable!)} i USING batch b WHERE i.id = b.id AND i.${column} = b.${column} RETURNING 1)
         SELECT (SELECT max(id) FROM batch) AS last, (SELECT count(*)::int FROM batch) AS n, (SELECT count(*)::int FROM gone) AS deleted`,
        [after, ID_BATCH],
      ),
    );
    deleted += batch!.deleted;
    if (batch!.n < ID_BATCH || batch!.last === null) return deleted;
    after = batch!.last;
  }
}

export interface MaintenanceReport {
  partitions: EnsureResult;
  retention: RetentionResult;
}

/** The hourly job: daily partitions ahead (and out of the default partitions), then retention. */
export async function maintainStorage(options: { now?: Date } = {}): Promise<MaintenanceReport> {
  const settings = { now: options.now ?? new Date(), retentionDays: env().RETENTION_DAYS };
  const partitions = await ensurePartitions(appTransactions, settings);
  const retention = await dropExpiredPartitions(appTransactions, settings);
  return { partitions, retention };
}
