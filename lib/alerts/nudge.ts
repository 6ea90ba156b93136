// The event-driven halves of alert evaluation and delivery. After ingest commits events, it
// calls nudgeAlertEvaluation(), which only tells this process's schedule (lib/worker,
// periodic-jobs.ts) to evaluate soon (debounced there). No import of the database, no query:
// the ingest hot path pays one function call. A process that is not the evaluation leader
// ignores it; the leader's own interval picks the change up. Likewise an evaluation that
// opened or resolved alerts calls notifyAlertChanges(), which wakes the delivery job.

type Listener = () => void;
const globalForNudge = globalThis as unknown as { reloadscopeAlertNudge?: Set<Listener> };

export function nudgeAlertEvaluation(): void {
  for (const listener of globalForNudge.reloadscopeAlertNudge ?? []) listener();
}

/** The scheduler listens here; returns the unregister function. */
export function onAlertNudge(listener: Listener): () => void {
  const listeners = (globalForNudge.reloadscopeAlertNudge ??= new Set());
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const globalForChanges = globalThis as unknown as { reloadscopeAlertChanges?: Set<Listener> };

/**
 * Evaluation's hook: an alert opened or resolved. It only wakes this process's delivery job
 * and returns at once; the tables say what to send (docs/adr/0016).
 */
export function notifyAlertChanges(changes: readonly unknown[]): void {
  if (changes.length === 0) return;
  for (const listener of globalForChanges.reloadscopeAlertChanges ?? []) listener();
}

/** The delivery job listens here; returns the unregister function. */
export function onAlertChanges(listener: Listener): () => void {
  const listeners = (globalForChanges.reloadscopeAlertChanges ??= new Set());
  listeners.add(listener);
  return () => listeners.delete(listener);
}
