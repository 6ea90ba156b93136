// A job worker on its own, without the web app: `tsx --conditions=react-server scripts/worker.ts`
// against DATABASE_URL. The app runs the same worker in every process (lib/worker/start.ts);
// this is for a dedicated worker, and for the test that runs two worker processes on one
// database. It runs the worker's periodic jobs (dispatch recovery, source polling), not the
// app's (sweeps, alerts: lib/worker/periodic-jobs.ts). Stops on SIGTERM/SIGINT after the jobs
// under way finish.
import { disconnectDb } from "@/lib/db/client";
import { startWorker } from "@/lib/worker/worker";

async function main() {
  const pollingIntervalSeconds = Number(process.env.WORKER_POLL_SECONDS ?? 1);
  const worker = await startWorker({ pollingIntervalSeconds });
  console.log(`[worker] ${process.pid} working jobs (polling every ${pollingIntervalSeconds} s)`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop();
    await disconnectDb();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((error) => {
  console.error("[worker] failed to start:", (error as Error).message);
  process.exit(1);
});
