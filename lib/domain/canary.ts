// Which instances a canary request sends to first (DESIGN.md "Vocabulary": a scope is all
// instances or a canary subset; here a count or a percentage, then the rest). Deterministic:
// the first instances in instance-key order, so the request, its approval and its dispatch
// all name the same canary, and the change hash (which covers scope and targets) settles the
// canary too.
// No node:crypto or server code here: the request form previews the split in the browser.
import { compareCodePoints } from "./keys";

/** How a request reaches its instances: all at once, or a canary first and then the rest. */
export type RequestScope = { mode: "all" } | { mode: "canary"; count: number } | { mode: "canary"; percent: number };

/** Instance keys in one order everywhere (code points, as Postgres' COLLATE "C"), without repeats. */
export function sortInstanceKeys(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort(compareCodePoints);
}

export interface CanarySplit {
  /** sent first; the rest wait until these have acked */
  canary: string[];
  rest: string[];
}

export type CanaryChoice = ({ ok: true } & CanarySplit) | { ok: false; reason: string };

/**
 * How many instances a canary of `scope` takes out of `n`: a count as given; a percentage
 * rounded up; at least 1, and at most n − 1 when there are several, so there is always a
 * "rest" that waits for the canary. For `all`, every instance (no canary stage).
 */
export function canarySize(scope: RequestScope, n: number): number {
  if (scope.mode === "all" || n <= 0) return 0;
  const wanted = "count" in scope ? scope.count : Math.ceil((n * scope.percent) / 100);
  const most = n > 1 ? n - 1 : 1;
  return Math.min(most, Math.max(1, wanted));
}

/** Why a scope cannot apply to `n` live instances (the form shows it beside the field), or null. */
export function scopeProblem(
  scope: RequestScope,
  n: number,
): { field: "scope" | "canaryCount" | "canaryPercent"; message: string } | null {
  if (n <= 0)
    return { field: "scope", message: "no live instance reports this resource, so there is nothing to send to" };
  if (scope.mode === "all") return null;
  if ("count" in scope) {
    if (!Number.isInteger(scope.count) || scope.count < 1)
      return { field: "canaryCount", message: "must be a whole number of at least 1" };
    const most = n > 1 ? n - 1 : 1;
    if (scope.count > most) {
      return {
        field: "canaryCount",
        message:
          n > 1
            ? `must be at most ${most}: ${n} live instances, and the rest must keep at least one`
            : "must be 1: there is one live instance",
      };
    }
    return null;
  }
  if (!(scope.percent > 0 && scope.percent < 100))
    return { field: "canaryPercent", message: "must be more than 0 and less than 100" };
  return null;
}

/** Splits the targets into canary and rest; `all` has no canary (every target in `rest`). */
export function chooseCanary(scope: RequestScope, instanceKeys: readonly string[]): CanaryChoice {
  const ordered = sortInstanceKeys(instanceKeys);
  const problem = scopeProblem(scope, ordered.length);
  if (problem) return { ok: false, reason: problem.message };
  const size = canarySize(scope, ordered.length);
  return { ok: true, canary: ordered.slice(0, size), rest: ordered.slice(size) };
}

/** "canary of 3, then the rest" / "all instances", for lists and the request page. */
export function describeScope(scope: RequestScope): string {
  if (scope.mode === "all") return "all instances";
  return "count" in scope ? `canary of ${scope.count}, then the rest` : `canary of ${scope.percent}%, then the rest`;
}
