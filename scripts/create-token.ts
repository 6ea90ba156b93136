// `npm run token:create -- <name> [--scopes ingest,read] [--restrict "prod/*" …]`: make a token for DATABASE_URL and print it once.
import { createIngestToken } from "@/lib/api/token-admin";
import { disconnectDb } from "@/lib/db/client";
import { parseRestrictionList } from "@/lib/domain/token-restrictions";
import { isScope, SCOPES, type Scope } from "@/lib/domain/token-scopes";

if (!process.env.DATABASE_URL) {
  console.error("DATABASE_URL is not set (the embedded database prints a first token at its first start)");
  process.exit(2);
}

const words: string[] = [];
let scopes: Scope[] = [...SCOPES];
// --restrict may be repeated, and each takes one pattern or a comma-separated list.
const patterns: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  const restrict = /^--restrict=(.*)$/.exec(arg);
  if (arg === "--restrict" || restrict) {
    const value = restrict ? restrict[1]! : args[++i];
    if (value === undefined || value.trim() === "") {
      console.error('--restrict takes a pattern: "prod/*", "staging/payments/*" or "prod/payments/checkout-api"');
      process.exit(2);
    }
    patterns.push(value);
    continue;
  }
  const inline = /^--scopes=(.*)$/.exec(arg);
  if (arg === "--scopes" || inline) {
    const list = (inline ? inline[1]! : (args[++i] ?? ""))
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = list.filter((s) => !isScope(s));
    if (list.length === 0 || unknown.length > 0) {
      console.error(
        `--scopes takes a comma-separated list of ${SCOPES.join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}`,
      );
      process.exit(2);
    }
    scopes = list as Scope[];
  } else {
    words.push(arg);
  }
}
const restrictions = parseRestrictionList(patterns);
if (!restrictions.ok) {
  console.error(`--restrict: ${restrictions.problem}`);
  process.exit(2);
}
const name = words.join(" ").trim() || `token made ${new Date().toISOString()}`;
const created = await createIngestToken(name, scopes, undefined, restrictions.patterns);
const services = created.restrictions ? `services ${created.restrictions.join(", ")}` : "every service";
console.log(
  `token #${created.id} "${name}" (${created.prefix}…), scopes ${created.scopes.join(", ")}, ${services}; shown once, only its hash is stored:`,
);
console.log(created.token);
await disconnectDb();
