// Expected ingest failures carry an HTTP status and a message meant for the caller.

export class IngestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "IngestError";
  }
}

// 40P01/40001: a deadlock or serialization failure still there after ingest's own retries:
// the database is too contended right now; the caller retries after Retry-After.
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P03", "53300", "53000", "40P01", "40001"]);

/** True for errors that mean the database cannot be reached right now (answer 503). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === "object"; e = causeOf(e)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
    const message = (e as { message?: unknown }).message;
    // Prisma reports an unreachable server as P1001 (DatabaseNotReachable), a transaction
    // that could not start or ran out of time as P2028, and pool exhaustion as P2024/P2037.
    if (typeof code === "string" && ["P1001", "P1002", "P1017", "P2024", "P2028", "P2037"].includes(code)) return true;
    if (typeof message === "string" && /DatabaseNotReachable|connection terminated|timeout exceeded when trying to connect|ECONNREFUSED/i.test(message)) {
      return true;
    }
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
