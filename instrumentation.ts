// Runs once per server process (Next.js): starts the reload sweep, which applies what time
// alone changes (expiry, superseded requests, instances left "reloading"). Every process
// may run it; it skips rows another transaction holds (lib/ingest/sweep-reloads.ts).

const SWEEP_EVERY_MS = 15_000;

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { sweepReloads } = await import("@/lib/ingest/sweep-reloads");
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await sweepReloads();
    } catch (error) {
      console.error("[sweep] reload sweep failed:", (error as Error).message);
    } finally {
      running = false;
    }
  };
  setInterval(() => void tick(), SWEEP_EVERY_MS).unref();
  setTimeout(() => void tick(), 2_000).unref();

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
}
