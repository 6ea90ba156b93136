import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { expect, inject, test } from "vitest";
import { migrate, migrationsDir } from "@/lib/db/migrate";

test("migrations are recorded the way prisma migrate deploy records them, and re-running applies nothing", async () => {
  const url = inject("databaseUrl");
  const again = await migrate(url);
  expect(again.applied).toEqual([]);
  expect(again.alreadyApplied).toBeGreaterThan(0);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = (
      await client.query(
        `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
      )
    ).rows;
    const first = rows[0];
    const sql = await readFile(path.join(migrationsDir(), first.migration_name, "migration.sql"), "utf8");
    expect(first.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
    expect(first.finished_at).not.toBeNull();
  } finally {
    await client.end();
  }
});
