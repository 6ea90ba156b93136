// Before `npm start` migrates: wait for the database instead of exiting, so a start that races
// the database (a reboot, a container started first) comes up once it answers. Only
// unavailability is waited out (unavailable.ts); an answer that waiting cannot change
// (a wrong password, a database that does not exist) is thrown at once. No signal handler is
// installed: Ctrl-C stops the wait as it stops the rest of `npm start`.
import pg from "pg";
import { isDatabaseUnavailable } from "./unavailable";

const MAX_DELAY_SECONDS = 30;

/** The pause before attempt `attempt + 1`: 1 s, 2 s, 4 s, … capped at 30 s. */
export function databaseRetryDelaySeconds(attempt: number): number {
  return Math.min(2 ** (attempt - 1), MAX_DELAY_SECONDS);
}

export interface WaitOptions {
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Resolves with the number of attempts once a connection to `url` answers `SELECT 1`. */
export async function waitForDatabase(url: string, options: WaitOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const where = addressOf(url);
  for (let attempt = 1; ; attempt++) {
    try {
      await probe(url);
      if (attempt > 1) log(`[reloadscope] database at ${where} answers; going on`);
      return attempt;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      const seconds = databaseRetryDelaySeconds(attempt);
      log(`[reloadscope] database at ${where} ${whyNot(error)}; retrying in ${seconds} s`);
      await sleep(seconds * 1000);
    }
  }
}

async function probe(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A connection lost after connect is reported on the client too; the query below fails with it.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => {});
  }
}

/** host:port only: the URL may hold a password. */
function addressOf(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname || "localhost";
  return `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${parsed.port || "5432"}`;
}

/** "not reachable (ECONNREFUSED)" for a socket that cannot connect; "not ready (57P03: …)" for a server that answers no. */
function whyNot(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith("E"))
    return `not ready (${code}: ${String(message)})`;
  if (typeof code === "string") return `not reachable (${code})`;
  return `not reachable (${String(message)})`;
}
