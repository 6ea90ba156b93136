// An instance shows as reloading only while its reload is in progress (DESIGN.md, "Reload
// model rules": Status): a pair still "in progress" whose reload has ended, or that a newer
// reload of the resource overtook, is no longer reloading. The expiry sweep writes it
// `expired`, with the reason below, into the live state (lib/ingest/sweep-reloads.ts); the
// replay shows it so at an instant (replay.ts outcomeAt). The rule is reloadingEnded;
// reloadingEndedSql is its SQL twin, fed the terminal statuses and the messages as
// parameters; tests/integration/reloading-agreement.test.ts runs both over the same rows.
import { compareCodePoints } from "./keys";
import { isTerminal } from "./reload-status";
import { TERMINAL_STATUSES, type Outcome, type ReloadStatus } from "./types";

/** The reason a newer reload ended it: the newer reload's id, then the pair's own (or UNNAMED_RELOAD). */
export const OVERTAKEN_MESSAGE = "a newer reload (%s) of this resource started before this instance finished %s";
/** The reason its own reload ended it: the reload's id and the status it ended in. */
export const ENDED_MESSAGE = "reload %s ended (%s) before this instance finished it";
/** The pair's own reload in OVERTAKEN_MESSAGE when its state names none. */
export const UNNAMED_RELOAD = "its reload";

/** A message with each `%s` replaced by the next argument, as Postgres' format() does. */
export function fillMessage(template: string, ...args: string[]): string {
  const parts = template.split("%s");
  return parts.reduce((out, part, i) => out + (i === 0 ? "" : (args[i - 1] ?? "")) + part, "");
}

export interface ReloadingPair {
  outcome: Outcome;
  lastReloadId: string | null;
  lastPhaseAt: Date;
}

/** One reload of the pair's resource, as known at the instant judged. */
export interface ReloadingReload {
  /** reload.id (bigint as text): the later-created one wins a tie of start times */
  key: string;
  reloadId: string;
  startedAt: Date | null;
  status: ReloadStatus;
}

const newestStartFirst = (a: ReloadingReload, b: ReloadingReload) =>
  b.startedAt!.getTime() - a.startedAt!.getTime() || b.key.length - a.key.length || compareCodePoints(b.key, a.key);

/**
 * Why a pair is no longer reloading, or null while it still is (or was not reloading). A
 * reload of the resource other than its own that started after its own did (after its last
 * report when its own has no start) overtook it, the newest such one named; else its own
 * reload ended when its status is terminal. `reloads` are the resource's reloads, any order.
 */
export function reloadingEnded(pair: ReloadingPair, reloads: readonly ReloadingReload[]): string | null {
  if (pair.outcome !== "in_progress") return null;
  const own = reloads.find((r) => r.reloadId === pair.lastReloadId) ?? null;
  const ownStart = (own?.startedAt ?? pair.lastPhaseAt).getTime();
  const newer = reloads
    .filter((r) => r.reloadId !== pair.lastReloadId && r.startedAt !== null && r.startedAt.getTime() > ownStart)
    .sort(newestStartFirst)[0];
  if (newer) return fillMessage(OVERTAKEN_MESSAGE, newer.reloadId, pair.lastReloadId ?? UNNAMED_RELOAD);
  if (own && isTerminal(own.status)) return fillMessage(ENDED_MESSAGE, own.reloadId, own.status);
  return null;
}

/**
 * The SQL twin of reloadingEnded over the stored rows: one row (instance_id, kind, resource,
 * last_reload_id, reason) per instance_state `st` whose reloading has ended. Its parameters
 * are numbered from `first` and passed in the order of `params`.
 */
export function reloadingEndedSql(first: number): { sql: string; params: unknown[] } {
  const [terminal, overtaken, ended, unnamed] = [0, 1, 2, 3].map((i) => `$${first + i}`);
  const sql = `SELECT st.instance_id, st.kind, st.resource, st.last_reload_id,
         CASE WHEN newer.reload_id IS NOT NULL
              THEN format(${overtaken}::text, newer.reload_id, coalesce(st.last_reload_id, ${unnamed}::text))
              ELSE format(${ended}::text, r.reload_id, r.status) END AS reason
       FROM instance_state st
       LEFT JOIN reload r ON r.service_id = st.service_id AND r.reload_id = st.last_reload_id
       LEFT JOIN LATERAL (
         SELECT n.reload_id FROM reload n
         WHERE n.service_id = st.service_id AND n.kind = st.kind AND n.resource = st.resource
           AND n.started_at > coalesce(r.started_at, st.last_phase_at)
           AND n.reload_id IS DISTINCT FROM st.last_reload_id
         ORDER BY n.started_at DESC, n.id DESC LIMIT 1
       ) newer ON true
       WHERE st.outcome = 'in_progress' AND (r.status = ANY(${terminal}::text[]) OR newer.reload_id IS NOT NULL)`;
  return { sql, params: [[...TERMINAL_STATUSES], OVERTAKEN_MESSAGE, ENDED_MESSAGE, UNNAMED_RELOAD] };
}
