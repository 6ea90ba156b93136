// A fresh database for one test run: a new database on the server at DATABASE_URL (CI points
// it at the machine's PostgreSQL 15), or an in-memory embedded PGlite when it is unset, so
// `npm test` passes on any machine.
import pg from "pg";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";

export interface TestDatabase {
  url: string;
  embedded: boolean;
  drop(): Promise<void>;
}

/** `serverUrl`: the Postgres server to make it on (default DATABASE_URL); null or unset → an in-memory PGlite. */
export async function createTestDatabase(
  label: string,
  serverUrl: string | null | undefined = process.env.DATABASE_URL,
): Promise<TestDatabase> {
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: null });
    await migrate(embedded.url);
    return { url: embedded.url, embedded: true, drop: () => embedded.stop() };
  }
  const name = `reloadscope_${label}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    url: url.toString(),
    embedded: false,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
