// What the stored history costs on disk: the tables that grow with what the fleet reports
// (docs/benchmark.md, "history bytes"). reload_event and its id claims, plus whichever presence
// interval table exists (DESIGN.md, "History rules"): any top-level table whose name starts
// with `presence`, so the figure follows the schema without naming a table it cannot know.
// Partitioned tables are summed over their partitions (pg_total_relation_size of a
// partitioned parent is 0); indexes and TOAST are included.
import { withDb } from "./setup/databases";

export const HISTORY_TABLES = ["reload_event", "reload_event_id"];
export const PRESENCE_PREFIX = "presence";

export interface HistoryBytes {
  total: number;
  /** bytes per history table found */
  tables: Record<string, number>;
}

export async function historyBytes(url: string): Promise<HistoryBytes> {
  return withDb(url, async (c) => {
    const { rows } = await c.query<{ relname: string; bytes: string }>(
      `SELECT c.relname,
              coalesce((SELECT sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) t), pg_total_relation_size(c.oid))::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND (c.relname = ANY($1::text[]) OR c.relname LIKE $2)
       ORDER BY c.relname`,
      [HISTORY_TABLES, `${PRESENCE_PREFIX}%`],
    );
    const tables = Object.fromEntries(rows.map((r) => [r.relname, Number(r.bytes)]));
    return { total: Object.values(tables).reduce((a, b) => a + b, 0), tables };
  });
}

export const describeHistory = (h: HistoryBytes) =>
  Object.entries(h.tables)
    .map(([t, b]) => `${t} ${(b / 1024 / 1024).toFixed(1)} MB`)
    .join(", ");

/** Whether a presence interval table exists: no-change heartbeats are then not stored as events. */
export const hasPresence = (h: HistoryBytes) => Object.keys(h.tables).some((t) => t.startsWith(PRESENCE_PREFIX));
