// `npm run db:migrate`: apply pending migrations to DATABASE_URL (what `npm start` does first).
import { migrate } from "@/lib/db/migrate";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set");
  process.exit(2);
}
const result = await migrate(url);
console.log(result.applied.length ? `applied: ${result.applied.join(", ")}` : `up to date (${result.alreadyApplied} applied before)`);
