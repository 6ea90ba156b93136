import "server-only";
import { env } from "@/lib/env";
import { appJobs } from "./periodic-jobs";
import { startSchedule } from "./schedule";
import { startWorker } from "./worker";

// What an app process runs in the background, started once by instrumentation.ts
// (docs/adr/0022-one-schedule.md): the app's periodic jobs in every process, and the job
// worker with its own periodic jobs unless WORKER_ENABLED=0 (docs/adr/0013).

export function startBackground(): void {
  startSchedule(appJobs());
  if (env().WORKER_ENABLED !== "1") return;
  // Retried until the database answers (a deployment may start before it does).
  const startJobs = () =>
    startWorker().catch((error: Error) => {
      console.error("[worker] could not start the job worker (trying again in 10 s):", error.message);
      setTimeout(() => void startJobs(), 10_000).unref();
    });
  void startJobs();
}
