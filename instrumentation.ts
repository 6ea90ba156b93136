// Runs once per server process (Next.js): starts the reload sweep, which applies what time
// alone changes (expiry, superseded requests, instances left "reloading"). Every process
// may run it; it skips rows another transaction holds (lib/ingest/sweep-reloads.ts).
// Also starts the hourly storage maintenance: daily partitions ahead, retention drops expired
// ones (lib/db/retention.ts); processes queue on one advisory lock, so every process may run it.
// And the job worker (lib/worker, docs/adr/0013): control events and reload dispatch; every
// process may run it (jobs are claimed with SKIP LOCKED); WORKER_ENABLED=0 turns it off here.

const SWEEP_EVERY_MS = 15_000;
const MAINTAIN_STORAGE_EVERY_MS = 3_600_000;

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { sweepReloads } = await import("@/lib/ingest/sweep-reloads");
  const { expireRequests } = await import("@/lib/approvals/expire-requests");
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await sweepReloads();
    } catch (error) {
      console.error("[sweep] reload sweep failed:", (error as Error).message);
    }
    // Requests nobody decided within REQUEST_TTL_MINUTES (SKIP LOCKED, like the sweep).
    try {
      await expireRequests();
    } catch (error) {
      console.error("[sweep] request expiry failed:", (error as Error).message);
    } finally {
      running = false;
    }
  };
  setInterval(() => void tick(), SWEEP_EVERY_MS).unref();
  setTimeout(() => void tick(), 2_000).unref();

  const { maintainStorage } = await import("@/lib/db/retention");
  let maintaining = false;
  const maintain = async () => {
    if (maintaining) return;
    maintaining = true;
    try {
      const { partitions, retention } = await maintainStorage();
      if (partitions.created.length > 0 || retention.dropped.length > 0) {
        console.log(`[storage] partitions created: ${partitions.created.length}, rows moved from default: ${partitions.moved}, dropped: ${retention.dropped.join(", ") || "none"}`);
      }
      for (const failure of [...partitions.failures, ...retention.failures]) {
        console.error(`[storage] maintenance of ${failure.table} failed (tried again next hour): ${failure.error}`);
      }
    } catch (error) {
      console.error("[storage] maintenance failed:", (error as Error).message);
    } finally {
      maintaining = false;
    }
  };
  setInterval(() => void maintain(), MAINTAIN_STORAGE_EVERY_MS).unref();
  setTimeout(() => void maintain(), 5_000).unref();

  // Replay snapshots (docs/adr/0010): every process tries each minute under an advisory
  // try-lock; one builds the missing slots, the others skip. Bounded work per run.
  const { takeSnapshots } = await import("@/lib/replay/snapshots");
  let snapshotting = false;
  const snapshot = async () => {
    if (snapshotting) return;
    snapshotting = true;
    try {
      await takeSnapshots({ budgetMs: 10_000 });
    } catch (error) {
      console.error("[replay] snapshot job failed:", (error as Error).message);
    } finally {
      snapshotting = false;
    }
  };
  setInterval(() => void snapshot(), 60_000).unref();
  setTimeout(() => void snapshot(), 3_000).unref();

  const { env } = await import("@/lib/env");
  if (env().WORKER_ENABLED === "1") {
    const { startWorker } = await import("@/lib/worker/worker");
    // Retried until the database answers (a deployment may start before it does).
    const startJobs = () =>
      startWorker().catch((error: Error) => {
        console.error("[worker] could not start the job worker (trying again in 10 s):", error.message);
        setTimeout(() => void startJobs(), 10_000).unref();
      });
    void startJobs();
  }

  // Alert evaluation (lib/alerts/schedule.ts, docs/adr/0014): every process runs the loop, the
  // holder of the evaluation lease evaluates every ALERT_EVAL_INTERVAL_SECONDS and soon after
  // ingest; ALERT_EVAL_INTERVAL_SECONDS=0 turns it off in this process.
  const { startAlertEvaluation } = await import("@/lib/alerts/schedule");
  startAlertEvaluation();

  // Alert delivery (lib/alerts/deliver.ts, docs/adr/0016): every few seconds and when an
  // evaluation opens or resolves an alert; one process at a time by a lease. Nothing to do
  // (no database read) while no channel is configured.
  const { startAlertDelivery } = await import("@/lib/alerts/deliver");
  startAlertDelivery();
}
