// Daily partitions of the time-partitioned tables (docs/adr/0009-partitioned-history.md):
// makes sure a partition exists for every UTC day from the start of the retention window to
// two days ahead, and moves rows that landed in a table's DEFAULT partition into their day's
// partition (a default partition holding rows of a day blocks creating that day's partition).
// Runs after migrating (lib/db/migrate.ts) and hourly in every app process (lib/worker/periodic-jobs.ts);
// concurrent runs queue on one advisory lock, taken per transaction, so it also works on the
// embedded database's single connection. No `server-only`: the migration runner imports it.
import type pg from "pg";

/** A table partitioned by RANGE on one timestamptz column, one partition per UTC day. */
export interface PartitionedTable {
  table: string;
  column: string;
  /**
   * A table of (id, <column>) rows registering the table's ids (their unique index), whose
   * rows go when the partition holding the same (id, <column>) is dropped (lib/db/retention.ts).
   */
  idTable?: string;
  /**
   * Storage parameters of each day partition (`fillfactor = 50`): a table whose rows are
   * updated in place keeps room on every page, so an update stays on its page (HOT) and the
   * dead version is pruned there, instead of growing the table until a vacuum (ADR 0021).
   */
  storage?: string;
}

/**
 * The tables maintenance and retention look after. A table that does not exist (yet), or is
 * not partitioned, is skipped.
 */
export const PARTITIONED_TABLES: readonly PartitionedTable[] = [
  { table: "reload_event", column: "occurred_at", idTable: "reload_event_id" },
  { table: "span", column: "start_time" },
  // Presence intervals never cross a UTC midnight (docs/adr/0021), so a day's partition holds
  // only intervals last heard that day and goes whole, as events do.
  { table: "presence_interval", column: "first_heard_at", storage: "fillfactor = 50" },
];

/** Days ahead of today that always have a partition. */
export const DAYS_AHEAD = 2;

/** The one advisory lock every maintenance and retention transaction takes (any fixed bigint). */
export const MAINTENANCE_LOCK_KEY = 7_270_737_009;

/** How long a maintenance transaction waits for a table lock before giving up until the next run. */
export const LOCK_TIMEOUT = "3s";

const DAY_MS = 86_400_000;

/** Queries on one connection. */
export interface Connection {
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
export type Transactional = <T>(work: (tx: Connection) => Promise<T>) => Promise<T>;

/** Transactions on one pg client (the migration runner's). */
export function transactionsOn(client: pg.ClientBase): Transactional {
  const connection: Connection = {
    async query<T extends object>(text: string, params: unknown[] = []) {
      return (await client.query(text, params)).rows as T[];
    },
  };
  return async (work) => {
    await client.query("BEGIN");
    try {
      const result = await work(connection);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  };
}

/** Midnight UTC of the day `at` falls in. */
export function utcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY_MS);
}

/** `reload_event_p20261123` for the day starting 2026-11-23T00:00Z. */
export function partitionName(table: string, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

/** The day a partition named by partitionName covers, or null for any other name. */
export function partitionDay(table: string, name: string): Date | null {
  if (!name.startsWith(`${table}_p`)) return null;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(name.slice(table.length + 2));
  if (!m) return null;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return partitionName(table, day) === name ? day : null;
}

/** The days that must have a partition: from the day the retention window starts to DAYS_AHEAD days ahead. */
export function windowDays(now: Date, retentionDays: number): Date[] {
  const first = utcDay(new Date(now.getTime() - retentionDays * DAY_MS));
  const last = addDays(utcDay(now), DAYS_AHEAD);
  const days: Date[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}

/** A partition bound literal, unambiguous whatever the session's time zone. */
export function boundLiteral(day: Date): string {
  return `'${day.toISOString().slice(0, 10)} 00:00:00+00'`;
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The one row a statement returns. */
function one<T>(rows: T[]): T {
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return rows[0]!;
}

export interface TableLayout {
  /** the partition the table routes rows to when no other fits, if it has one */
  defaultPartition: string | null;
  partitions: string[];
}

/** The table's partitions, or null when it does not exist or is not partitioned. */
export async function tableLayout(db: Connection, table: string): Promise<TableLayout | null> {
  const [row] = await db.query<{ default_partition: string | null; partitions: string[] }>(
    `SELECT (SELECT d.relname FROM pg_class d WHERE d.oid = pt.partdefid) AS default_partition,
            ARRAY(SELECT ch.relname::text FROM pg_inherits i JOIN pg_class ch ON ch.oid = i.inhrelid
                  WHERE i.inhparent = pt.partrelid ORDER BY 1) AS partitions
     FROM pg_partitioned_table pt
     WHERE pt.partrelid = to_regclass($1)`,
    [table],
  );
  if (!row) return null;
  return { defaultPartition: row.default_partition, partitions: row.partitions };
}

export interface MaintenanceOptions {
  now?: Date;
  retentionDays: number;
  tables?: readonly PartitionedTable[];
}

export interface EnsureResult {
  /** partitions created, by name */
  created: string[];
  /** rows moved out of default partitions */
  moved: number;
  /** registered tables that do not exist or are not partitioned */
  skipped: string[];
  /** tables whose maintenance failed this time (a lock not granted in time, …); the next run tries again */
  failures: { table: string; error: string }[];
}

/**
 * Creates the missing daily partitions of every registered table: the retention window's days
 * up to DAYS_AHEAD ahead, and any earlier day that has rows waiting in the default partition
 * (retention then drops it whole). Idempotent; each day is its own short transaction.
 */
export async function ensurePartitions(run: Transactional, options: MaintenanceOptions): Promise<EnsureResult> {
  const now = options.now ?? new Date();
  const result: EnsureResult = { created: [], moved: 0, skipped: [], failures: [] };
  const wanted = windowDays(now, options.retentionDays);
  const windowEnd = addDays(wanted[wanted.length - 1]!, 1);
  for (const spec of options.tables ?? PARTITIONED_TABLES) {
    try {
      const layout = await run((tx) => tableLayout(tx, spec.table));
      if (!layout) {
        result.skipped.push(spec.table);
        continue;
      }
      const days = new Map(wanted.map((day) => [day.getTime(), day]));
      if (layout.defaultPartition) {
        // Normally empty, so this scan is cheap; days after the window wait there until it reaches them.
        const waiting = await run((tx) =>
          tx.query<{ day: string }>(
            `SELECT DISTINCT to_char((${quoteIdent(spec.column)} AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day
             FROM ${quoteIdent(layout.defaultPartition!)} WHERE ${quoteIdent(spec.column)} < $1`,
            [windowEnd.toISOString()],
          ),
        );
        for (const { day } of waiting) {
          const at = new Date(`${day}T00:00:00Z`);
          days.set(at.getTime(), at);
        }
      }
      const existing = new Set(layout.partitions);
      const missing = [...days.values()]
        .filter((day) => !existing.has(partitionName(spec.table, day)))
        .sort((a, b) => a.getTime() - b.getTime());
      for (const day of missing) {
        const made = await run((tx) => createDayPartition(tx, spec, day));
        if (made.created) result.created.push(partitionName(spec.table, day));
        result.moved += made.moved;
      }
    } catch (error) {
      result.failures.push({ table: spec.table, error: (error as Error).message });
    }
  }
  return result;
}

/** Takes the maintenance lock for this transaction, with a bound on how long table locks may be waited for. */
export async function lockForMaintenance(tx: Connection): Promise<void> {
  await tx.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
  await tx.query(`SELECT pg_advisory_xact_lock($1)`, [MAINTENANCE_LOCK_KEY]);
}

async function createDayPartition(
  tx: Connection,
  spec: PartitionedTable,
  day: Date,
): Promise<{ created: boolean; moved: number }> {
  await lockForMaintenance(tx);
  const name = partitionName(spec.table, day);
  const { exists } = one(await tx.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [name]));
  if (exists) return { created: false, moved: 0 };
  const layout = await tableLayout(tx, spec.table);
  if (!layout) return { created: false, moved: 0 };
  const table = quoteIdent(spec.table);
  const bounds = `FOR VALUES FROM (${boundLiteral(day)}) TO (${boundLiteral(addDays(day, 1))})`;
  const storage = spec.storage ? ` WITH (${spec.storage})` : "";
  if (!layout.defaultPartition) {
    await tx.query(`CREATE TABLE ${quoteIdent(name)} PARTITION OF ${table} ${bounds}${storage}`);
    return { created: true, moved: 0 };
  }
  // Rows for this day may sit in the default partition, and would make CREATE … PARTITION OF
  // fail. Lock the table (and so its partitions) first, in the order inserts take them, so no
  // row can land there meanwhile; then move them into a table that becomes the partition.
  await tx.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  const column = quoteIdent(spec.column);
  const fallback = quoteIdent(layout.defaultPartition);
  const range = `${column} >= ${boundLiteral(day)} AND ${column} < ${boundLiteral(addDays(day, 1))}`;
  const { waiting } = one(
    await tx.query<{ waiting: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${fallback} WHERE ${range}) AS waiting`),
  );
  if (!waiting) {
    await tx.query(`CREATE TABLE ${quoteIdent(name)} PARTITION OF ${table} ${bounds}${storage}`);
    return { created: true, moved: 0 };
  }
  const { columns } = one(
    await tx.query<{ columns: string }>(
      `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS columns
       FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND attgenerated = ''`,
      [spec.table],
    ),
  );
  const like = `LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS`;
  await tx.query(`CREATE TABLE ${quoteIdent(name)} (${like})${storage}`);
  const { moved } = one(
    await tx.query<{ moved: number }>(
      `WITH moved AS (DELETE FROM ${fallback} WHERE ${range} RETURNING ${columns}),
            copied AS (INSERT INTO ${quoteIdent(name)} (${columns}) SELECT ${columns} FROM moved RETURNING 1)
       SELECT count(*)::int AS moved FROM copied`,
    ),
  );
  // Attaching builds the partition's indexes and clones the table's foreign keys.
  await tx.query(`ALTER TABLE ${table} ATTACH PARTITION ${quoteIdent(name)} ${bounds}`);
  return { created: true, moved };
}
