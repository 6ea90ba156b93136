// Points the app's database client at the suite's test database and empties it between tests.
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { db, disconnectDb } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";

export const TEST_TOKEN = "rs_test_token_for_integration_suite_0001";

export function useTestDatabase() {
  beforeAll(() => {
    process.env.DATABASE_URL = inject("databaseUrl");
    process.env.INGEST_TOKEN = TEST_TOKEN;
    // The embedded PGlite is used through one connection (see scripts/start.ts).
    process.env.DATABASE_POOL_SIZE = inject("embedded") ? "1" : "10";
    resetEnvCache();
  });
  beforeEach(async () => {
    await db().$executeRawUnsafe(
      `TRUNCATE service, instance, reload_event, instance_state, reload, reload_instance, desired_version RESTART IDENTITY CASCADE`,
    );
  });
  afterAll(async () => {
    await disconnectDb();
  });
}
