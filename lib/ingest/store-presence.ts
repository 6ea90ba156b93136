import "server-only";
import { affectsInstanceState } from "@/lib/domain/instance-state";
import { compositeKey } from "@/lib/domain/keys";
import { PRESENCE_PRECISION_MS, type PresencePolicy, type PresenceRun } from "@/lib/domain/presence";
import type { ReloadEventInput } from "@/lib/domain/types";
import { env } from "@/lib/env";
import { column, sqlParams } from "@/lib/db/sql-params";
import type { Tx } from "./sql";

// Heartbeats that change nothing (DESIGN.md "History rules", docs/adr/0021): one statement per
// batch decides, under each pair's instance_state row lock, which of a batch's plain
// heartbeats only confirm what their pair runs, and extends (or opens) the pairs' presence
// intervals for those, refreshes the read model's last report, and touches the instances'
// and services' last-seen times. No id is claimed and no event row written for them; the
// rest of the batch is history, stored as before (lib/ingest/store-events.ts).

/** Last-seen times of instances and services are kept to the minute, as upsertEntities keeps them. */
const TOUCH_AFTER_MS = 60_000;
/** Reload statuses in which instances are being sent or apply a version: their heartbeats are history. */
const UNDER_WAY = ["dispatching", "in_progress"];

export function presencePolicy(): PresencePolicy {
  const settings = env();
  // Inside an interval a pair counts as heard (lib/domain/presence.ts, lastHeardAt), so its
  // silences must stay shorter than the stale window for liveness to stay exact.
  return {
    gapMs: Math.min(settings.PRESENCE_GAP_SECONDS, settings.INSTANCE_STALE_SECONDS) * 1000,
    precisionMs: PRESENCE_PRECISION_MS,
  };
}

/**
 * The positions (in `events`) of the heartbeats absorbed into presence intervals. A pair's
 * heartbeats (a run, presenceRuns) are absorbed together or not at all, and only when its
 * state says it runs that version since no later than the first of them, last heard before
 * it (so the stored event a client sends again is still a duplicate, and a late report is
 * history), with no reload of the resource under way on the service, no implicitly scoped one
 * started since the first of them (it could make the instance a late target, ADR 0005), and
 * labels the instance already has.
 *
 * The statement also locks the state rows of `historyPairs` (the pairs of the batch's other
 * events, whose ids are claimed): every existing instance_state row the batch will write is
 * locked here, in one pass in primary-key order, so the ingest transaction takes those locks
 * in the one order of ADR 0005 however the batch divides into presence and history. A row is
 * judged as it is once locked, so a concurrent batch that changed the pair first is seen.
 */
export async function absorbPresence(
  tx: Tx,
  events: readonly ReloadEventInput[],
  runs: readonly PresenceRun[],
  historyPairs: readonly ReloadEventInput[],
  policy: PresencePolicy,
): Promise<Set<number>> {
  if (runs.length === 0) return new Set();
  const labels = runs.map((run) => {
    // Merged oldest first, so the newest report's value wins, as upsertInstances merges them.
    const reports = run.positions
      .map((p) => events[p]!)
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    return JSON.stringify(Object.assign({}, ...reports.map((e) => e.labels)));
  });
  const lockOnly = [
    ...new Map(
      historyPairs
        .filter(affectsInstanceState)
        .map((e) => [compositeKey(e.environment, e.namespace, e.service, e.instance!, e.kind, e.resource), e]),
    ).values(),
  ];
  // The runs, then the history pairs (no version: only locked).
  const q = sqlParams();
  const pairs = q.unnest({
    environment: column.text([...runs.map((r) => r.environment), ...lockOnly.map((e) => e.environment)]),
    namespace: column.text([...runs.map((r) => r.namespace), ...lockOnly.map((e) => e.namespace)]),
    service: column.text([...runs.map((r) => r.service), ...lockOnly.map((e) => e.service)]),
    instance: column.text([...runs.map((r) => r.instance), ...lockOnly.map((e) => e.instance)]),
    kind: column.text([...runs.map((r) => r.kind), ...lockOnly.map((e) => e.kind)]),
    resource: column.text([...runs.map((r) => r.resource), ...lockOnly.map((e) => e.resource)]),
    version: column.text([...runs.map((r) => r.version), ...lockOnly.map(() => null)]),
    t_from: column.timestamptz([...runs.map((r) => r.from), ...lockOnly.map(() => null)]),
    t_to: column.timestamptz([...runs.map((r) => r.to), ...lockOnly.map(() => null)]),
    labels: column.jsonb([...labels, ...lockOnly.map(() => null)]),
  });
  const underWay = q.value(UNDER_WAY, "text[]");
  const gapMs = q.value(policy.gapMs, "double precision");
  const precisionMs = q.value(policy.precisionMs, "double precision");
  const touchAfterMs = q.value(TOUCH_AFTER_MS, "double precision");
  const rows = await tx.query<{ n: string }[]>(
    `WITH r AS (
       SELECT * FROM ${pairs.as("r", { ordinality: "n" })}
     ), locked AS MATERIALIZED (
       -- One pass in primary-key order (code point order for text), the order every ingest
       -- transaction locks instance_state rows in (ADR 0005). A row's columns are read as
       -- locked: the newest committed version. Rows of history pairs (no version) are only locked.
       SELECT r.n, r.version, r.t_from, r.t_to, r.kind, r.resource, r.labels, s.id AS service_id, i.id AS instance_id, i.labels AS known_labels,
              st.version AS running, st.outcome, st.since, st.last_phase, st.last_phase_at, st.presence_from
       FROM r
       JOIN service s ON s.environment = r.environment AND s.namespace = r.namespace AND s.name = r.service
       JOIN instance i ON i.service_id = s.id AND i.instance_key = r.instance
       JOIN instance_state st ON st.instance_id = i.id AND st.kind = r.kind AND st.resource = r.resource
       ORDER BY st.instance_id, st.kind COLLATE "C", st.resource COLLATE "C"
       FOR NO KEY UPDATE OF st
     ), confirming AS (
       SELECT l.* FROM locked l
       WHERE l.version IS NOT NULL AND l.known_labels @> l.labels
         AND l.running = l.version AND l.outcome <> 'in_progress' AND l.since <= l.t_from AND l.last_phase_at < l.t_from
         AND NOT EXISTS (
           SELECT 1 FROM reload rl
           WHERE rl.service_id = l.service_id AND rl.kind = l.kind AND rl.resource = l.resource
             AND (rl.status = ANY(${underWay}) OR (rl.scope = 'implicit' AND rl.started_at >= l.t_from)))
     ), decided AS (
       SELECT c.*,
              -- The open interval goes on while the pair was not silent (by anything it reported)
              -- for longer than the gap, and on the same UTC day (an interval lives in one day's partition).
              c.presence_from IS NOT NULL
                AND c.t_from - c.last_phase_at <= make_interval(secs => ${gapMs} / 1000)
                AND date_trunc('day', c.presence_from AT TIME ZONE 'UTC') = date_trunc('day', c.t_to AT TIME ZONE 'UTC') AS continues,
              -- Written only once it moves the last report by the precision (or follows another phase).
              c.last_phase <> 'heartbeat'
                OR c.t_to - c.last_phase_at >= make_interval(secs => ${precisionMs} / 1000) AS due
       FROM confirming c
     ), opened AS (
       INSERT INTO presence_interval (instance_id, kind, resource, first_heard_at, last_heard_at, service_id, version)
       SELECT instance_id, kind, resource, t_from, t_to, service_id, version FROM decided WHERE NOT continues
       ORDER BY instance_id, kind COLLATE "C", resource COLLATE "C"
       ON CONFLICT (instance_id, kind, resource, first_heard_at)
         DO UPDATE SET last_heard_at = greatest(presence_interval.last_heard_at, excluded.last_heard_at), version = excluded.version
       RETURNING 1
     ), extended AS (
       UPDATE presence_interval p SET last_heard_at = d.t_to
       FROM decided d
       WHERE d.continues AND d.due
         AND p.instance_id = d.instance_id AND p.kind = d.kind AND p.resource = d.resource AND p.first_heard_at = d.presence_from
       RETURNING 1
     ), state AS (
       UPDATE instance_state st SET last_phase = 'heartbeat', last_phase_at = d.t_to,
              presence_from = CASE WHEN d.continues THEN st.presence_from ELSE d.t_from END, updated_at = now()
       FROM decided d
       WHERE (d.due OR NOT d.continues) AND st.instance_id = d.instance_id AND st.kind = d.kind AND st.resource = d.resource
       RETURNING 1
     ), seen AS (
       SELECT instance_id, service_id, max(t_to) AS t_to FROM decided GROUP BY instance_id, service_id
     ), instances AS (
       -- Rows another transaction is touching are skipped: it brings them up to date anyway.
       UPDATE instance i SET last_seen_at = x.t_to
       FROM seen x
       WHERE i.id = x.instance_id AND x.t_to - i.last_seen_at > make_interval(secs => ${touchAfterMs} / 1000)
         AND i.id IN (SELECT id FROM instance WHERE id IN (SELECT instance_id FROM seen) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)
       RETURNING 1
     ), services AS (
       UPDATE service s SET last_event_at = x.t_to
       FROM (SELECT service_id, max(t_to) AS t_to FROM seen GROUP BY service_id) x
       WHERE s.id = x.service_id AND x.t_to - s.last_event_at > make_interval(secs => ${touchAfterMs} / 1000)
         AND s.id IN (SELECT id FROM service WHERE id IN (SELECT service_id FROM seen) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)
       RETURNING 1
     ), snapshots AS (
       -- A replay snapshot that covers a report heard after it was built is wrong (ADR 0010).
       DELETE FROM instance_state_snapshot WHERE at >= (SELECT min(t_from) FROM decided)
       RETURNING 1
     )
     SELECT n::text FROM decided`,
    ...q.values,
  );
  const absorbed = new Set<number>();
  for (const row of rows) for (const p of runs[Number(row.n) - 1]!.positions) absorbed.add(p);
  return absorbed;
}
