import "server-only";
import type PgBoss from "pg-boss";
import { advanceDispatch } from "@/lib/dispatch/advance";
import { boss, resetBoss } from "@/lib/jobs/boss";
import { onWake } from "@/lib/jobs/queue";
import { ingestControlEvents } from "./control-events";
import { workerJobs } from "./periodic-jobs";
import { startSchedule } from "./schedule";

// The job worker (docs/adr/0013-job-queue.md): once per process, from start.ts (or
// scripts/worker.ts). pg-boss polls each queue every second and fetches with FOR UPDATE SKIP
// LOCKED, so every process may run it and no job runs twice at once; wakeWorker() makes it
// poll now. pg-boss's own maintenance (expiring jobs whose worker died, deleting old ones)
// runs in one process at a time under its advisory lock. With it run the worker's periodic
// jobs (periodic-jobs.ts: dispatch recovery, source polling).

export interface Worker {
  stop(): Promise<void>;
}

const globalForWorker = globalThis as unknown as { reloadscopeWorker?: Promise<Worker> };

export interface WorkerOptions {
  pollingIntervalSeconds?: number;
  /** how often sources are queried (default SOURCE_INTERVAL_SECONDS; 0: not in this process) */
  sourceIntervalMs?: number;
}

export function startWorker(options: WorkerOptions = {}): Promise<Worker> {
  globalForWorker.reloadscopeWorker ??= start(options).catch((error) => {
    globalForWorker.reloadscopeWorker = undefined;
    throw error;
  });
  return globalForWorker.reloadscopeWorker;
}

async function start(options: WorkerOptions): Promise<Worker> {
  const queue = boss();
  queue.on("error", (error: Error) => console.error("[worker] job queue error:", error.message));
  await queue.start();
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 1;
  const ids: string[] = [];
  ids.push(
    await queue.work<{ events?: unknown }>(
      "control-events",
      { pollingIntervalSeconds, batchSize: 1 },
      async ([job]) => {
        await ingestControlEvents(job!.data);
      },
    ),
  );
  ids.push(
    await queue.work<{ requestId: string }>("dispatch", { pollingIntervalSeconds, batchSize: 1 }, async ([job]) => {
      await advanceDispatch(String(job!.data.requestId));
    }),
  );
  const unregister = onWake(() => {
    for (const id of ids) queue.notifyWorker(id);
  });
  const schedule = startSchedule(workerJobs({ sourceIntervalMs: options.sourceIntervalMs }));
  return {
    async stop() {
      // Runs under way finish first (a recovery sweep), so nothing writes after the worker stopped.
      await schedule.stop();
      unregister();
      await stopBoss(queue);
      globalForWorker.reloadscopeWorker = undefined;
      resetBoss();
    },
  };
}

async function stopBoss(queue: PgBoss): Promise<void> {
  // Graceful: jobs under way finish first (a delivery is not cut off mid-POST).
  await queue.stop({ graceful: true, wait: true, timeout: 20_000 }).catch((error: Error) => {
    console.error("[worker] stopping the job queue:", error.message);
  });
}
