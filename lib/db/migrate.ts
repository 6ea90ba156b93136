// Applies prisma/migrations/*/migration.sql in order and records each in Prisma's own
// `_prisma_migrations` table with Prisma's checksum, so a deployment can switch to
// `prisma migrate deploy` later with nothing to redo (docs/adr/0002-migrations.md).
// It uses pg directly: it runs before the app, from scripts and tests.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { env } from "@/lib/env";
import { grantAppRole, roleOf } from "./app-role";
import { ensurePartitions, transactionsOn } from "./partitions";

// The same advisory lock key prisma migrate takes, so the two never run at once.
const MIGRATION_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export function migrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

export async function migrate(
  connectionString: string,
  dir = migrationsDir(),
  options: {
    retentionDays?: number;
    /** The app's own DATABASE_URL, when migrations run as another role: that role is handed the app's tables (lib/db/app-role.ts). */
    appUrl?: string;
  } = {},
): Promise<MigrationResult> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const done = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Map(done.rows.map((r) => [r.migration_name, r.checksum]));
    const result: MigrationResult = { applied: [], alreadyApplied: 0 };
    for (const name of names) {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const previous = applied.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(
            `Migration ${name} was changed after it was applied (checksum differs); add a new migration instead`,
          );
        }
        result.alreadyApplied++;
        continue;
      }
      // Each migration and its record commit together, so a failed one leaves nothing behind.
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${name} failed: ${(error as Error).message}`);
      }
      result.applied.push(name);
    }
    // Daily partitions of the time-partitioned tables for the retention window and the days
    // ahead (lib/db/partitions.ts); the app's hourly maintenance keeps them coming.
    const partitions = await ensurePartitions(transactionsOn(client), {
      retentionDays: options.retentionDays ?? env().RETENTION_DAYS,
    });
    for (const failure of partitions.failures)
      console.warn(`[migrate] partitions of ${failure.table}: ${failure.error}`);
    if (options.appUrl) await handOver(client, options.appUrl);
    return result;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

/**
 * Migrates the app's database: as DATABASE_MIGRATION_URL's role when one is given, then hands
 * the app's role (DATABASE_URL's user) its tables and only SELECT, INSERT on audit_log
 * (docs/adr/0020); without one, as the app's own role, which then owns audit_log too.
 */
export async function migrateDatabase(
  databaseUrl: string,
  migrationUrl: string | undefined = env().DATABASE_MIGRATION_URL,
): Promise<MigrationResult> {
  if (!migrationUrl) return migrate(databaseUrl);
  return migrate(migrationUrl, migrationsDir(), { appUrl: databaseUrl });
}

async function handOver(migrator: pg.Client, appUrl: string): Promise<void> {
  const app = new pg.Client({ connectionString: appUrl });
  await app.connect();
  let appSide: { role: string; database: string };
  try {
    appSide = await roleOf(app);
  } finally {
    await app.end();
  }
  const migrationSide = await roleOf(migrator);
  if (appSide.database !== migrationSide.database) {
    throw new Error(
      `DATABASE_MIGRATION_URL names database "${migrationSide.database}" but DATABASE_URL names "${appSide.database}": they must be the same database`,
    );
  }
  // One role for both: nothing to withhold (the start-up warning says so).
  if (appSide.role === migrationSide.role) return;
  await grantAppRole(migrator, appSide.role);
}
