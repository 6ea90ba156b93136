// The local PostgreSQL the fault test restarts: found by the port of DATABASE_URL among the
// Debian clusters (pg_lsclusters), controlled with pg_ctlcluster, which needs root or the
// cluster's owner. Also the test's own database: created fresh, migrated, dropped.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { promisify } from "node:util";
import pg from "pg";
import { migrate } from "@/lib/db/migrate";

export interface Cluster {
  version: string;
  name: string;
  port: number;
  owner: string;
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** The server URL with its host pinned to 127.0.0.1; refuses anything that is not local. */
export function localServerUrl(databaseUrl: string): URL {
  const url = new URL(databaseUrl);
  if (!LOCAL_HOSTS.has(url.hostname)) {
    throw new Error(
      `the fault test restarts the database server, so it only runs against a local one; DATABASE_URL points at ${url.hostname}`,
    );
  }
  url.hostname = "127.0.0.1";
  return url;
}

/** The cluster serving `port`, or a sentence saying why it cannot be controlled from here. */
export function findCluster(port: number): Cluster | string {
  for (const tool of ["pg_lsclusters", "pg_ctlcluster"]) {
    if (!commandExists(tool))
      return `${tool} is not installed (Debian's postgresql-common); the fault test cannot restart PostgreSQL`;
  }
  const listing = execFileSync("pg_lsclusters", ["--no-header"], { encoding: "utf8" });
  const line = listing
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => Number(cols[2]) === port);
  if (!line) return `no PostgreSQL cluster listed by pg_lsclusters serves port ${port}:\n${listing}`;
  const [version, name, , , owner] = line as [string, string, string, string, string];
  const me = os.userInfo().username;
  if (process.getuid?.() !== 0 && me !== owner) {
    return `restarting cluster ${version}/${name} needs root or its owner ${owner}; this runs as ${me}`;
  }
  return { version, name, port, owner };
}

function commandExists(name: string): boolean {
  return (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(`${dir}/${name}`));
}

/** pg_ctlcluster, run without blocking the event loop: the exporter keeps sending meanwhile. */
async function ctl(cluster: Cluster, action: "start" | "stop" | "restart", mode?: "fast" | "immediate"): Promise<void> {
  const args = ["--skip-systemctl-redirect", ...(mode ? ["-m", mode] : []), cluster.version, cluster.name, action];
  try {
    await promisify(execFile)("pg_ctlcluster", args, { timeout: 120_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`pg_ctlcluster ${args.join(" ")} failed: ${(stderr || stdout || (error as Error).message).trim()}`);
  }
}

export const restartPostgres = (cluster: Cluster) => ctl(cluster, "restart", "fast");
/** An immediate stop is a crash as far as the data is concerned: startup replays the WAL. */
export const crashPostgres = (cluster: Cluster) => ctl(cluster, "stop", "immediate");
export const startPostgres = (cluster: Cluster) => ctl(cluster, "start");

export async function isAccepting(serverUrl: URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl.toString(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts the cluster if it is down and waits until it accepts connections; the cleanup's guarantee. */
export async function ensureRunning(cluster: Cluster, serverUrl: URL, timeoutMs = 60_000): Promise<void> {
  if (await isAccepting(serverUrl)) return;
  try {
    await startPostgres(cluster);
  } catch {
    // already starting or running: the wait below decides
  }
  await waitUntilAccepting(serverUrl, timeoutMs);
}

export async function waitUntilAccepting(serverUrl: URL, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isAccepting(serverUrl))) {
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL on port ${serverUrl.port} did not accept connections within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function withClient<T>(url: URL, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export function databaseUrl(serverUrl: URL, name: string): string {
  const url = new URL(serverUrl.toString());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createMigratedDatabase(serverUrl: URL, name: string): Promise<string> {
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(serverUrl, name);
  await migrate(url);
  return url;
}

/**
 * Terminates every backend of the database at `url` but this one (pg_terminate_backend): the
 * app's connections die mid-statement or mid-transaction, the server stays up. Returns how many.
 */
export async function terminateBackends(url: string): Promise<number> {
  return withClient(new URL(url), async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return Number(rows[0]!.n);
  });
}

export async function dropDatabase(serverUrl: URL, name: string): Promise<void> {
  await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export { withClient };
