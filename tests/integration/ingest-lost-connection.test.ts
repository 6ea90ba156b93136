import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { POST as postTraces } from "@/app/v1/traces/route";
import { sql } from "@/lib/db/client";
import { event, postEvents } from "../support/ingest-client";
import { onEmbeddedDatabase, TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

// DESIGN.md "Reload events" (503, never 500): the app's backends terminated (pg_terminate_backend) in the middle of a
// 3,000-event batch answered 500, and each lost connection of a checked-out client surfaced as
// an uncaughtException. Here the termination happens at a chosen statement of the ingest
// transaction: pg's Client.prototype.query is wrapped so that, before that statement is sent,
// every other backend of the test database is terminated from a separate connection and the
// app's client has seen its socket end. No timing is guessed: the statement then meets a dead
// connection every time.

const embedded = onEmbeddedDatabase();
const title = (name: string) =>
  embedded ? `${name} — needs a real PostgreSQL (pg_terminate_backend); skipped on the embedded PGlite` : name;

type Trigger = (text: string, previous: string | undefined) => boolean;

const originalQuery = pg.Client.prototype.query;
let trigger: Trigger | null = null;
let terminator: pg.Client | undefined;
const lastStatement = new WeakMap<pg.Client, string>();

async function terminateAppBackends(): Promise<number> {
  const { rows } = await terminator!.query<{ terminated: boolean }>(
    `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return rows.filter((r) => r.terminated).length;
}

function wrapQueries(): void {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    const text = typeof config === "string" ? config : (config?.text ?? "");
    const previous = lastStatement.get(this);
    lastStatement.set(this, text);
    if (!trigger || !trigger(text, previous)) return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    trigger = null;
    // The socket's own end, heard before pg's handler (which throws without an 'error'
    // listener on the client, so nothing after it would run); an 'error' listener here would
    // hide the one the app must have.
    const socket = (this as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream;
    const ended = new Promise<void>((resolve) => socket.prependOnceListener("end", () => resolve()));
    return (async () => {
      expect(await terminateAppBackends()).toBeGreaterThan(0);
      await ended;
      return (originalQuery as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    })();
  } as typeof pg.Client.prototype.query;
}

const uncaught: unknown[] = [];
const countUncaught = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  if (embedded) return;
  terminator = new pg.Client({ connectionString: inject("databaseUrl") });
  await terminator.connect();
  wrapQueries();
  process.on("uncaughtException", countUncaught);
  process.on("unhandledRejection", countUncaught);
});

afterEach(() => {
  trigger = null;
});

afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  process.off("uncaughtException", countUncaught);
  process.off("unhandledRejection", countUncaught);
  await terminator?.end();
});

function batch(size: number, prefix: string): Record<string, unknown>[] {
  return Array.from({ length: size }, (_, i) => event({ id: `${prefix}-${i}`, instance: `checkout-api-${i % 25}` }));
}

async function storedCount(prefix: string): Promise<{ events: number; ids: number }> {
  const [row] = await sql().query<{ events: string; ids: string }[]>(
    `SELECT (SELECT count(*) FROM reload_event WHERE id LIKE $1) AS events,
            (SELECT count(*) FROM reload_event_id WHERE id LIKE $1) AS ids`,
    `${prefix}-%`,
  );
  return { events: Number(row!.events), ids: Number(row!.ids) };
}

const rounds: [string, Trigger][] = [
  // Ids claimed, the rest of the batch not yet written: the client dies while idle in the transaction.
  ["after the batch's ids are claimed", (_, previous) => previous?.includes("INSERT INTO reload_event_id") ?? false],
  // Everything written, the COMMIT meets a dead connection: nothing may be half-stored.
  ["at COMMIT", (text) => text === "COMMIT"],
];

describe("a connection lost mid-transaction", () => {
  test.skipIf(embedded).each(rounds)(
    title("terminated %s → 503 with Retry-After, no uncaught exception; the retried batch is stored once"),
    async (_, when) => {
      const prefix = `lost-${when === rounds[0]![1] ? "claim" : "commit"}`;
      const events = batch(3_000, prefix);
      trigger = when;
      const first = await postEvents(events);
      expect(trigger, "the termination ran").toBeNull();
      expect(first.status).toBe(503);
      expect(first.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(first.body.error).toBe("unavailable");
      expect(await storedCount(prefix)).toEqual({ events: 0, ids: 0 });

      const retried = await postEvents(events);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ accepted: 3_000, duplicates: 0 });
      expect(await storedCount(prefix)).toEqual({ events: 3_000, ids: 3_000 });
      expect(uncaught).toEqual([]);
    },
  );
});

/** An OTLP/JSON export of `count` spans of one service, as an SDK exporter sends it. */
function traceExport(count: number): string {
  const start = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: "5b8efff798038103d269b633813fc6aa",
    spanId: (0x1000 + i).toString(16).padStart(16, "0"),
    name: "GET /routes",
    kind: 2,
    startTimeUnixNano: (start + BigInt(i)).toString(),
    endTimeUnixNano: (start + BigInt(i) + 5_000_000n).toString(),
  }));
  const resource = {
    attributes: [
      { key: "service.name", value: { stringValue: "checkout-api" } },
      { key: "deployment.environment.name", value: { stringValue: "prod" } },
    ],
  };
  return JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: "test" }, spans }] }] });
}

async function exportTraces(body: string): Promise<Response> {
  const headers = { "content-type": "application/json", authorization: `Bearer ${TEST_TOKEN}` };
  return postTraces(new Request("http://127.0.0.1/v1/traces", { method: "POST", headers, body }));
}

describe("a connection lost under an OTLP export", () => {
  // OTLP exporters retry 503 (with Retry-After) but drop a batch answered 500.
  test.skipIf(embedded)(
    title("terminated at COMMIT → 503 with Retry-After; the retried export stores each span once"),
    async () => {
      const body = traceExport(1_000);
      trigger = (text) => text === "COMMIT";
      const first = await exportTraces(body);
      expect(trigger, "the termination ran").toBeNull();
      expect(first.status).toBe(503);
      expect(first.headers.get("retry-after")).toMatch(/^\d+$/);
      const retried = await exportTraces(body);
      expect(retried.status).toBe(200);
      const [row] = await sql().query<{ n: string }[]>(`SELECT count(*) AS n FROM span`);
      expect(Number(row!.n)).toBe(1_000);
      expect(uncaught).toEqual([]);
    },
  );
});
