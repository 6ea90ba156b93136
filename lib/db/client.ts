import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { env } from "@/lib/env";
import { Prisma, PrismaClient } from "./generated/client";

// One pg pool per process (kept on globalThis so dev-mode reloads do not leak pools), with
// an explicit size. Prisma runs on it through the PrismaPg adapter and omits token hashes by
// default: the CRUD rooms use it (`db()`, and `dbTransaction` for writes audited in the same
// commit); the hot paths (the ingest transaction, the matrix aggregates) send their SQL to
// the same pool directly (`sql()`, `transaction()`), skipping Prisma's per-row conversion
// (docs/adr/0004).

function createDatabase() {
  const { DATABASE_URL, DATABASE_POOL_SIZE, RELOADSCOPE_EMBEDDED } = env();
  if (!DATABASE_URL) {
    throw new Error("DATABASE_URL is not set: start the app with `npm start`, which provides the embedded database");
  }
  const embedded = RELOADSCOPE_EMBEDDED === "1";
  const pool = new pg.Pool({
    connectionString: DATABASE_URL,
    // The embedded PGlite must be used through one connection (see scripts/serve.ts).
    max: DATABASE_POOL_SIZE ?? (embedded ? 1 : 10),
    connectionTimeoutMillis: 5_000,
    // JIT compilation costs more than it saves on the matrix's short aggregates.
    ...(embedded ? {} : { options: "-c jit=off" }),
  });
  // A dropped connection must not crash the process. pg-pool listens for errors only on idle
  // clients; one checked out by a transaction emits its lost connection (a terminated backend,
  // a restart) on itself, an uncaughtException without a listener. So every client gets one
  // when it connects. The statement under way, or the next, fails with the loss, the route
  // answers 503 (lib/db/unavailable.ts), and the pool drops the dead client on release.
  pool.on("connect", (client) => {
    client.on("error", (error) => console.error("[db] connection lost:", error.message));
  });
  // pg-pool also re-emits an idle client's error here: already logged by the client's own listener.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), omit: { ingestToken: { tokenHash: true } } });
  return { pool, prisma };
}

type Database = ReturnType<typeof createDatabase>;
export type Db = Database["prisma"];

const globalForDb = globalThis as unknown as { reloadscopeDb?: Database };

function database(): Database {
  globalForDb.reloadscopeDb ??= createDatabase();
  return globalForDb.reloadscopeDb;
}

/** The Prisma client. */
export function db(): Db {
  return database().prisma;
}

/** Plain SQL with positional parameters, for the hot paths. */
export interface Sql {
  query<T extends object[]>(text: string, ...params: unknown[]): Promise<T>;
  execute(text: string, ...params: unknown[]): Promise<number>;
}

function sqlOn(queryable: pg.Pool | pg.PoolClient): Sql {
  return {
    async query<T extends object[]>(text: string, ...params: unknown[]) {
      return (await queryable.query(text, params)).rows as T;
    },
    async execute(text: string, ...params: unknown[]) {
      return (await queryable.query(text, params)).rowCount ?? 0;
    },
  };
}

export function sql(): Sql {
  return sqlOn(database().pool);
}

/** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if not. */
export async function transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
  const client = await database().pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(sqlOn(client));
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Prisma Client inside a dbTransaction. */
export type DbTx = Prisma.TransactionClient;

/** A JSON object Prisma writes to a json/jsonb column (Record<string, unknown> does not say it is JSON). */
export type DbJsonObject = Prisma.InputJsonObject;

/** A dbTransaction: plain SQL (an Sql, so appendAudit takes it) and Prisma Client (`db`) in one transaction. */
export interface DbTransaction extends Sql {
  db: DbTx;
}

/**
 * One transaction in which Prisma Client and plain SQL both run: Prisma's interactive
 * transaction on one connection of the pool, `tx.db` its client and `tx.query`/`tx.execute`
 * statements sent through it. The CRUD rooms write with Prisma and append their audit entry
 * (SQL) in the same commit (docs/adr/0004). As in `transaction`, nothing inside may ask the
 * pool for another connection: the embedded database has one (docs/adr/0001).
 */
export async function dbTransaction<T>(work: (tx: DbTransaction) => Promise<T>): Promise<T> {
  return db().$transaction((client) => work({ ...sqlThrough(client), db: client }), {
    // Waiting for a connection ends with the pool's own timeout (connectionTimeoutMillis) first.
    maxWait: 10_000,
    // A transaction may wait on row locks another holds, or (testing a source) on an HTTP answer.
    timeout: 60_000,
  });
}

/**
 * Plain SQL through a Prisma transaction, answering as pg does: bigint and numeric as text
 * where Prisma's raw layer gives BigInt and Decimal. That layer cannot read a `void` column:
 * a statement that returns one (SELECT pg_advisory_xact_lock(…)) goes through `execute`.
 */
function sqlThrough(client: DbTx): Sql {
  return {
    async query<T extends object[]>(text: string, ...params: unknown[]) {
      const rows = await client.$queryRawUnsafe<Record<string, unknown>[]>(text, ...params.map(pgParam));
      for (const row of rows) for (const key of Object.keys(row)) row[key] = pgShaped(row[key]);
      return rows as unknown as T;
    },
    execute: (text: string, ...params: unknown[]) => client.$executeRawUnsafe(text, ...params.map(pgParam)),
  };
}

// A Date as ISO text, as pg would send it with its offset: Prisma's raw layer drops the zone.
const pgParam = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

function pgShaped(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Prisma.Decimal.isDecimal(value)) return value.toFixed();
  if (Array.isArray(value)) return value.map(pgShaped);
  return value;
}

export async function disconnectDb(): Promise<void> {
  const current = globalForDb.reloadscopeDb;
  globalForDb.reloadscopeDb = undefined;
  if (!current) return;
  await current.prisma.$disconnect();
  await current.pool.end().catch(() => {});
}
