import "server-only";
import PgBoss from "pg-boss";
import { sql, type Sql } from "@/lib/db/client";

// pg-boss runs over the app's own pool (docs/adr/0013-job-queue.md): its constructor takes a
// `db` that executes SQL, so it opens no connections of its own, which the embedded PGlite
// (one connection) needs. Its schema comes from our migrations (migrate: false).

export const BOSS_SCHEMA = "pgboss";

/** pg-boss's SQL executor on a connection or transaction of ours. */
export function bossDb(on: Sql | (() => Sql)): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const target = typeof on === "function" ? on() : on;
      return { rows: await target.query<object[]>(text, ...values) };
    },
  };
}

const globalForBoss = globalThis as unknown as { reloadscopeBoss?: PgBoss };

/**
 * The process's pg-boss. Constructed lazily and not started here: enqueueing needs no started
 * instance (it only runs an INSERT, on the caller's transaction); lib/worker/worker.ts starts
 * it to work jobs.
 */
export function boss(): PgBoss {
  globalForBoss.reloadscopeBoss ??= new PgBoss({
    db: bossDb(() => sql()),
    schema: BOSS_SCHEMA,
    migrate: false,
    // No cron schedules: the clock monitor and cron workers would only poll for nothing.
    schedule: false,
    supervise: true,
    // Finished jobs stay a day for inspection, then go (pg-boss's maintenance, one process at a time).
    deleteAfterDays: 1,
  });
  return globalForBoss.reloadscopeBoss;
}

/** Forgets the instance (tests that change databases); the caller stops it first. */
export function resetBoss(): void {
  globalForBoss.reloadscopeBoss = undefined;
}
