// A test run that is a script of its own (npm run test:faults, npm run test:replicas): named
// checks collected as it goes, timestamped log lines, one report at the end with the exit
// code, and the same report after cleaning up when the run is interrupted.

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface CheckRun {
  /** Records a check; returns `ok`, so a step can stop when its precondition failed. */
  check(name: string, ok: boolean, detail?: string): boolean;
  /** Waits for `step` and records whether it finished without an error (its message as the detail). */
  checkDone(name: string, step: Promise<unknown>): Promise<boolean>;
  log(message: string): void;
  /** Whether any check failed so far. */
  failed(): boolean;
  /**
   * Prints every check, then `beforeTotals` (what to keep for a failed run), then the totals,
   * and exits: non-zero when a check failed or `code` is.
   */
  finish(code: number, beforeTotals?: (failed: boolean) => void): never;
  /** On SIGINT or SIGTERM: a failed check, `cleanup`, then finish(130). */
  finishOnSignals(cleanup: () => Promise<void>, beforeTotals?: (failed: boolean) => void): void;
}

export function checkRun(tag: string): CheckRun {
  const checks: Check[] = [];
  const run: CheckRun = {
    check(name, ok, detail) {
      checks.push({ name, ok, detail });
      return ok;
    },
    checkDone: (name, step) =>
      step.then(
        () => run.check(name, true),
        (error: Error) => run.check(name, false, error.message),
      ),
    log: (message) => console.log(`[${tag}] ${new Date().toISOString().slice(11, 19)} ${message}`),
    failed: () => checks.some((c) => !c.ok),
    finish(code, beforeTotals) {
      const passed = checks.filter((c) => c.ok).length;
      const failed = checks.length - passed;
      const indent = "\n         ";
      for (const c of checks) {
        const detail = c.detail ? `${indent}${c.detail.split("\n").join(indent)}` : "";
        console.log(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}${detail}`);
      }
      beforeTotals?.(failed > 0 || code !== 0);
      console.log(`${tag}: ${passed} passed, ${failed} failed`);
      process.exit(failed > 0 || code !== 0 ? Math.max(code, 1) : 0);
    },
    finishOnSignals(cleanup, beforeTotals) {
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
          run.log(`${signal}: cleaning up`);
          run.check("the run was not interrupted", false, signal);
          void cleanup().finally(() => run.finish(130, beforeTotals));
        });
      }
    },
  };
  return run;
}
