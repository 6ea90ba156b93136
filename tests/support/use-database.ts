// Points the app's database client at the suite's test database and empties it between tests.
import { afterAll, beforeAll, beforeEach, expect, inject, test } from "vitest";
import { db, disconnectDb, transaction } from "@/lib/db/client";
import { env, resetEnvCache } from "@/lib/env";

export const TEST_TOKEN = "rs_test_token_for_integration_suite_0001";

// Every table the app writes, except the migrations record and the ingest tokens (tests
// create tokens and expect them to stay for the suite). Read from the catalog once, so a
// table a later migration adds is emptied too.
let tablesToEmpty: Promise<string[]> | undefined;

/** Empties the test database (as before each test); property tests call it between runs. */
export async function truncateAll(): Promise<void> {
  tablesToEmpty ??= db()
    .$queryRawUnsafe<{ name: string }[]>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables
       WHERE schemaname = current_schema() AND tablename NOT IN ('_prisma_migrations', 'ingest_token')
       ORDER BY tablename`,
    )
    .then((rows) => rows.map((r) => r.name));
  const tables = await tablesToEmpty.catch((error) => {
    tablesToEmpty = undefined;
    throw error;
  });
  // audit_log refuses TRUNCATE by trigger (append-only); replica mode skips triggers for this
  // transaction only. The test database's user is a superuser, as the setting requires.
  await transaction(async (tx) => {
    await tx.execute(`SET LOCAL session_replication_role = replica`);
    await tx.execute(`TRUNCATE ${tables.join(", ")} RESTART IDENTITY CASCADE`);
    // The job queue's jobs too (its queues and schema version stay): a job a previous test or
    // file left would act on rows that are gone, or on new rows that reuse its ids.
    await tx.execute(`TRUNCATE pgboss.job, pgboss.archive`);
  });
}

export function useTestDatabase() {
  beforeAll(() => {
    process.env.DATABASE_URL = inject("databaseUrl");
    process.env.INGEST_TOKEN = TEST_TOKEN;
    // The embedded PGlite is used through one connection (see scripts/start.ts).
    process.env.DATABASE_POOL_SIZE = inject("embedded") ? "1" : "10";
    resetEnvCache();
  });
  beforeEach(async () => {
    await truncateAll();
  });
  afterAll(async () => {
    await disconnectDb();
  });
}

/** True when the suite runs on the in-memory embedded PGlite (DATABASE_URL unset). */
export function onEmbeddedDatabase(): boolean {
  return inject("embedded");
}

/**
 * A test about concurrent requests. The embedded PGlite serves one connection, so requests
 * that look concurrent run one after another there and such a test would pass without
 * testing anything: it runs only on a real Postgres (CI has one) and says so when skipped.
 */
export function concurrencyTest(name: string, fn: () => Promise<void>, timeout?: number): void {
  const embedded = onEmbeddedDatabase();
  const title = embedded ? `${name} — needs a real Postgres; skipped on the embedded one` : `${name} [real Postgres]`;
  if (embedded) {
    console.warn(
      `[tests] SKIPPED on the embedded PGlite (one connection, nothing runs concurrently): "${name}". Set DATABASE_URL to a real Postgres to run it.`,
    );
  }
  test.skipIf(embedded)(
    title,
    async () => {
      // Requests can only overlap in the database when the pool has more than one connection.
      expect(env().DATABASE_POOL_SIZE ?? 1).toBeGreaterThan(1);
      await fn();
    },
    timeout,
  );
}
