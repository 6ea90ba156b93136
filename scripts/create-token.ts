// `npm run token:create -- <name>`: make an ingest token for DATABASE_URL and print it once.
import { disconnectDb } from "@/lib/db/client";
import { createIngestToken } from "@/lib/ingest/tokens";

if (!process.env.DATABASE_URL) {
  console.error("DATABASE_URL is not set (the embedded database prints a first token at its first start)");
  process.exit(2);
}
const name = process.argv.slice(2).join(" ").trim() || `token made ${new Date().toISOString()}`;
const { id, token } = await createIngestToken(name);
console.log(`ingest token #${id} "${name}" (shown once; only its hash is stored):\n${token}`);
await disconnectDb();
