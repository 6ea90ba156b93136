// Two worker processes (scripts/worker.ts) on one real Postgres database, with every request's
// dispatch job queued twice under different keys so both processes may take the same request
// at once: each stage of each request is delivered exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterEach, describe, expect, inject } from "vitest";
import { sql, transaction } from "@/lib/db/client";
import { reportSimulatedReload, simulatedEvents } from "@/lib/demo/simulated-target";
import { enqueueJob } from "@/lib/jobs/queue";
import { approvedRequest, seedUsers, setTarget, startWebhookReceiver, waitFor } from "../support/dispatch-fixtures";
import { acceptEvents, event, minutesAgo } from "../support/ingest-client";
import { concurrencyTest, useTestDatabase } from "../support/use-database";

process.env.SECRETS_KEY ??= randomBytes(32).toString("base64");

useTestDatabase();

const INSTANCES = ["checkout-api-1", "checkout-api-2", "checkout-api-3"];
const REQUESTS = 12;
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(
    path.join(process.cwd(), "node_modules", ".bin", "tsx"),
    ["--conditions=react-server", "scripts/worker.ts"],
    {
      env: {
        ...process.env,
        DATABASE_URL: inject("databaseUrl"),
        DATABASE_POOL_SIZE: "4",
        WORKER_POLL_SECONDS: "0.5",
        DISPATCH_RETRY_BASE_MS: "50",
        CANARY_CHECK_MS: "100",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stderr?.on("data", (d) => process.stderr.write(`[worker ${child.pid}] ${d}`));
  child.stdout?.on("data", (d) => process.stderr.write(`[worker ${child.pid}] ${d}`));
  children.push(child);
  return child;
}

afterEach(async () => {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
});

describe("two worker processes", () => {
  concurrencyTest(
    "each stage of each approved request is delivered exactly once",
    async () => {
      // One resource per request: requests for one resource would invalidate each other (the
      // first to land moves the version the others were approved against).
      const resources = Array.from({ length: REQUESTS }, (_, i) => `routes-${i}.yaml`);
      await acceptEvents(
        resources.flatMap((resource) =>
          INSTANCES.map((instance) =>
            event({ instance, resource, phase: "heartbeat", toVersion: "v1", occurredAt: minutesAgo(1) }),
          ),
        ),
      );
      const users = await seedUsers();
      const receiver = await startWebhookReceiver((_n, body) => ({
        status: 202,
        after: () => reportSimulatedReload(simulatedEvents(body, null, new Date(Date.now() - 5_000), 0)),
      }));
      try {
        await setTarget(receiver.url);
        const requests: { id: string; reloadId: string }[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          // Half canary (two stages), half all at once.
          const canary = i % 2 === 0 ? [INSTANCES[0]!] : [];
          requests.push(
            await approvedRequest(users, { targets: INSTANCES, canary, from: "v1", to: "v2", resource: resources[i] }),
          );
        }
        // Before any worker runs: every request queued twice, as two separate jobs.
        await transaction(async (tx) => {
          for (const r of requests) {
            await enqueueJob(tx, "dispatch", { requestId: r.id });
            await enqueueJob(tx, "dispatch", { requestId: r.id }, { singletonKey: `second-${r.id}` });
          }
        });
        startWorkerProcess();
        startWorkerProcess();

        await waitFor(
          "every request to finish",
          async () => {
            const [row] = await sql().query<{ open: number }[]>(
              `SELECT count(*)::int AS open FROM reload_request WHERE status NOT IN ('succeeded', 'failed', 'invalidated')`,
            );
            return row!.open === 0;
          },
          90_000,
        ).catch(async (error) => {
          console.error(await sql().query(`SELECT id, status, status_reason FROM reload_request ORDER BY id`));
          console.error(await sql().query(`SELECT name, state, count(*)::int FROM pgboss.job GROUP BY 1, 2`));
          throw error;
        });
        const statuses = await sql().query<{ status: string; n: number }[]>(
          `SELECT status, count(*)::int AS n FROM reload_request GROUP BY status`,
        );
        expect(statuses).toEqual([{ status: "succeeded", n: REQUESTS }]);

        const sent = new Map<string, number>();
        for (const d of receiver.deliveries) {
          const key = `${d.body.reloadId}/${d.body.scope.stage}`;
          sent.set(key, (sent.get(key) ?? 0) + 1);
        }
        const expected = requests.flatMap((r, i) =>
          i % 2 === 0 ? [`${r.reloadId}/canary`, `${r.reloadId}/rest`] : [`${r.reloadId}/all`],
        );
        expect([...sent.keys()].sort()).toEqual(expected.sort());
        expect([...sent.values()].every((n) => n === 1)).toBe(true);

        const attempts = await sql().query<{ outcome: string; n: number }[]>(
          `SELECT outcome, count(*)::int AS n FROM dispatch_attempt GROUP BY outcome`,
        );
        expect(attempts.map((a) => [a.outcome, a.n])).toEqual([["delivered", expected.length]]);
      } finally {
        await receiver.close();
      }
    },
    120_000,
  );
});
