// `npm run db:migrate`: apply pending migrations to DATABASE_URL (what `npm start` does first),
// as DATABASE_MIGRATION_URL's role when set, which then hands DATABASE_URL's role the app's tables.
import { migrateDatabase } from "@/lib/db/migrate";
import { waitForDatabase } from "@/lib/db/wait";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set");
  process.exit(2);
}
await waitForDatabase(process.env.DATABASE_MIGRATION_URL || url);
const result = await migrateDatabase(url, process.env.DATABASE_MIGRATION_URL || undefined);
console.log(
  result.applied.length
    ? `applied: ${result.applied.join(", ")}`
    : `up to date (${result.alreadyApplied} applied before)`,
);
