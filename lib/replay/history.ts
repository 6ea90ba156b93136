import "server-only";
import type { Sql } from "@/lib/db/client";
import { utcDay } from "@/lib/db/partitions";
import { CONTROL_PHASES } from "@/lib/domain/phases";
import { intervalHeartbeats } from "@/lib/domain/presence";
import type { PairEvent, PairState } from "@/lib/domain/replay";
import { stateEventFromRow, stateFromRow, type StateEventRow, type StateRow } from "@/lib/ingest/state-rows";

// The reads the snapshot job and the replay share: snapshot headers and rows, and the
// events that change instance state between two instants. Every event read is bounded by an
// occurred_at range, so the partitioned reload_event (docs/adr/0009) is pruned to the days
// the range covers.

export interface SnapshotHeader {
  id: string;
  at: Date;
  serviceIds: number[];
  rowCount: number;
}

const CONTROL = [...CONTROL_PHASES];

export async function newestSnapshotAtOrBefore(q: Sql, at: Date, strictly = false): Promise<SnapshotHeader | null> {
  const rows = await q.query<{ id: string; at: Date; service_ids: number[]; row_count: number }[]>(
    `SELECT id::text, at, service_ids, row_count FROM instance_state_snapshot
     WHERE at ${strictly ? "<" : "<="} $1::timestamptz ORDER BY at DESC LIMIT 1`,
    at.toISOString(),
  );
  const r = rows[0];
  return r ? { id: r.id, at: r.at, serviceIds: r.service_ids, rowCount: r.row_count } : null;
}

type SnapshotRow = StateRow & { service_id: number };

const fromStateRow = (r: SnapshotRow): PairState => ({
  serviceId: r.service_id,
  instanceId: r.instance_id,
  kind: r.kind,
  resource: r.resource,
  ...stateFromRow(r),
});

const STATE_COLUMNS = `service_id, instance_id, kind, resource, version, since, last_phase, last_phase_at, outcome, last_error, last_reload_id,
                       previous_version, changed_by_heartbeat`;

/** A snapshot's rows, all of them or those of some services (primary-key ranges). */
export async function readSnapshotRows(q: Sql, snapshotId: string, serviceIds: number[] | null): Promise<PairState[]> {
  const rows = serviceIds
    ? await q.query<SnapshotRow[]>(
        `SELECT ${STATE_COLUMNS} FROM instance_state_snapshot_row WHERE snapshot_id = $1::bigint AND service_id = ANY($2::int[])`,
        snapshotId,
        serviceIds,
      )
    : await q.query<SnapshotRow[]>(
        `SELECT ${STATE_COLUMNS} FROM instance_state_snapshot_row WHERE snapshot_id = $1::bigint`,
        snapshotId,
      );
  return rows.map(fromStateRow);
}

/** The live read model's rows (tests compare the replay at "now" with it). */
export async function readLiveStates(q: Sql): Promise<PairState[]> {
  return (await q.query<SnapshotRow[]>(`SELECT ${STATE_COLUMNS} FROM instance_state`)).map(fromStateRow);
}

interface EventRow extends StateEventRow {
  service_id: number;
  instance_id: number;
  kind: string;
  resource: string;
}

/**
 * The events that can change an instance's state with `after < occurred_at <= upTo`, of some
 * services or all, in the order ingest applies them: occurred_at, then arrival, then id by
 * code point (ADR 0003); with the heartbeats presence intervals absorbed (docs/adr/0021),
 * never individual heartbeats beyond those stored as history.
 */
export async function readPairEvents(
  q: Sql,
  after: Date,
  upTo: Date,
  serviceIds: number[] | null,
): Promise<PairEvent[]> {
  const where = `e.occurred_at > $1::timestamptz AND e.occurred_at <= $2::timestamptz
                 AND e.instance_id IS NOT NULL AND e.phase <> ALL($3::text[])`;
  const order = `ORDER BY e.occurred_at, e.received_at, e.id COLLATE "C"`;
  const columns = `e.service_id, e.instance_id, e.kind, e.resource, e.phase, e.occurred_at, e.from_version, e.to_version, e.error, e.reload_id`;
  // A heartbeat that repeats the version of the heartbeat just before it (same instance ×
  // resource, in fold order) changes nothing but the time of the last report, which the
  // pair's last event sets anyway: leaving such heartbeats out of the fold gives the same
  // states, and most of a live fleet's events are such heartbeats.
  const pairOrder = `PARTITION BY e.instance_id, e.kind, e.resource ORDER BY e.occurred_at, e.received_at, e.id COLLATE "C"`;
  const folded = (filter: string) => `
    SELECT ${columns.replaceAll("e.", "x.")} FROM (
      SELECT ${columns}, e.received_at, e.id,
             lag(e.phase) OVER w AS prev_phase, lag(e.to_version) OVER w AS prev_version, lead(e.id) OVER w AS next_id
      FROM reload_event e WHERE ${where} ${filter}
      WINDOW w AS (${pairOrder})
    ) x
    WHERE NOT (x.phase = 'heartbeat' AND x.prev_phase = 'heartbeat' AND x.prev_version IS NOT DISTINCT FROM x.to_version
               AND x.next_id IS NOT NULL)
    ${order.replaceAll("e.", "x.")}`;
  const [rows, absorbed] = await Promise.all([
    serviceIds
      ? q.query<EventRow[]>(
          folded(`AND e.service_id = ANY($4::int[])`),
          after.toISOString(),
          upTo.toISOString(),
          CONTROL,
          serviceIds,
        )
      : q.query<EventRow[]>(folded(""), after.toISOString(), upTo.toISOString(), CONTROL),
    readIntervalHeartbeats(q, after, upTo, serviceIds),
  ]);
  const stored = rows.map((r) => ({
    serviceId: r.service_id,
    instanceId: r.instance_id,
    kind: r.kind,
    resource: r.resource,
    ...stateEventFromRow(r),
  }));
  if (absorbed.length === 0) return stored;
  // Merged in time order; at equal instants an interval's heartbeat folds after stored events
  // (it has no arrival time of its own).
  const merged: PairEvent[] = [];
  let k = 0;
  for (const e of stored) {
    while (k < absorbed.length && absorbed[k]!.occurredAt < e.occurredAt) merged.push(absorbed[k++]!);
    merged.push(e);
  }
  while (k < absorbed.length) merged.push(absorbed[k++]!);
  return merged;
}

/**
 * The heartbeats presence intervals stand for in `after < t <= upTo` (docs/adr/0021,
 * intervalHeartbeats), oldest first. An interval lies within one UTC day, so one that reaches
 * past `after` started no earlier than that day: the read is pruned to the range's partitions.
 */
async function readIntervalHeartbeats(
  q: Sql,
  after: Date,
  upTo: Date,
  serviceIds: number[] | null,
): Promise<PairEvent[]> {
  const rows = await q.query<
    {
      service_id: number;
      instance_id: number;
      kind: string;
      resource: string;
      version: string;
      first_heard_at: Date;
      last_heard_at: Date;
    }[]
  >(
    `SELECT service_id, instance_id, kind, resource, version, first_heard_at, last_heard_at FROM presence_interval
     WHERE first_heard_at >= $1::timestamptz AND first_heard_at <= $3::timestamptz AND last_heard_at > $2::timestamptz
       AND ($4::int[] IS NULL OR service_id = ANY($4::int[]))`,
    utcDay(after).toISOString(),
    after.toISOString(),
    upTo.toISOString(),
    serviceIds,
  );
  const intervals = rows.map((r) => ({
    ...r,
    version: r.version,
    firstHeardAt: r.first_heard_at,
    lastHeardAt: r.last_heard_at,
  }));
  return intervalHeartbeats(intervals, after, upTo)
    .map(({ interval: r, at }) => ({
      serviceId: r.service_id,
      instanceId: r.instance_id,
      kind: r.kind,
      resource: r.resource,
      phase: "heartbeat" as const,
      occurredAt: at,
      fromVersion: null,
      toVersion: r.version,
      error: null,
      reloadId: null,
    }))
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

/** The oldest instant the replay folds from when no snapshot precedes T: the retention window's start. */
export function historyStart(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 86_400_000);
}
