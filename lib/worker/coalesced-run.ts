// A background run that never overlaps itself (every periodic job of the schedule, schedule.ts):
// a call while it runs makes it run once more when the current run ends, however many calls came
// meanwhile, so a nudge is never lost and never queues work twice.

/**
 * Wraps `run`; the returned function is what a timer or a nudge calls. `run` returning false
 * ends the repeat (this process is not the leader now). A failed run goes to `onError` and
 * the next call starts afresh.
 */
export function coalescedRun(run: () => Promise<boolean | void>, onError: (error: Error) => void): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        if ((await run()) === false) break;
      } while (again);
    } catch (error) {
      onError(error as Error);
    } finally {
      running = false;
    }
  };
}
