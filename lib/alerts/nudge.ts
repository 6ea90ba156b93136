// The event-driven half of alert evaluation: after ingest commits events, it calls
// nudgeAlertEvaluation(), which only tells this process's scheduler (lib/alerts/schedule.ts)
// to evaluate soon (debounced there). No import of the database, no query: the ingest hot
// path pays one function call. A process that is not the evaluation leader ignores it; the
// leader's own interval picks the change up.

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
