// The app under test: `next start` on a free loopback port, in its own process group so
// stopServer() reaches everything it forks; plus which code it runs (provenance).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, nextStartCommand, serverAuthEnv, stopProcessGroup } from "../../next-server";
import { cfg } from "../config";
import type { IngestClient } from "../http";
import { log } from "../log";
import { state } from "./state";

export { freePort };

/** Starts `next start` against `url`; the child is recorded in `state.server`. */
/** `extraEnv` overrides the app's settings for this start (the alert phase turns evaluation off). */
export function startServer(
  url: string,
  port: number,
  token: string,
  extraEnv: Record<string, string> = {},
): ChildProcess {
  if (!fs.existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    throw new Error("the app is not built (.next/BUILD_ID is missing): run `npm run build` first");
  }
  state.serverLog = path.join(os.tmpdir(), `reloadscope-bench-${process.pid}-server.log`);
  const out = fs.openSync(state.serverLog, "w");
  // The child gets a clean environment: no tsx loader or react-server condition via NODE_OPTIONS.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  // The metrics phase scrapes as the loopback-only server's own operator: no METRICS_TOKEN.
  delete env.METRICS_TOKEN;
  Object.assign(env, {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: String(cfg.poolSize),
    // next start binds 127.0.0.1 (nextStartCommand): say so, so the metrics phase scrapes without a token.
    HOST: "127.0.0.1",
    INGEST_TOKEN: token,
    PORT: String(port),
    ...serverAuthEnv(`http://127.0.0.1:${port}`),
    ...extraEnv,
  });
  const [command, ...args] = nextStartCommand(port);
  const child = spawn(command!, args, {
    env,
    detached: true, // its own process group, so stopServer reaches every process it starts
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  child.on("exit", (code, signal) => {
    if (state.server === child) log(`next start exited unexpectedly (code ${code}, signal ${signal})`);
  });
  state.server = child;
  return child;
}

export async function stopServer(): Promise<void> {
  const child = state.server;
  state.server = null;
  if (child) await stopProcessGroup(child, "SIGTERM", 5_000);
}

export function serverLogTail(lines = 30): string {
  if (!state.serverLog || !fs.existsSync(state.serverLog)) return "";
  return fs.readFileSync(state.serverLog, "utf8").split("\n").slice(-lines).join("\n");
}

/** Waits until GET /api/health answers 200 (the database is reachable); returns ms waited. */
export async function waitForServer(client: IngestClient, child: ChildProcess, timeoutMs = 90_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`next start exited before answering:\n${serverLogTail()}`);
    }
    try {
      const res = await client.request("GET", "/api/health");
      if (res.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`next start did not answer within ${timeoutMs / 1000} s:\n${serverLogTail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Which code ran: git commit, uncommitted changes, and whether the build is older than the sources. */
export function provenance(): string {
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  const head = git("rev-parse", "--short", "HEAD") || "unknown";
  const dirty = git("status", "--porcelain", "--", "app", "lib", "components").split("\n").filter(Boolean).length;
  const buildIdFile = path.join(process.cwd(), ".next", "BUILD_ID");
  const built = fs.statSync(buildIdFile).mtimeMs;
  let newer = 0;
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "generated") walk(full);
      } else if (/\.(ts|tsx)$/.test(entry.name) && fs.statSync(full).mtimeMs > built) newer++;
    }
  };
  for (const dir of ["app", "lib", "components"]) if (fs.existsSync(dir)) walk(dir);
  return (
    `commit ${head}${dirty ? ` + ${dirty} uncommitted changes in app/lib/components` : ""}; ` +
    `.next build ${fs.readFileSync(buildIdFile, "utf8").trim()} from ${new Date(built).toISOString()}` +
    (newer
      ? ` (WARNING: ${newer} source files are newer than the build: the server runs the build, getFleetMatrix runs the sources)`
      : "")
  );
}
