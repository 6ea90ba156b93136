import pg from "pg";
import { describe, expect, test } from "vitest";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";

// The one classifier behind every 503 (DESIGN.md "Reload events": 503 with Retry-After, never 500):
// the errors are built the way pg, pg-pool, Node's net module, Prisma's adapter and pg-boss build
// them, messages and codes copied from node_modules/pg/lib/client.js, pg-pool/index.js and
// pg-boss/src/manager.js.

/** A backend's ErrorResponse, as pg-protocol's parser makes it. */
function serverError(code: string, message: string, severity = "FATAL"): Error {
  const error = new pg.DatabaseError(message, message.length + 20, "error");
  Object.assign(error, { severity, code });
  return error;
}

/** A socket error, as Node's net module makes it. */
function socketError(code: string, syscall: string, message: string): Error {
  return Object.assign(new Error(message), { code, syscall, errno: -1 });
}

/** Prisma's error for a failed query over the pg adapter: the driver's error kept in meta.driverAdapterError.cause. */
function prismaError(cause: object): Error {
  return Object.assign(new Error("Invalid `prisma.service.findMany()` invocation: Error in connector"), {
    code: "P2010",
    meta: { driverAdapterError: { cause } },
  });
}

/** pg-boss's worker error: a plain object spread from the thrown error, its message suffixed (manager.js onError). */
function bossWorkerError(error: Error): object {
  return {
    ...error,
    message: `${error.message} (Queue: dispatch, Worker: 0b6f)`,
    stack: error.stack,
    queue: "dispatch",
    worker: "0b6f",
  };
}

const unavailable: [string, unknown][] = [
  [
    "a client that lost its connection earlier",
    new Error("Client has encountered a connection error and is not queryable"),
  ],
  ["a client ended by the pool on shutdown", new Error("Client was closed and is not queryable")],
  ["the socket closed under a query", new Error("Connection terminated unexpectedly")],
  ["the socket closed after end()", new Error("Connection terminated")],
  [
    "pg-pool's connect timeout",
    new Error("Connection terminated due to connection timeout", { cause: new Error("timeout expired") }),
  ],
  ["pg's connect timeout", new Error("timeout expired")],
  ["a pool checkout that waited too long", new Error("timeout exceeded when trying to connect")],
  ["connection refused", socketError("ECONNREFUSED", "connect", "connect ECONNREFUSED 127.0.0.1:5432")],
  ["connection reset", socketError("ECONNRESET", "read", "read ECONNRESET")],
  ["broken pipe", socketError("EPIPE", "write", "write EPIPE")],
  ["host unreachable", socketError("EHOSTUNREACH", "connect", "connect EHOSTUNREACH 10.0.0.9:5432")],
  ["connect timed out", socketError("ETIMEDOUT", "connect", "connect ETIMEDOUT 10.0.0.9:5432")],
  [
    "57P01 admin shutdown (pg_terminate_backend)",
    serverError("57P01", "terminating connection due to administrator command"),
  ],
  ["57P02 crash shutdown", serverError("57P02", "terminating connection because of crash of another server process")],
  ["57P03 cannot connect now", serverError("57P03", "the database system is shutting down")],
  ["08006 connection failure", serverError("08006", "connection failure")],
  ["08P01 protocol violation", serverError("08P01", "protocol violation")],
  ["53300 too many connections", serverError("53300", "sorry, too many clients already")],
  ["40P01 deadlock after ingest's retries", serverError("40P01", "deadlock detected", "ERROR")],
  ["Prisma P1001 unreachable", Object.assign(new Error("Can't reach database server"), { code: "P1001" })],
  [
    "Prisma over a terminated backend",
    prismaError(serverError("57P01", "terminating connection due to administrator command")),
  ],
  [
    "Prisma over a lost connection",
    prismaError(new Error("Client has encountered a connection error and is not queryable")),
  ],
  [
    "pg-boss worker error over a lost connection",
    bossWorkerError(new Error("Client has encountered a connection error and is not queryable")),
  ],
  [
    "pg-boss worker error over 57P01",
    bossWorkerError(serverError("57P01", "terminating connection due to administrator command")),
  ],
  [
    "a wrapped lost connection",
    new Error("could not store the batch", { cause: new Error("Connection terminated unexpectedly") }),
  ],
];

const other: [string, unknown][] = [
  [
    "unique violation",
    serverError("23505", 'duplicate key value violates unique constraint "reload_event_pkey"', "ERROR"),
  ],
  ["invalid text", serverError("22P02", 'invalid input syntax for type integer: "x"', "ERROR")],
  ["NUL in text", serverError("22021", 'invalid byte sequence for encoding "UTF8": 0x00', "ERROR")],
  ["statement timeout", serverError("57014", "canceling statement due to statement timeout", "ERROR")],
  ["a bug", new TypeError("Cannot read properties of undefined (reading 'id')")],
  ["a released-twice client", new Error("Release called on client which has already been released to the pool.")],
  ["Prisma unique violation", Object.assign(new Error("Unique constraint failed"), { code: "P2002" })],
  ["a string", "Connection terminated"],
  ["nothing", undefined],
];

describe("isDatabaseUnavailable", () => {
  test.each(unavailable)("%s → unavailable (503)", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
  test.each(other)("%s → not unavailable", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
