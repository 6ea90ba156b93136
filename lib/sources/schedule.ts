import "server-only";
import { coalescedRun } from "@/lib/coalesced-run";
import { PROCESS_OWNER, takeLease } from "@/lib/alerts/lease";
import { env } from "@/lib/env";
import { pollSources, type PollOutcome } from "./poll";

// Who queries the sources, and when. Every worker process runs this loop; the holder of the
// source lease (a row in alert_cursor, as alert evaluation's: lib/alerts/lease.ts) queries
// every source every SOURCE_INTERVAL_SECONDS. One leader, not a pg-boss job per source: each
// query compares against the state the previous one left, so two processes querying one
// source at once would both see the same change and race on that state; the derived ids
// would keep the events single, but not the page's record of the last query.

const LEASE = "source-poll-lease";

export interface SourcePolling {
  stop(): void;
}

export function startSourcePolling(options: { intervalMs?: number; onPass?: (outcomes: PollOutcome[]) => void } = {}): SourcePolling {
  const intervalMs = options.intervalMs ?? env().SOURCE_INTERVAL_SECONDS * 1000;
  if (intervalMs <= 0) return { stop() {} };
  const leaseMs = Math.max(3 * intervalMs, 30_000);
  const tick = coalescedRun(
    async () => {
      if (!(await takeLease(LEASE, leaseMs, PROCESS_OWNER))) return false;
      const outcomes = await pollSources();
      options.onPass?.(outcomes);
      // Each failing source has its error on its own page; one line here for the log.
      const failed = outcomes.filter((o) => !o.ok).length;
      if (failed > 0) console.error(`[sources] ${failed} of ${outcomes.length} sources could not be queried (see /admin/sources)`);
    },
    (error) => console.error("[sources] query pass failed (tried again next interval):", error.message),
  );
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  const first = setTimeout(() => void tick(), Math.min(intervalMs, 3_000));
  first.unref();
  return {
    stop() {
      clearInterval(timer);
      clearTimeout(first);
    },
  };
}
