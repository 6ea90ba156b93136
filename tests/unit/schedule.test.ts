import { describe, expect, test } from "vitest";
import { startSchedule, type PeriodicJob } from "@/lib/worker/schedule";

// The schedule's own rules (lib/worker/schedule.ts), on jobs without a lease (the lease is in
// tests/integration/schedule.test.ts). Timers are an hour long, so only the first run and
// wake-ups start runs here.

const HOUR = 3_600_000;

/** A wake-up hook as the alert modules have one: listeners in a set. */
function hook() {
  const listeners = new Set<() => void>();
  return {
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    fire: () => listeners.forEach((listener) => listener()),
    listeners: () => listeners.size,
  };
}

/** A job whose runs are counted and each wait until the test releases them. */
function gatedJob(overrides: Partial<PeriodicJob> = {}) {
  const releases: (() => void)[] = [];
  const started: (() => void)[] = [];
  let runs = 0;
  const job: PeriodicJob = {
    name: "test job",
    everyMs: HOUR,
    async run() {
      runs += 1;
      started.splice(0).forEach((resolve) => resolve());
      await new Promise<void>((resolve) => releases.push(resolve));
    },
    onError: () => {},
    ...overrides,
  };
  return {
    job,
    runs: () => runs,
    /** Resolves once a run has started (or at once if one is waiting to be released). */
    nextStart: () => new Promise<void>((resolve) => (releases.length > 0 ? resolve() : started.push(resolve))),
    release: () => releases.shift()?.(),
    waiting: () => releases.length,
  };
}

describe("startSchedule", () => {
  test("firstAfterMs 0 runs at once; a wake-up runs it again; stop awaits the run under way, then none", async () => {
    const wake = hook();
    const gate = gatedJob({ firstAfterMs: 0, wake: { subscribe: wake.subscribe } });
    const schedule = startSchedule([gate.job]);
    await gate.nextStart();
    expect(gate.runs()).toBe(1);
    gate.release();
    wake.fire();
    await gate.nextStart();
    expect(gate.runs()).toBe(2);

    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    gate.release();
    await stopping;
    expect(wake.listeners()).toBe(0);
    wake.fire();
    expect(gate.runs()).toBe(2);
  });

  test("wake-ups during a run make one more run, not one each", async () => {
    const wake = hook();
    const gate = gatedJob({ firstAfterMs: 0, wake: { subscribe: wake.subscribe } });
    const schedule = startSchedule([gate.job]);
    await gate.nextStart();
    wake.fire();
    wake.fire();
    wake.fire();
    gate.release();
    await gate.nextStart();
    gate.release();
    await schedule.stop();
    expect(gate.runs()).toBe(2);
  });

  test("wake-ups within the delay make one run, the delay judged from the last run's start", async () => {
    const wake = hook();
    const asked: [number, number | null][] = [];
    const gate = gatedJob({
      wake: {
        subscribe: wake.subscribe,
        delayMs: (nowMs, lastStartedMs) => {
          asked.push([nowMs, lastStartedMs]);
          return 0;
        },
      },
    });
    const schedule = startSchedule([gate.job]);
    const before = Date.now();
    wake.fire();
    wake.fire();
    await gate.nextStart();
    expect(asked).toHaveLength(1);
    expect(asked[0]![1]).toBeNull();
    gate.release();
    wake.fire();
    await gate.nextStart();
    expect(asked).toHaveLength(2);
    expect(asked[1]![1]).toBeGreaterThanOrEqual(before);
    gate.release();
    await schedule.stop();
    expect(gate.runs()).toBe(2);
  });

  test("a job with everyMs 0 is not in this process: no run, no wake-up listener", async () => {
    const wake = hook();
    const gate = gatedJob({ everyMs: 0, firstAfterMs: 0, wake: { subscribe: wake.subscribe } });
    const schedule = startSchedule([gate.job]);
    expect(wake.listeners()).toBe(0);
    await schedule.stop();
    expect(gate.runs()).toBe(0);
  });

  test("when() false skips the run; a failed run goes to onError and the next starts afresh", async () => {
    const wake = hook();
    let enabled = false;
    const errors: string[] = [];
    let failed = () => {};
    let runs = 0;
    const job: PeriodicJob = {
      name: "test job",
      everyMs: HOUR,
      when: () => enabled,
      run: async () => {
        runs += 1;
        if (runs === 1) throw new Error("first run fails");
      },
      onError: (error) => {
        errors.push(error.message);
        failed();
      },
      wake: { subscribe: wake.subscribe },
    };
    const schedule = startSchedule([job]);
    wake.fire();
    await schedule.stop();
    expect(runs).toBe(0);

    enabled = true;
    const again = startSchedule([job]);
    await new Promise<void>((resolve) => {
      failed = resolve;
      wake.fire();
    });
    wake.fire();
    await again.stop();
    expect(errors).toEqual(["first run fails"]);
    expect(runs).toBe(2);
  });
});
