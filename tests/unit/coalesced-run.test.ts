import { describe, expect, test } from "vitest";
import { coalescedRun } from "@/lib/worker/coalesced-run";

/** A run whose every call waits until the test releases it. */
function gatedRun(results: (boolean | void | Error)[] = []) {
  const releases: (() => void)[] = [];
  let calls = 0;
  const run = async () => {
    const result = results[calls++];
    await new Promise<void>((resolve) => releases.push(resolve));
    if (result instanceof Error) throw result;
    return result;
  };
  /** Lets the oldest waiting call finish, then yields until the runner has reacted. */
  const release = async () => {
    releases.shift()!();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { run, release, calls: () => calls, waiting: () => releases.length };
}

describe("coalescedRun", () => {
  test("calls while it runs make one more run, not one each", async () => {
    const gate = gatedRun();
    const errors: Error[] = [];
    const tick = coalescedRun(gate.run, (e) => errors.push(e));
    const first = tick();
    await Promise.resolve();
    await Promise.all([tick(), tick(), tick()]);
    expect(gate.calls()).toBe(1);
    await gate.release();
    expect(gate.calls()).toBe(2);
    await gate.release();
    await first;
    expect(gate.calls()).toBe(2);
    expect(errors).toEqual([]);
  });

  test("a run answering false (not the leader) ends the repeat", async () => {
    const gate = gatedRun([false]);
    const tick = coalescedRun(gate.run, () => {});
    const first = tick();
    await Promise.resolve();
    await tick();
    await gate.release();
    await first;
    expect(gate.calls()).toBe(1);
  });

  test("a failed run goes to onError, and the next call starts afresh", async () => {
    const failure = new Error("database unavailable");
    const gate = gatedRun([failure, undefined]);
    const errors: Error[] = [];
    const tick = coalescedRun(gate.run, (e) => errors.push(e));
    const first = tick();
    await gate.release();
    await first;
    expect(errors).toEqual([failure]);
    const second = tick();
    await gate.release();
    await second;
    expect(gate.calls()).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
