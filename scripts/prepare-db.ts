// Run before the app serves (by scripts/start.ts, tests and the benchmark): migrate, store
// INGEST_TOKEN's hash, and on an empty database fill the demo fleet when asked. Prints the
// first ingest token when it had to make one, and the demo users' password when it made
// one (DEMO_PASSWORD unset). The caller disconnects (lib/db/client).
import { countPersonalTokens, createIngestToken } from "@/lib/api/token-admin";
import { ensureEnvToken } from "@/lib/api/tokens";
import { ensureDemoUsers } from "@/lib/auth/users";
import { auditRoleWarning } from "@/lib/audit/audit-role";
import { db, sql } from "@/lib/db/client";
import { migrateDatabase } from "@/lib/db/migrate";
import { ensureDemoSource } from "@/lib/demo/demo-source";
import { ensureDemoReloadTargets } from "@/lib/demo/demo-targets";
import { seedDemoFleet } from "@/lib/demo/seed-demo";
import { env } from "@/lib/env";

export interface PrepareOptions {
  databaseUrl: string;
  /** Run migrations as this role instead (DATABASE_MIGRATION_URL; lib/db/app-role.ts). */
  migrationUrl?: string;
  demoFleet: boolean;
  /** Make and print a first token when the database has none. */
  firstToken: boolean;
  log?: (line: string) => void;
}

export interface Prepared {
  seeded: boolean;
  firstToken: string | null;
  /** the password generated for demo users made now (DEMO_PASSWORD unset): print it once */
  demoPassword: string | null;
}

export async function prepareDatabase(options: PrepareOptions): Promise<Prepared> {
  const log = options.log ?? ((line: string) => console.log(line));
  const migrated = await migrateDatabase(options.databaseUrl, options.migrationUrl);
  if (migrated.applied.length > 0) log(`[reloadscope] applied migrations: ${migrated.applied.join(", ")}`);
  const roleWarning = await auditRoleWarning(sql());
  if (roleWarning) log(roleWarning);
  await ensureEnvToken();
  let seeded = false;
  if (options.demoFleet && (await db().service.count()) === 0) {
    const started = Date.now();
    const { events } = await seedDemoFleet();
    log(`[reloadscope] demo fleet ingested: ${events} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    seeded = true;
  }
  // Demo users go wherever the demo fleet does, also into a database filled before they
  // existed; users already there are kept (ensureDemoUsers is idempotent).
  let demoPassword: string | null = null;
  if (options.demoFleet) {
    const demo = await ensureDemoUsers(env().DEMO_PASSWORD);
    if (demo.created.length > 0) log(`[reloadscope] demo users created: ${demo.created.join(", ")}`);
    demoPassword = demo.generatedPassword;
    // Demo services dispatch to the app's own simulated endpoint (PUBLIC_URL, else HOST:PORT).
    try {
      const added = await ensureDemoReloadTargets();
      if (added > 0) log(`[reloadscope] demo reload targets: ${added} services send to the simulated endpoint`);
    } catch (error) {
      log(`[reloadscope] demo reload targets not set up: ${(error as Error).message}`);
    }
    // A source of recorded samples (no Prometheus runs in the demo), labelled as such.
    try {
      const source = await ensureDemoSource();
      if (source) log(`[reloadscope] demo source of recorded samples: ${source.events} events`);
    } catch (error) {
      log(`[reloadscope] demo source not set up: ${(error as Error).message}`);
    }
  }
  let firstToken: string | null = null;
  if (options.firstToken && (await countPersonalTokens()) === 0) {
    firstToken = (await createIngestToken("first token (made at first start)")).token;
  }
  return { seeded, firstToken, demoPassword };
}
