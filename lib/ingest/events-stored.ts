// After storeEvents commits events (or absorbs heartbeats) it calls notifyEventsStored(); the
// alert evaluation job listens (lib/worker/periodic-jobs.ts) and runs soon, debounced there
// (docs/adr/0014). No import of the database, no query: the ingest hot path pays one function
// call. Ingest names none of its listeners, so it imports nothing of the rooms that react to
// it (alerts sit above ingest, CONVENTIONS.md "Data flows one way").

type Listener = () => void;
const globalForStored = globalThis as unknown as { reloadscopeEventsStored?: Set<Listener> };

export function notifyEventsStored(): void {
  for (const listener of globalForStored.reloadscopeEventsStored ?? []) listener();
}

/** Listens to every commit that stored something in this process; returns the unregister function. */
export function onEventsStored(listener: Listener): () => void {
  const listeners = (globalForStored.reloadscopeEventsStored ??= new Set());
  listeners.add(listener);
  return () => listeners.delete(listener);
}
