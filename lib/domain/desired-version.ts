// The desired version of a service × kind × resource (DESIGN.md, "Reload model rules":
// Desired version): among its reloads, the one that set it most recently (desiredVersionFrom
// says what each reload sets and since when). Ingest falls back to it when the reload holding
// the pointer no longer qualifies (lib/ingest/store-desired.ts fallBack, through
// desiredWithout), a request's "desired without its own reload" is the same read
// (lib/requests/resource-now.ts), and the replay judges it at an instant (replay.ts
// desiredVersionAt). tests/integration/desired-agreement.test.ts checks them against it.
import { compareCodePoints } from "./keys";
import { desiredVersionFrom, type ReloadFacts } from "./reload-status";
import type { ReloadStatus } from "./types";

/**
 * How many of a resource's reloads, newest first by first event, are looked at for its
 * desired version: a reload older than that many others of its resource no longer sets it.
 */
export const DESIRED_CANDIDATES = 50;

export interface DesiredCandidate {
  /** reload.id (bigint as text) */
  key: string;
  facts: ReloadFacts;
  status: ReloadStatus;
}

export interface DesiredPick<T> {
  version: string;
  setAt: Date;
  reload: T;
}

const lowerKey = (a: string, b: string) => a.length - b.length || compareCodePoints(a, b);

/**
 * The reload whose desired version is the newest (by desiredVersionFrom's setAt), with that
 * version; null when none of them sets one. A tie goes to the reload heard of first (first
 * event), then to the lower key. `reloads` in any order.
 */
export function newestDesired<T extends DesiredCandidate>(reloads: Iterable<T>): DesiredPick<T> | null {
  let best: DesiredPick<T> | null = null;
  for (const reload of reloads) {
    const wanted = desiredVersionFrom(reload.facts, reload.status);
    if (!wanted) continue;
    if (best) {
      const order =
        wanted.setAt.getTime() - best.setAt.getTime() ||
        best.reload.facts.firstEventAt.getTime() - reload.facts.firstEventAt.getTime() ||
        lowerKey(best.reload.key, reload.key);
      if (order <= 0) continue;
    }
    best = { ...wanted, reload };
  }
  return best;
}
