// `npm start`: build when needed, bring up the database (DATABASE_URL, or the embedded
// PGlite under .data/ with the demo fleet), migrate, then serve the dashboard on PORT.
import { spawn } from "node:child_process";
import path from "node:path";
import { EMBEDDED_MAX_CONNECTIONS, startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/db/embedded";
import { sendDemoHeartbeats } from "@/lib/demo/demo-heartbeats";
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
    // The app's pool and this process's (demo heartbeats) together stay under the socket server's cap.
    process.env.DATABASE_POOL_SIZE ??= String(Math.floor((EMBEDDED_MAX_CONNECTIONS - 2) / 2));
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

  // The embedded demo keeps reporting, so it stays a living fleet rather than a snapshot.
  const heartbeat = embedded
    ? setInterval(() => void sendDemoHeartbeats().catch((e) => console.error("[reloadscope] demo heartbeat failed:", e.message)), 60_000)
    : null;

  const stop = async (code: number) => {
    if (heartbeat) clearInterval(heartbeat);
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
