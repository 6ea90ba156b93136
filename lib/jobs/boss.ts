import "server-only";
import PgBoss from "pg-boss";
import { sql, type Sql } from "@/lib/db/client";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";

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

// pg-boss 10's work loop records a job's outcome without awaiting it (manager.js:
// `this.complete(…)` / `this.fail(…)` after the handler), so a connection lost at that moment
// rejected nowhere: an unhandledRejection. These are those two statements (plans.js
// completeJobs, failJobsById); nothing of ours sends them. When one finds the database
// unavailable, the loss goes to the queue's 'error' event instead and the job stays active:
// pg-boss runs it again once it expires, as if the process had died there.
const UNAWAITED_OUTCOME =
  /^\s*WITH (results AS \(\s*UPDATE \S+\.job\s+SET completed_on = now\(\)|deleted_jobs AS \(\s*DELETE FROM \S+\.job\s+WHERE name = \$1 AND id IN)/;

function outcomeSafeDb(report: (error: unknown) => void): PgBoss.Db {
  const db = bossDb(() => sql());
  return {
    async executeSql(text: string, values: unknown[] = []) {
      try {
        return await db.executeSql(text, values);
      } catch (error) {
        if (!UNAWAITED_OUTCOME.test(text) || !isDatabaseUnavailable(error)) throw error;
        report(error);
        return { rows: [{ count: "0" }] };
      }
    },
  };
}

/**
 * The process's pg-boss. Constructed lazily and not started here: enqueueing needs no started
 * instance (it only runs an INSERT, on the caller's transaction); lib/worker/worker.ts starts
 * it to work jobs.
 */
export function boss(): PgBoss {
  globalForBoss.reloadscopeBoss ??= createBoss();
  return globalForBoss.reloadscopeBoss;
}

function createBoss(): PgBoss {
  const instance: PgBoss = new PgBoss({
    db: outcomeSafeDb((error) => instance.emit("error", error)),
    schema: BOSS_SCHEMA,
    migrate: false,
    // No cron schedules: the clock monitor and cron workers would only poll for nothing.
    schedule: false,
    supervise: true,
    // Finished jobs stay a day for inspection, then go (pg-boss's maintenance, one process at a time).
    deleteAfterDays: 1,
  });
  return instance;
}

/** Forgets the instance (tests that change databases); the caller stops it first. */
export function resetBoss(): void {
  globalForBoss.reloadscopeBoss = undefined;
}
