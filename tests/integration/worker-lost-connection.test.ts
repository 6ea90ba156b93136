import pg from "pg";
import { afterAll, describe, expect, inject, test } from "vitest";
import { boss, resetBoss } from "@/lib/jobs/boss";
import { onEmbeddedDatabase, useTestDatabase } from "../support/use-database";

useTestDatabase();

// pg-boss raised unhandledRejections when the database went away. Its work
// loop records a job's outcome without awaiting it (pg-boss 10 manager.js: `this.complete(…)`
// after the handler), so a connection lost at that moment rejected nowhere. Here the app's
// backends are terminated just before that statement is sent (pg's Client.prototype.query
// wrapped, as in ingest-lost-connection.test.ts): the loss must reach the job queue's 'error'
// event, never the process.

const embedded = onEmbeddedDatabase();
const originalQuery = pg.Client.prototype.query;

afterAll(() => {
  pg.Client.prototype.query = originalQuery;
});

describe("the job worker when the connection is lost as it records a job's outcome", () => {
  test.skipIf(embedded)(
    `${embedded ? "needs a real PostgreSQL (pg_terminate_backend); skipped on the embedded PGlite: " : ""}an error event of the queue, no unhandledRejection`,
    async () => {
      const terminator = new pg.Client({ connectionString: inject("databaseUrl") });
      await terminator.connect();
      let armed = true;
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const config = args[0] as string | { text?: string };
        const text = typeof config === "string" ? config : (config?.text ?? "");
        if (!armed || this === terminator || !/SET completed_on = now\(\)/.test(text)) {
          return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
        }
        armed = false;
        const socket = (this as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream;
        const ended = new Promise<void>((resolve) => socket.prependOnceListener("end", () => resolve()));
        return (async () => {
          await terminator.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          );
          await ended;
          return (originalQuery as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        })();
      } as typeof pg.Client.prototype.query;

      const queue = boss();
      // Whichever comes first: the loss reported on the queue, or escaping the process.
      const outcome = new Promise<{ via: string; error: unknown }>((resolve) => {
        queue.on("error", (error: unknown) => resolve({ via: "error event", error }));
        process.once("unhandledRejection", (error) => resolve({ via: "unhandledRejection", error }));
      });
      await queue.start();
      try {
        await queue.send("control-events", { events: [] });
        let handled!: () => void;
        const jobHandled = new Promise<void>((resolve) => (handled = resolve));
        await queue.work("control-events", { pollingIntervalSeconds: 0.5, batchSize: 1 }, async () => handled());
        await jobHandled;
        const { via, error } = await outcome;
        expect(via).toBe("error event");
        expect(String((error as Error).message)).toMatch(/not queryable|terminat/i);
        expect(armed).toBe(false);
      } finally {
        pg.Client.prototype.query = originalQuery;
        await queue.stop({ graceful: false, wait: true, timeout: 5_000 });
        resetBoss();
        await terminator.end();
      }
    },
  );
});
