// The benchmark's databases: only on a local PostgreSQL, created fresh and migrated, dropped by
// cleanup(); plus the figures the report reads from them.
import pg from "pg";
import { migrate } from "@/lib/db/migrate";
import { cfg } from "../config";
import { int } from "../format";
import { state } from "./state";

export function assertLocal(url: string) {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
    throw new Error(`the benchmark only targets a local PostgreSQL (127.0.0.1); DATABASE_URL points at ${host}`);
  }
}

function dbUrl(name: string): string {
  const url = new URL(cfg.serverUrl);
  url.hostname = "127.0.0.1";
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: dbUrl(new URL(cfg.serverUrl).pathname.slice(1) || "postgres") });
  c.on("error", () => {}); // a connection ended by the server surfaces as a failed query instead
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

/** Creates and migrates a database; cleanup() drops it unless BENCH_KEEP_DB=1. */
export async function createDatabase(name: string): Promise<string> {
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  state.databases.push(name);
  const url = dbUrl(name);
  await migrate(url);
  return url;
}

/** Drops a database now, before the run ends. */
export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const at = state.databases.indexOf(name);
  if (at >= 0) state.databases.splice(at, 1);
}

export async function checkpoint(): Promise<void> {
  // Start each measured phase with no dirty buffers left over from the previous one.
  if (!cfg.checkpoints) return;
  await withAdmin((c) => c.query("CHECKPOINT")).catch(() => {});
}

export async function serverSettings(): Promise<{ version: string; autovacuumOn: boolean }> {
  const version = await withAdmin(
    async (c) => (await c.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version,
  );
  const autovacuumOn = await withAdmin(
    async (c) => (await c.query<{ autovacuum: string }>("SHOW autovacuum")).rows[0]!.autovacuum === "on",
  );
  return { version, autovacuumOn };
}

interface TableFigures {
  live: number;
  dead: number;
  pages: number;
}

export interface DbFigures {
  /** the read-model tables the matrix reads */
  tables: Record<string, TableFigures>;
  events: number;
  /** rows the matrix's version-aggregate query groups into: distinct (service, kind, resource, version) */
  versionGroups: number;
  instanceStates: number;
  instanceStateBytes: number;
  reloads: number;
  desired: number;
  statuses: Record<string, number>;
}

export async function dbFigures(url: string): Promise<DbFigures> {
  return withDb(url, async (c) => {
    const one = async (sql: string) => Number(Object.values((await c.query(sql)).rows[0] as object)[0]);
    const statuses = await c.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM reload GROUP BY status ORDER BY 2 DESC`,
    );
    const tables = await c.query<{ relname: string; live: number; dead: number; pages: number }>(
      `SELECT relname, n_live_tup::int AS live, n_dead_tup::int AS dead, (pg_relation_size(relid) / 8192)::int AS pages
       FROM pg_stat_user_tables WHERE relname IN ('service', 'instance', 'instance_state', 'desired_version') ORDER BY relname`,
    );
    return {
      tables: Object.fromEntries(tables.rows.map((r) => [r.relname, { live: r.live, dead: r.dead, pages: r.pages }])),
      events: await one(`SELECT count(*) FROM reload_event`),
      versionGroups: await one(
        `SELECT count(*) FROM (SELECT DISTINCT service_id, kind, resource, version FROM instance_state) g`,
      ),
      instanceStates: await one(`SELECT count(*) FROM instance_state`),
      instanceStateBytes: await one(`SELECT pg_total_relation_size('instance_state')`),
      reloads: await one(`SELECT count(*) FROM reload`),
      desired: await one(`SELECT count(*) FROM desired_version`),
      statuses: Object.fromEntries(statuses.rows.map((r) => [r.status, r.n])),
    };
  });
}

export const describeTables = (f: DbFigures) =>
  Object.entries(f.tables)
    .map(([t, x]) => `${t} ${int(x.live)} live / ${int(x.dead)} dead rows in ${int(x.pages)} pages`)
    .join(", ");
