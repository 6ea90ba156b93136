import "server-only";
import {
  affectsInstanceState,
  foldInstanceState,
  needsWrite,
  replayInstanceState,
  sameState,
  type InstanceState,
} from "@/lib/domain/instance-state";
import type { ReloadEventInput } from "@/lib/domain/types";
import { compareCodePoints, compositeKey, inLockOrder } from "@/lib/domain/keys";
import { intervalHeartbeats } from "@/lib/domain/presence";
import { utcDay } from "@/lib/db/partitions";
import { column, sqlParams } from "@/lib/db/sql-params";
import type { Tx } from "./sql";
import { stateEventFromRow, stateFromRow, type StateEventRow, type StateRow } from "./state-rows";

// The instance-state read model, updated inside the ingest transaction (docs/adr/0003).

/** How often a heartbeat that changes nothing is written anyway, to record the report time. */
const HEARTBEAT_REFRESH_MS = 60_000;

const stateKey = (instanceId: number, kind: string, resource: string) => compositeKey(instanceId, kind, resource);

export async function updateInstanceStates(
  tx: Tx,
  accepted: ReloadEventInput[],
  serviceOf: (e: ReloadEventInput) => number,
  instanceOf: (e: ReloadEventInput) => number | null,
): Promise<void> {
  const groups = new Map<
    string,
    { instanceId: number; serviceId: number; kind: string; resource: string; events: ReloadEventInput[] }
  >();
  for (const e of accepted) {
    if (!affectsInstanceState(e)) continue;
    const instanceId = instanceOf(e)!;
    const key = stateKey(instanceId, e.kind, e.resource);
    const group = groups.get(key) ?? {
      instanceId,
      serviceId: serviceOf(e),
      kind: e.kind,
      resource: e.resource,
      events: [],
    };
    group.events.push(e);
    groups.set(key, group);
  }
  if (groups.size === 0) return;
  // Locked in primary-key order (instance id, then kind and resource by code point), in
  // code and in SQL alike, so concurrent batches never wait on each other in a cycle.
  const ordered = inLockOrder([...groups.values()], (g) => [g.instanceId, g.kind, g.resource]);

  const lockStates = async (keys: typeof ordered) => {
    // Probed and locked one key at a time, in the (sorted) order of the keys: the lock order.
    const q = sqlParams();
    const k = q.unnest({
      instance_id: column.int(keys.map((g) => g.instanceId)),
      kind: column.text(keys.map((g) => g.kind)),
      resource: column.text(keys.map((g) => g.resource)),
    });
    const rows = await tx.query<StateRow[]>(
      `SELECT st.instance_id, st.kind, st.resource, st.version, st.since, st.last_phase, st.last_phase_at,
              st.outcome, st.last_error, st.last_reload_id, st.previous_version, st.changed_by_heartbeat
       FROM ${k.as("k", { ordinality: "n" })}
       CROSS JOIN LATERAL (
         SELECT * FROM instance_state st
         WHERE st.instance_id = k.instance_id AND st.kind = k.kind AND st.resource = k.resource
         FOR NO KEY UPDATE
       ) st
       ORDER BY k.n`,
      ...q.values,
    );
    return new Map(rows.map((r) => [stateKey(r.instance_id, r.kind, r.resource), stateFromRow(r)]));
  };

  const existing = await lockStates(ordered);
  const late = await findLate(tx, ordered, existing, accepted);
  const replayed = late.length > 0 ? await replay(tx, late, existing) : new Map<string, InstanceState | null>();
  const toUpdate: { group: (typeof ordered)[number]; state: InstanceState }[] = [];
  const toInsert: { group: (typeof ordered)[number]; state: InstanceState }[] = [];
  for (const group of ordered) {
    const key = stateKey(group.instanceId, group.kind, group.resource);
    const current = existing.get(key) ?? null;
    const next = replayed.has(key) ? replayed.get(key)! : foldInstanceState(current, group.events);
    if (!next || next === current || !needsWrite(current, next, HEARTBEAT_REFRESH_MS)) continue;
    (current ? toUpdate : toInsert).push({ group, state: next });
  }

  if (toInsert.length > 0) {
    const inserted = await writeStates(tx, toInsert, "insert");
    // Another transaction created some of these rows meanwhile: fold onto what it wrote.
    const lost = toInsert.filter(({ group }) => !inserted.has(stateKey(group.instanceId, group.kind, group.resource)));
    if (lost.length > 0) {
      const lostGroups = lost.map(({ group }) => group);
      const now = await lockStates(lostGroups);
      const lateNow = await findLate(tx, lostGroups, now, accepted);
      const replayedNow = lateNow.length > 0 ? await replay(tx, lateNow, now) : new Map<string, InstanceState | null>();
      for (const group of lostGroups) {
        const key = stateKey(group.instanceId, group.kind, group.resource);
        const current = now.get(key) ?? null;
        const next = replayedNow.has(key) ? replayedNow.get(key)! : foldInstanceState(current, group.events);
        if (next && next !== current && needsWrite(current, next, HEARTBEAT_REFRESH_MS))
          toUpdate.push({ group, state: next });
      }
    }
  }
  if (toUpdate.length > 0) await writeStates(tx, toUpdate, "update");
}

type Group = { instanceId: number; serviceId: number; kind: string; resource: string; events: ReloadEventInput[] };

/**
 * Pairs whose events must be applied by replaying history (ADR 0003): an event older than
 * the stored state, or older than an event the state has not recorded (a heartbeat whose
 * rewrite was skipped). Only a change of what the state says is checked against history;
 * a heartbeat that merely confirms it is not.
 */
async function findLate(
  tx: Tx,
  groups: Group[],
  existing: Map<string, InstanceState>,
  batch: ReloadEventInput[],
): Promise<Group[]> {
  const late: Group[] = [];
  const check: { group: Group; since: Date }[] = [];
  for (const group of groups) {
    const current = existing.get(stateKey(group.instanceId, group.kind, group.resource)) ?? null;
    const oldest = group.events.reduce((a, e) => (e.occurredAt < a ? e.occurredAt : a), group.events[0]!.occurredAt);
    if (current && oldest.getTime() < current.lastPhaseAt.getTime()) {
      late.push(group);
      continue;
    }
    const next = foldInstanceState(current, group.events);
    if (current && next && next !== current && !sameState(current, next)) check.push({ group, since: oldest });
  }
  if (check.length === 0) return late;
  const q = sqlParams();
  const k = q.unnest({
    instance_id: column.int(check.map((c) => c.group.instanceId)),
    kind: column.text(check.map((c) => c.group.kind)),
    resource: column.text(check.map((c) => c.group.resource)),
    t: column.timestamptz(check.map((c) => c.since)),
  });
  const batchIds = q.value(
    batch.map((e) => e.id),
    "text[]",
  );
  const newer = await tx.query<{ n: string }[]>(
    `SELECT k.n::text FROM ${k.as("k", { ordinality: "n" })}
     WHERE EXISTS (
       SELECT 1 FROM reload_event e
       WHERE e.instance_id = k.instance_id AND e.occurred_at > k.t AND e.kind = k.kind AND e.resource = k.resource
         AND NOT e.id = ANY(${batchIds})
     )`,
    ...q.values,
  );
  for (const row of newer) late.push(check[Number(row.n) - 1]!.group);
  return late;
}

/** Heartbeats absorbed into an interval have no arrival time: at equal instants they fold after stored events. */
const ABSORBED_ARRIVAL = new Date(8.64e15);

/** How many stored events before the oldest late one a replay starts from. */
const REPLAY_LOOKBACK = 200;
/**
 * A late event with more than this many newer events of its pair is too old to change the
 * present (a backfill far behind the live stream): it goes into history without a replay,
 * which keeps a replay's reads bounded.
 */
const REPLAY_MAX_AFTER = 2_000;

async function replay(
  tx: Tx,
  groups: Group[],
  existing: Map<string, InstanceState>,
): Promise<Map<string, InstanceState | null>> {
  const oldest = groups.map((g) =>
    g.events.reduce((a, e) => (e.occurredAt < a ? e.occurredAt : a), g.events[0]!.occurredAt),
  );
  const pairs = {
    instance_id: column.int(groups.map((g) => g.instanceId)),
    kind: column.text(groups.map((g) => g.kind)),
    resource: column.text(groups.map((g) => g.resource)),
  };
  const q = sqlParams();
  const k = q.unnest({ ...pairs, t: column.timestamptz(oldest) });
  const rows = await tx.query<(StateEventRow & { n: string; received_at: Date; id: string; before: boolean })[]>(
    `SELECT k.n::text, h.* FROM ${k.as("k", { ordinality: "n" })}
     CROSS JOIN LATERAL (
       (SELECT e.phase, e.occurred_at, e.received_at, e.id, e.from_version, e.to_version, e.error, e.reload_id, true AS before
        FROM reload_event e
        WHERE e.instance_id = k.instance_id AND e.kind = k.kind AND e.resource = k.resource AND e.occurred_at < k.t
        ORDER BY e.occurred_at DESC LIMIT ${REPLAY_LOOKBACK})
       UNION ALL
       (SELECT e.phase, e.occurred_at, e.received_at, e.id, e.from_version, e.to_version, e.error, e.reload_id, false
        FROM reload_event e
        WHERE e.instance_id = k.instance_id AND e.kind = k.kind AND e.resource = k.resource AND e.occurred_at >= k.t
        ORDER BY e.occurred_at LIMIT ${REPLAY_MAX_AFTER + 1})
     ) h`,
    ...q.values,
  );
  const histories = groups.map(() => [] as typeof rows);
  for (const row of rows) histories[Number(row.n) - 1]!.push(row);
  // Heartbeats absorbed into presence intervals are history too (docs/adr/0021): each
  // interval overlapping the window read stands for its bounding heartbeats.
  const windowStart = histories.map((h, i) => h.reduce((a, r) => (r.occurred_at < a ? r.occurred_at : a), oldest[i]!));
  const qi = sqlParams();
  const w = qi.unnest({
    ...pairs,
    t: column.timestamptz(windowStart),
    day: column.timestamptz(windowStart.map((t) => utcDay(t))),
  });
  const intervals = await tx.query<{ n: string; version: string; first_heard_at: Date; last_heard_at: Date }[]>(
    `SELECT k.n::text, p.version, p.first_heard_at, p.last_heard_at
     FROM ${w.as("k", { ordinality: "n" })}
     JOIN presence_interval p ON p.instance_id = k.instance_id AND p.kind = k.kind AND p.resource = k.resource
       AND p.first_heard_at >= k.day AND p.last_heard_at >= k.t`,
    ...qi.values,
  );
  for (const row of intervals) {
    const interval = { version: row.version, firstHeardAt: row.first_heard_at, lastHeardAt: row.last_heard_at };
    for (const { at } of intervalHeartbeats([interval], null, new Date(8.64e15))) {
      histories[Number(row.n) - 1]!.push({
        n: row.n,
        phase: "heartbeat",
        occurred_at: at,
        received_at: ABSORBED_ARRIVAL,
        id: "",
        from_version: null,
        to_version: row.version,
        error: null,
        reload_id: null,
        before: at < oldest[Number(row.n) - 1]!,
      });
    }
  }
  const result = new Map<string, InstanceState | null>();
  groups.forEach((group, i) => {
    const history = histories[i]!.sort(
      (a, b) =>
        a.occurred_at.getTime() - b.occurred_at.getTime() ||
        a.received_at.getTime() - b.received_at.getTime() ||
        compareCodePoints(a.id, b.id),
    ).map((r) => ({ ...stateEventFromRow(r), instance: "" }));
    // Counted over stored events only (an interval's heartbeats have no id).
    const truncated = histories[i]!.filter((r) => r.before && r.id !== "").length >= REPLAY_LOOKBACK;
    const key = stateKey(group.instanceId, group.kind, group.resource);
    const current = existing.get(key) ?? null;
    if (histories[i]!.filter((r) => !r.before && r.id !== "").length > REPLAY_MAX_AFTER)
      result.set(key, foldInstanceState(current, group.events));
    else result.set(key, replayInstanceState(history, current, truncated));
  });
  return result;
}

async function writeStates(
  tx: Tx,
  rows: { group: { instanceId: number; serviceId: number; kind: string; resource: string }; state: InstanceState }[],
  mode: "insert" | "update",
): Promise<Set<string>> {
  const q = sqlParams();
  const u = q.unnest({
    instance_id: column.int(rows.map((r) => r.group.instanceId)),
    kind: column.text(rows.map((r) => r.group.kind)),
    resource: column.text(rows.map((r) => r.group.resource)),
    service_id: column.int(rows.map((r) => r.group.serviceId)),
    version: column.text(rows.map((r) => r.state.version)),
    since: column.timestamptz(rows.map((r) => r.state.since)),
    last_phase: column.text(rows.map((r) => r.state.lastPhase)),
    last_phase_at: column.timestamptz(rows.map((r) => r.state.lastPhaseAt)),
    outcome: column.text(rows.map((r) => r.state.outcome)),
    last_error: column.text(rows.map((r) => r.state.lastError)),
    last_reload_id: column.text(rows.map((r) => r.state.lastReloadId)),
    previous_version: column.text(rows.map((r) => r.state.previousVersion)),
    changed_by_heartbeat: column.boolean(rows.map((r) => r.state.changedByHeartbeat)),
  });
  if (mode === "insert") {
    const inserted = await tx.query<{ instance_id: number; kind: string; resource: string }[]>(
      `INSERT INTO instance_state (${u.names})
       SELECT * FROM ${u.call}
       ON CONFLICT (instance_id, kind, resource) DO NOTHING
       RETURNING instance_id, kind, resource`,
      ...q.values,
    );
    return new Set(inserted.map((r) => stateKey(r.instance_id, r.kind, r.resource)));
  }
  await tx.execute(
    `UPDATE instance_state st SET version = u.version, since = u.since, last_phase = u.last_phase,
            last_phase_at = u.last_phase_at, outcome = u.outcome, last_error = u.last_error,
            last_reload_id = u.last_reload_id, previous_version = u.previous_version,
            changed_by_heartbeat = u.changed_by_heartbeat, updated_at = now(),
            -- the open presence interval is of the version it ran: another version closes it
            presence_from = CASE WHEN st.version IS NOT DISTINCT FROM u.version THEN st.presence_from END
     FROM ${u.as("u")}
     WHERE st.instance_id = u.instance_id AND st.kind = u.kind AND st.resource = u.resource`,
    ...q.values,
  );
  return new Set();
}
