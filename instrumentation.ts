// Runs once per server process (Next.js): starts lib/worker's background work, the periodic
// jobs (reload sweep, storage maintenance, replay snapshots, alert evaluation and delivery;
// lib/worker/periodic-jobs.ts) and the job worker (docs/adr/0013, 0022).

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startBackground } = await import("@/lib/worker/start");
  startBackground();
}
