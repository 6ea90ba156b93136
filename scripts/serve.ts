// Run by scripts/start.ts once the app is built: bring up the database (DATABASE_URL, or the
// embedded PGlite under .data/ with the demo fleet), migrate, then serve the dashboard on PORT.
import { spawn } from "node:child_process";
import path from "node:path";
import { createRunToken } from "@/lib/api/token-admin";
import { EMBEDDED_MAX_CONNECTIONS, startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/db/embedded";
import { demoFinalHeartbeats, demoHeartbeatTick } from "@/lib/demo/demo-heartbeats";
import { sendDemoTraces } from "@/lib/demo/demo-traces";
import { disconnectDb } from "@/lib/db/client";
import { waitForDatabase } from "@/lib/db/wait";
import { env } from "@/lib/env";
import { prepareDatabase } from "./prepare-db";
import { ensureEmbeddedSecrets, requireStartSecrets } from "./start-secrets";

export async function serve() {
  let embedded: EmbeddedPostgres | null = null;
  // Secrets first: nothing may read the environment (env() caches it) before they are in it.
  if (process.env.DATABASE_URL) requireStartSecrets();
  else {
    const made = ensureEmbeddedSecrets(path.join(process.cwd(), ".data"));
    if (made.length > 0)
      console.log(
        `[reloadscope] generated ${made.join(" and ")} into .data/secrets.json (mode 0600; kept across restarts)`,
      );
  }
  if (!process.env.DATABASE_URL) {
    const dataDir = path.join(process.cwd(), ".data", "pglite");
    embedded = await startEmbeddedPostgres({ dataDir, port: Number(process.env.EMBEDDED_DB_PORT ?? 0) });
    process.env.DATABASE_URL = embedded.url;
    process.env.RELOADSCOPE_EMBEDDED = "1";
    // The app's pool must stay under the socket server's connection cap.
    // One connection: pglite-socket interleaves the extended-protocol messages of concurrent
    // connections outside transactions (electric-sql/pglite#1046), so the app uses a single
    // connection and this process talks to the database only before the app starts.
    process.env.DATABASE_POOL_SIZE = "1";
    console.log(`[reloadscope] embedded Postgres (PGlite) in ${dataDir}, serving ${embedded.url}`);
  }

  // A deployment's database may come up after the app (a reboot, containers started together):
  // wait for it, saying why, rather than exit.
  if (!embedded) await waitForDatabase(env().DATABASE_MIGRATION_URL ?? process.env.DATABASE_URL!);

  const { firstToken, demoPassword } = await prepareDatabase({
    databaseUrl: process.env.DATABASE_URL!,
    // The embedded PGlite has one role: nothing to migrate as instead.
    migrationUrl: embedded ? undefined : env().DATABASE_MIGRATION_URL,
    demoFleet: embedded !== null || process.env.DEMO_FLEET === "1",
    firstToken: embedded !== null,
  });
  // The embedded demo reports heartbeats through the app's ingest endpoint with a token
  // made for this run (the previous run's is revoked).
  const demoToken = embedded ? await createRunToken("embedded demo heartbeats") : null;
  await disconnectDb();
  if (firstToken) {
    console.log("\n[reloadscope] first ingest token (shown once; only its hash is stored):");
    console.log(`  ${firstToken}\n`);
  }
  if (demoPassword) {
    // Shown this once; only its hash is stored. DEMO_PASSWORD chooses it instead.
    console.log("[reloadscope] demo users viewer, operator, approver and admin (shown once; only its hash is stored):");
    console.log(`  password: ${demoPassword}\n`);
  }

  const port = process.env.PORT ?? "3000";
  // The embedded demo listens on loopback unless HOST says otherwise: its first token and
  // demo users are for this machine. A deployment on DATABASE_URL serves every interface.
  const hostname = env().HOST ?? (embedded ? "127.0.0.1" : "0.0.0.0");
  const shown =
    hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname;
  // next-auth builds its redirects (and the OIDC callback) from NEXTAUTH_URL. A deployment
  // behind a proxy sets it to its public address; otherwise it is where this process listens.
  if (!process.env.NEXTAUTH_URL) {
    process.env.NEXTAUTH_URL = `http://${shown}:${port}`;
    if (!embedded)
      console.log(
        `[reloadscope] NEXTAUTH_URL is not set: using ${process.env.NEXTAUTH_URL}; set it to the address people open`,
      );
  }
  const next = spawn(path.join(process.cwd(), "node_modules", ".bin", "next"), ["start", "-p", port, "-H", hostname], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  console.log(`[reloadscope] dashboard on http://${shown}:${port} (listening on ${hostname}; HOST changes it)`);

  // The embedded demo keeps reporting, so it stays a living fleet rather than a snapshot.
  const heartbeat = demoToken
    ? startDemoHeartbeats(`http://${shown === "localhost" ? "127.0.0.1" : shown}:${port}`, demoToken)
    : null;
  // And one reload told through OpenTelemetry traces, sent once the app answers.
  if (demoToken) startDemoTraces(`http://${shown === "localhost" ? "127.0.0.1" : shown}:${port}`, demoToken);

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

function startDemoHeartbeats(baseUrl: string, token: string): NodeJS.Timeout {
  const finals = demoFinalHeartbeats();
  let failures = 0;
  const send = async () => {
    try {
      const response = await fetch(`${baseUrl}/api/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(demoHeartbeatTick(finals, new Date())),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      failures = 0;
    } catch (error) {
      // Say so once, not every minute, while the app is starting or stopping.
      if (failures++ === 1) console.error(`[reloadscope] demo heartbeats failing: ${(error as Error).message}`);
    }
  };
  setTimeout(() => void send(), 5_000);
  return setInterval(() => void send(), 60_000);
}

/** Sends the demo's traces (lib/demo/demo-traces.ts) a few seconds after start, retrying while the app comes up. */
function startDemoTraces(baseUrl: string, token: string, attempt = 1): void {
  setTimeout(() => {
    sendDemoTraces(baseUrl, token).catch((error: Error) => {
      if (attempt < 5) startDemoTraces(baseUrl, token, attempt + 1);
      else console.error(`[reloadscope] demo traces not sent: ${error.message}`);
    });
  }, attempt * 5_000).unref();
}
