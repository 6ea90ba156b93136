// The event-driven half of alert delivery: an evaluation that opened or resolved alerts calls
// notifyAlertChanges(), which wakes the delivery job of this process's schedule (lib/worker,
// periodic-jobs.ts). Evaluation's own nudge comes from ingest (lib/ingest/events-stored.ts).

type Listener = () => void;
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
