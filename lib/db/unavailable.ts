// Whether an error means the database cannot be reached right now: the one mapping behind every
// 503 with Retry-After (routes, lib/api/errors.ts), `npm start`'s wait (wait.ts) and the job
// queue's unawaited outcomes (lib/jobs/boss.ts). In lib/db so the rooms below ingest can use it.

// Socket errors of the driver's connection (connect, read, write, DNS of the database host).
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
// SQLSTATEs: 57P01–57P03 the server ended or refuses the session (pg_terminate_backend, a crash,
// a shutdown), 53000/53300 out of resources or connections; 40P01/40001 a deadlock or
// serialization failure still there after ingest's own retries: the database is too contended
// right now. Class 08 (connection exceptions) is matched by prefix below.
const SERVER_CODES = new Set(["57P01", "57P02", "57P03", "53300", "53000", "40P01", "40001"]);
// Prisma reports an unreachable server as P1001 (DatabaseNotReachable), a transaction that
// could not start or ran out of time as P2028, and pool exhaustion as P2024/P2037.
const PRISMA_CODES = new Set(["P1001", "P1002", "P1017", "P2024", "P2028", "P2037"]);
// Errors pg and pg-pool raise with a message only (no code): a client whose socket died
// ("…encountered a connection error and is not queryable" for every query after the first
// failure, "Connection terminated unexpectedly" for those under way), a client ended at
// shutdown, a connect or pool-checkout timeout. pg-boss passes them on with a suffix.
const MESSAGES =
  /DatabaseNotReachable|connection terminated|encountered a connection error and is not queryable|client was closed and is not queryable|timeout exceeded when trying to connect|^timeout expired$|ECONNREFUSED|ECONNRESET/i;

/** True for errors that mean the database cannot be reached right now (answer 503 with Retry-After): the one mapping for every route. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === "object"; e = causeOf(e)) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || PRISMA_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
    ) {
      return true;
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && MESSAGES.test(message)) return true;
  }
  return false;
}

/**
 * The next error down: `cause`, or the driver's error that Prisma keeps in
 * `meta.driverAdapterError.cause` (a server shutting down reaches Prisma callers as P2039
 * with the Postgres code 57P03 only there).
 */
function causeOf(e: object): unknown {
  const cause = (e as { cause?: unknown }).cause;
  if (cause) return cause;
  const meta = (e as { meta?: { driverAdapterError?: { cause?: unknown } } }).meta;
  return meta?.driverAdapterError?.cause;
}
