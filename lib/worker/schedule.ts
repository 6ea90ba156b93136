import "server-only";
import { coalescedRun } from "./coalesced-run";
import { PROCESS_OWNER, takeLease } from "./lease";

// How a process runs its periodic jobs (docs/adr/0022-one-schedule.md; the jobs themselves are
// declared in periodic-jobs.ts). Each job runs through coalescedRun, so it never overlaps
// itself and a wake-up during a run makes one more run; on its timer and on its wake-ups. A
// job with a lease runs only in the process that holds it (one replica at a time, lease.ts);
// the others run in every process and are safe there by their own locks.

export interface PeriodicJob {
  /** Names the job in tests and logs. */
  name: string;
  /** Runs this often; 0 or less: not in this process. */
  everyMs: number;
  /** The first run this long after the start (0: at once); without it, the first is after everyMs. */
  firstAfterMs?: number;
  /** Only the holder of this lease runs the job: taken or renewed before every run. */
  lease?: { name: string; ms: number };
  /** Asked first, without a database read: false skips the run, lease and all. */
  when?: () => boolean;
  run: () => Promise<void>;
  /** A failed run; the next timer or wake-up starts afresh. */
  onError: (error: Error) => void;
  /** Runs on these in-process wake-ups too (ingest's nudge, an alert opened or resolved). */
  wake?: {
    subscribe: (listener: () => void) => () => void;
    /** Ignored unless this process took the lease at its last run. */
    onlyLeaseHolder?: boolean;
    /** How long after a wake-up the run starts (wake-ups meanwhile join it); without it, at once. */
    delayMs?: (nowMs: number, lastStartedMs: number | null) => number;
  };
}

interface JobState {
  holdsLease: boolean;
  lastStartedMs: number | null;
}

/**
 * One run of `job` as the schedule makes it: `when`, the lease for `owner`, then the run.
 * False when it was skipped (`when` said no, or another process holds the lease).
 */
export async function runOnce(
  job: PeriodicJob,
  owner = PROCESS_OWNER,
  state: JobState = { holdsLease: false, lastStartedMs: null },
): Promise<boolean> {
  if (job.when && !job.when()) return false;
  if (job.lease) {
    state.holdsLease = await takeLease(job.lease.name, job.lease.ms, owner);
    if (!state.holdsLease) return false;
  }
  state.lastStartedMs = Date.now();
  await job.run();
  return true;
}

export interface Schedule {
  /** Clears every timer and wake-up, then waits for the runs under way (nothing writes afterwards). */
  stop(): Promise<void>;
}

export function startSchedule(jobs: readonly PeriodicJob[], options: { owner?: string } = {}): Schedule {
  const owner = options.owner ?? PROCESS_OWNER;
  const cleanups: (() => void)[] = [];
  const underWay = new Set<Promise<void>>();
  let stopped = false;
  for (const job of jobs) {
    if (job.everyMs <= 0) continue;
    const state: JobState = { holdsLease: false, lastStartedMs: null };
    // A skipped run ends the repeat: a process without the lease has nothing more to do now.
    const tick = coalescedRun(async () => !stopped && (await runOnce(job, owner, state)), job.onError);
    const start = () => {
      if (stopped) return;
      const run = tick();
      underWay.add(run);
      void run.finally(() => underWay.delete(run));
    };
    const timer = setInterval(start, job.everyMs);
    timer.unref();
    cleanups.push(() => clearInterval(timer));
    if (job.firstAfterMs === 0) start();
    else if (job.firstAfterMs !== undefined) {
      const first = setTimeout(start, job.firstAfterMs);
      first.unref();
      cleanups.push(() => clearTimeout(first));
    }
    if (job.wake) cleanups.push(subscribeWake(job.wake, state, start));
  }
  return {
    async stop() {
      stopped = true;
      for (const cleanup of cleanups) cleanup();
      await Promise.all(underWay);
    },
  };
}

function subscribeWake(wake: NonNullable<PeriodicJob["wake"]>, state: JobState, start: () => void): () => void {
  let pending: NodeJS.Timeout | null = null;
  const unsubscribe = wake.subscribe(() => {
    if (wake.onlyLeaseHolder && !state.holdsLease) return;
    if (!wake.delayMs) return start();
    if (pending) return;
    pending = setTimeout(
      () => {
        pending = null;
        start();
      },
      wake.delayMs(Date.now(), state.lastStartedMs),
    );
    pending.unref();
  });
  return () => {
    unsubscribe();
    if (pending) clearTimeout(pending);
  };
}
