// A periodic job with a lease (lib/worker/schedule.ts, docs/adr/0022): one process at a time
// runs it and answers its wake-ups; another takes over once the holder's lease ran out. Two
// schedules with two owners stand for two replicas on one database. Timers are an hour long:
// only first runs and wake-ups start runs.
import { describe, expect, test } from "vitest";
import { sql } from "@/lib/db/client";
import { startSchedule, type PeriodicJob } from "@/lib/worker/schedule";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const LEASE = "test-schedule-lease";

function replica(owner: string) {
  const listeners = new Set<() => void>();
  let runs = 0;
  let attempts = 0;
  let ran: () => void = () => {};
  const job = (firstAfterMs: number | undefined): PeriodicJob => ({
    name: `leased job of ${owner}`,
    everyMs: 3_600_000,
    firstAfterMs,
    lease: { name: LEASE, ms: 60_000 },
    when: () => {
      attempts += 1;
      return true;
    },
    run: async () => {
      runs += 1;
      ran();
    },
    onError: (error) => {
      throw error;
    },
    wake: {
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      onlyLeaseHolder: true,
    },
  });
  return {
    /** A schedule with this job; its first run at once unless `firstRun` is false. */
    start: (firstRun = true) => startSchedule([job(firstRun ? 0 : undefined)], { owner }),
    /** Fires a wake-up and resolves when it made a run. */
    wakeAndRun: () =>
      new Promise<void>((resolve) => {
        ran = resolve;
        listeners.forEach((listener) => listener());
      }),
    wake: () => listeners.forEach((listener) => listener()),
    /** Resolves at the next run. */
    nextRun: () => new Promise<void>((resolve) => (ran = resolve)),
    runs: () => runs,
    attempts: () => attempts,
  };
}

describe("a periodic job with a lease", () => {
  test("runs where the lease is held, which alone answers wake-ups; another takes over once it ran out", async () => {
    const a = replica("replica-a");
    const b = replica("replica-b");
    const aRan = a.nextRun();
    const scheduleA = a.start();
    await aRan;

    // b's first run finds the lease taken: it does not run (stopping waits for that attempt).
    await b.start().stop();
    expect(b.attempts()).toBe(1);
    expect(b.runs()).toBe(0);
    // A process not holding the lease ignores wake-ups (no attempt, no database read); the holder runs.
    const scheduleB = b.start(false);
    b.wake();
    expect(b.attempts()).toBe(1);
    await a.wakeAndRun();
    expect(a.runs()).toBe(2);
    await Promise.all([scheduleA.stop(), scheduleB.stop()]);

    // a's lease made to have run out (as if a died a minute ago): b's next run takes over.
    await sql().execute(
      `UPDATE alert_cursor SET value = 'replica-a ' || (now() - interval '1 minute')::text WHERE name = $1`,
      LEASE,
    );
    const bRan = b.nextRun();
    const takenOver = b.start();
    await bRan;
    await b.wakeAndRun();
    expect(b.runs()).toBe(2);
    await takenOver.stop();
  });
});
