// `npm start`: build when needed, bring up the database (DATABASE_URL, or the embedded
// PGlite under .data/ with the demo fleet), migrate, then serve the dashboard on PORT.
import { spawn } from "node:child_process";
import path from "node:path";
import { EMBEDDED_MAX_CONNECTIONS, startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/db/embedded";
import { buildIfNeeded } from "./build-if-needed";
import { prepareDatabase } from "./prepare-db";

async function main() {
  buildIfNeeded();

  let embedded: EmbeddedPostgres | null = null;
  if (!process.env.DATABASE_URL) {
    const dataDir = path.join(process.cwd(), ".data", "pglite");
    embedded = await startEmbeddedPostgres({ dataDir, port: Number(process.env.EMBEDDED_DB_PORT ?? 0) });
    process.env.DATABASE_URL = embedded.url;
    process.env.RELOADSCOPE_EMBEDDED = "1";
    // The app's pool must stay under the socket server's connection cap.
    process.env.DATABASE_POOL_SIZE ??= String(Math.min(4, EMBEDDED_MAX_CONNECTIONS - 2));
    console.log(`[reloadscope] embedded Postgres (PGlite) in ${dataDir}, serving ${embedded.url}`);
  }

  const { firstToken } = await prepareDatabase({
    databaseUrl: process.env.DATABASE_URL!,
    demoFleet: embedded !== null || process.env.DEMO_FLEET === "1",
    firstToken: embedded !== null,
  });
  if (firstToken) {
    console.log("\n[reloadscope] first ingest token (shown once; only its hash is stored):");
    console.log(`  ${firstToken}\n`);
  }

  const port = process.env.PORT ?? "3000";
  const hostname = process.env.HOSTNAME_BIND ?? "0.0.0.0";
  const next = spawn(path.join(process.cwd(), "node_modules", ".bin", "next"), ["start", "-p", port, "-H", hostname], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  console.log(`[reloadscope] dashboard on http://localhost:${port}`);

  const stop = async (code: number) => {
    await embedded?.stop().catch(() => {});
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      next.kill(signal);
    });
  }
  next.on("exit", (code, signal) => void stop(code ?? (signal ? 0 : 1)));
}

main().catch((error) => {
  console.error("[reloadscope] could not start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
