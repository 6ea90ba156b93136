// Generates the Prisma client and builds the Next.js app when the sources are newer than
// the last build, so `npm start` works on a fresh clone and restarts in seconds.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = process.cwd();
const SOURCES = [
  "app",
  "components",
  "lib",
  "prisma/schema.prisma",
  "next.config.js",
  "package-lock.json",
  "tsconfig.json",
  "public",
];
const SKIP = new Set(["node_modules", ".next", "generated"]);

function newestMtime(entry: string): number {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of readdirSync(full)) {
    if (!SKIP.has(child)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  }
  return newest;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { stdio: "inherit", env, cwd: root });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status})`);
}

const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

export function generatePrismaClientIfNeeded(): void {
  const client = path.join(root, "lib/db/generated/client.ts");
  if (existsSync(client) && statSync(client).mtimeMs >= newestMtime("prisma/schema.prisma")) return;
  console.log("[reloadscope] generating the Prisma client");
  // prisma generate needs no schema engine for the Rust-free client; pointing the variable at
  // any existing file skips the engine download, which this environment cannot reach.
  run(bin("prisma"), ["generate"], { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath });
}

export function buildIfNeeded(): void {
  generatePrismaClientIfNeeded();
  const buildId = path.join(root, ".next/BUILD_ID");
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const changedAt = Math.max(...SOURCES.map(newestMtime));
  if (builtAt >= changedAt) return;
  console.log(
    builtAt
      ? "[reloadscope] sources changed since the last build: building"
      : "[reloadscope] first start: building the app",
  );
  const started = Date.now();
  run(bin("next"), ["build"], { ...process.env, NEXT_TELEMETRY_DISABLED: "1" });
  console.log(`[reloadscope] built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--generate")) generatePrismaClientIfNeeded();
  else buildIfNeeded();
}
