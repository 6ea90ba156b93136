// Run before the app serves (by scripts/start.ts, tests and the benchmark): migrate, store
// INGEST_TOKEN's hash, and on an empty database fill the demo fleet when asked. Prints the
// first ingest token when it had to make one. The caller disconnects (lib/db/client).
import { db } from "@/lib/db/client";
import { migrate } from "@/lib/db/migrate";
import { seedDemoFleet } from "@/lib/demo/seed-demo";
import { countPersonalTokens, createIngestToken, ensureEnvToken } from "@/lib/ingest/tokens";

export interface PrepareOptions {
  databaseUrl: string;
  demoFleet: boolean;
  /** Make and print a first token when the database has none. */
  firstToken: boolean;
  log?: (line: string) => void;
}

export async function prepareDatabase(options: PrepareOptions): Promise<{ seeded: boolean; firstToken: string | null }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const migrated = await migrate(options.databaseUrl);
  if (migrated.applied.length > 0) log(`[reloadscope] applied migrations: ${migrated.applied.join(", ")}`);
  await ensureEnvToken();
  let seeded = false;
  if (options.demoFleet && (await db().service.count()) === 0) {
    const started = Date.now();
    const { events } = await seedDemoFleet();
    log(`[reloadscope] demo fleet ingested: ${events} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    seeded = true;
  }
  let firstToken: string | null = null;
  if (options.firstToken && (await countPersonalTokens()) === 0) {
    firstToken = (await createIngestToken("first token (made at first start)")).token;
  }
  return { seeded, firstToken };
}
