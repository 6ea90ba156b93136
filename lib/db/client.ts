import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "@/lib/env";
import { PrismaClient } from "./generated/client";

// One Prisma client per process (kept on globalThis so dev-mode reloads do not leak pools),
// through the pg adapter with an explicit pool size. Token hashes are omitted by default.
function createPrisma() {
  const { DATABASE_URL, DATABASE_POOL_SIZE, RELOADSCOPE_EMBEDDED } = env();
  if (!DATABASE_URL) {
    throw new Error("DATABASE_URL is not set: start the app with `npm start`, which provides the embedded database");
  }
  // The embedded PGlite must be used through one connection (see scripts/start.ts).
  const max = DATABASE_POOL_SIZE ?? (RELOADSCOPE_EMBEDDED === "1" ? 1 : 10);
  const adapter = new PrismaPg({ connectionString: DATABASE_URL, max, connectionTimeoutMillis: 5_000 });
  return new PrismaClient({ adapter, omit: { ingestToken: { tokenHash: true } } });
}

export type Db = ReturnType<typeof createPrisma>;

const globalForPrisma = globalThis as unknown as { reloadscopePrisma?: Db };

export function db(): Db {
  globalForPrisma.reloadscopePrisma ??= createPrisma();
  return globalForPrisma.reloadscopePrisma;
}

export async function disconnectDb(): Promise<void> {
  const client = globalForPrisma.reloadscopePrisma;
  globalForPrisma.reloadscopePrisma = undefined;
  await client?.$disconnect();
}
