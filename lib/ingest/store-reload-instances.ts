import "server-only";
import { compositeKey, inLockOrder } from "@/lib/domain/keys";
import { FINAL_PHASES, SUCCESS_PHASES } from "@/lib/domain/phases";
import { heardSinceSql, liveCutoffSql } from "@/lib/domain/presence";
import { instancePhaseBucket, type InstanceBucket } from "@/lib/domain/reload-status";
import type { Phase, ReloadEventInput } from "@/lib/domain/types";
import type { ReloadRecord } from "@/lib/domain/reload-row";
import { column, sqlParams } from "@/lib/db/sql-params";
import type { Tx } from "./sql";
import type { Entities } from "./store-entities";
import type { ReloadSettings } from "./store-reloads";

// A reload's targets and each instance's latest phase in it (reload_instance), and the
// counters on the reload row that "N of M" and the status read. The reload rows are locked
// by the caller, which serialises every writer of their reload_instance rows; counters move
// by the difference each write makes, so no batch recounts a whole reload.

interface Touched {
  record: ReloadRecord;
  events: ReloadEventInput[];
}

export async function updateReloadInstances(
  tx: Tx,
  touched: Touched[],
  entities: Entities,
  settings: ReloadSettings,
  lateTargets: Map<string, number[]> = new Map(),
): Promise<void> {
  await updateScopes(tx, touched, entities, settings, lateTargets);
  await updatePhases(tx, touched, entities);
}

/**
 * Scope (DESIGN.md): the instances a dispatched event names (`targets`, or `targetCount`),
 * else the service's live instances reporting the resource when the reload starts.
 * Named targets replace a snapshot taken before the dispatch event arrived.
 */
async function updateScopes(
  tx: Tx,
  touched: Touched[],
  entities: Entities,
  settings: ReloadSettings,
  lateTargets: Map<string, number[]>,
): Promise<void> {
  const switching: ReloadRecord[] = [];
  const named: { record: ReloadRecord; instanceId: number }[] = [];
  const snapshot: ReloadRecord[] = [];
  for (const { record, events } of touched) {
    const dispatches = events.filter((e) => e.phase === "dispatched" && (e.targets !== null || e.targetCount !== null));
    if (dispatches.length > 0) {
      if (record.scope === "implicit") switching.push(record);
      record.scope = "explicit";
      record.targetCount = Math.max(record.targetCount ?? 0, ...dispatches.map((e) => e.targetCount ?? 0));
      for (const e of dispatches) {
        for (const target of e.targets ?? [])
          named.push({ record, instanceId: entities.instanceId(record.serviceId, target) });
      }
    } else if (record.scope === null && record.facts.startedAt) {
      record.scope = "implicit";
      snapshot.push(record);
    }
  }

  // Live before an implicitly scoped reload started, heard of only now (findLateTargets); a
  // reload this batch gave named targets is no longer implicit.
  for (const { record } of touched) {
    if (record.scope !== "implicit" || snapshot.includes(record)) continue;
    for (const instanceId of lateTargets.get(record.key) ?? []) named.push({ record, instanceId });
  }

  if (switching.length > 0) {
    const keys = switching.map((r) => r.key);
    await tx.execute(`DELETE FROM reload_instance WHERE reload_key = ANY($1::bigint[]) AND phase IS NULL`, keys);
    await tx.execute(
      `UPDATE reload_instance SET targeted = false WHERE reload_key = ANY($1::bigint[]) AND targeted`,
      keys,
    );
  }

  if (named.length > 0) {
    const unique = inLockOrder(
      [...new Map(named.map((n) => [compositeKey(n.record.key, n.instanceId), n])).values()],
      (n) => [Number(n.record.key), n.instanceId],
    );
    const q = sqlParams();
    const u = q.unnest({
      reload_key: column.bigint(unique.map((n) => n.record.key)),
      instance_id: column.int(unique.map((n) => n.instanceId)),
    });
    const inserted = await tx.query<{ reload_key: string }[]>(
      `INSERT INTO reload_instance (${u.names}, targeted)
       SELECT *, true FROM ${u.call}
       ON CONFLICT (reload_key, instance_id) DO NOTHING
       RETURNING reload_key::text`,
      ...q.values,
    );
    await tx.execute(
      `UPDATE reload_instance ri SET targeted = true FROM ${u.as("u")}
       WHERE ri.reload_key = u.reload_key AND ri.instance_id = u.instance_id AND NOT ri.targeted`,
      ...q.values,
    );
    addParticipants(touched, inserted);
  }

  if (snapshot.length > 0) {
    // Live at the start: heard from within INSTANCE_STALE_SECONDS before it, and known by then.
    const q = sqlParams();
    const s = q.unnest({
      k: column.bigint(snapshot.map((r) => r.key)),
      service_id: column.int(snapshot.map((r) => r.serviceId)),
      kind: column.text(snapshot.map((r) => r.facts.kind)),
      resource: column.text(snapshot.map((r) => r.facts.resource)),
      started_at: column.timestamptz(snapshot.map((r) => r.facts.startedAt)),
    });
    const staleMs = q.value(settings.staleMs);
    const inserted = await tx.query<{ reload_key: string }[]>(
      `INSERT INTO reload_instance (reload_key, instance_id, targeted)
       SELECT s.k, st.instance_id, true
       FROM ${s.as("s")}
       JOIN instance_state st ON st.service_id = s.service_id AND st.kind = s.kind AND st.resource = s.resource
       JOIN instance i ON i.id = st.instance_id
       WHERE ${heardSinceSql("st.last_phase_at", liveCutoffSql("s.started_at", staleMs))}
         AND i.first_seen_at <= s.started_at
       ORDER BY s.k, st.instance_id
       ON CONFLICT (reload_key, instance_id) DO NOTHING
       RETURNING reload_key::text`,
      ...q.values,
    );
    addParticipants(touched, inserted);
  }

  if (switching.length > 0) {
    const counted = await tx.query<{ reload_key: string; n: number }[]>(
      `SELECT reload_key::text, count(*)::int AS n FROM reload_instance WHERE reload_key = ANY($1::bigint[]) GROUP BY reload_key`,
      switching.map((r) => r.key),
    );
    const byKey = new Map(counted.map((c) => [c.reload_key, c.n]));
    for (const r of switching) r.participants = byKey.get(r.key) ?? 0;
  }
}

function addParticipants(touched: Touched[], inserted: { reload_key: string }[]): void {
  const byKey = new Map(touched.map((t) => [t.record.key, t.record]));
  for (const row of inserted) byKey.get(row.reload_key)!.participants++;
}

interface PhaseRow {
  phase: Phase | null;
  phaseAt: Date | null;
  error: string | null;
}

/** Each instance's latest phase per reload (newest occurredAt; a tie goes to the later arrival). */
async function updatePhases(tx: Tx, touched: Touched[], entities: Entities): Promise<void> {
  const pairs = new Map<string, { record: ReloadRecord; instanceId: number; events: ReloadEventInput[] }>();
  for (const { record, events } of touched) {
    for (const e of events) {
      const instanceId = entities.instanceOf(e);
      if (instanceId === null || instancePhaseBucket(e.phase) === null) continue;
      const key = compositeKey(record.key, instanceId);
      const pair = pairs.get(key) ?? { record, instanceId, events: [] };
      pair.events.push(e);
      pairs.set(key, pair);
    }
  }
  if (pairs.size === 0) return;
  const ordered = inLockOrder([...pairs.values()], (p) => [Number(p.record.key), p.instanceId]);
  const q = sqlParams();
  const u = q.unnest({
    reload_key: column.bigint(ordered.map((p) => p.record.key)),
    instance_id: column.int(ordered.map((p) => p.instanceId)),
  });
  const existing = await tx.query<
    { reload_key: string; instance_id: number; phase: Phase | null; phase_at: Date | null; error: string | null }[]
  >(
    `SELECT ri.reload_key::text, ri.instance_id, ri.phase, ri.phase_at, ri.error
     FROM reload_instance ri JOIN ${u.as("u")} ON ri.reload_key = u.reload_key AND ri.instance_id = u.instance_id`,
    ...q.values,
  );
  const before = new Map(
    existing.map((r) => [
      compositeKey(r.reload_key, r.instance_id),
      { phase: r.phase, phaseAt: r.phase_at, error: r.error },
    ]),
  );

  const writes: { pair: (typeof ordered)[number]; row: PhaseRow }[] = [];
  const recount = new Set<ReloadRecord>();
  for (const pair of ordered) {
    const old = before.get(compositeKey(pair.record.key, pair.instanceId)) ?? null;
    let row: PhaseRow = old ?? { phase: null, phaseAt: null, error: null };
    for (const e of [...pair.events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())) {
      if (row.phaseAt === null || e.occurredAt.getTime() >= row.phaseAt.getTime())
        row = { phase: e.phase, phaseAt: e.occurredAt, error: e.error };
    }
    if (old && old.phase === row.phase && old.phaseAt?.getTime() === row.phaseAt?.getTime() && old.error === row.error)
      continue;
    moveCounters(pair.record, old, row, recount);
    writes.push({ pair, row });
  }
  if (writes.length === 0) return;
  const qw = sqlParams();
  const rows = qw.unnest({
    reload_key: column.bigint(writes.map((w) => w.pair.record.key)),
    instance_id: column.int(writes.map((w) => w.pair.instanceId)),
    phase: column.text(writes.map((w) => w.row.phase)),
    phase_at: column.timestamptz(writes.map((w) => w.row.phaseAt)),
    error: column.text(writes.map((w) => w.row.error)),
  });
  await tx.execute(
    `INSERT INTO reload_instance (${rows.names})
     SELECT * FROM ${rows.call}
     ON CONFLICT (reload_key, instance_id) DO UPDATE
       SET phase = excluded.phase, phase_at = excluded.phase_at, error = excluded.error`,
    ...qw.values,
  );
  if (recount.size > 0) await recountTimes(tx, [...recount]);
}

async function recountTimes(tx: Tx, records: ReloadRecord[]): Promise<void> {
  const rows = await tx.query<{ reload_key: string; last_succeeded_at: Date | null; last_finished_at: Date | null }[]>(
    `SELECT reload_key::text,
            max(phase_at) FILTER (WHERE phase = ANY($2::text[])) AS last_succeeded_at,
            max(phase_at) FILTER (WHERE phase = ANY($3::text[])) AS last_finished_at
     FROM reload_instance WHERE reload_key = ANY($1::bigint[]) GROUP BY reload_key`,
    records.map((r) => r.key),
    [...SUCCESS_PHASES],
    [...FINAL_PHASES],
  );
  const byKey = new Map(rows.map((r) => [r.reload_key, r]));
  for (const record of records) {
    const row = byKey.get(record.key);
    record.counts.lastSucceededAt = row?.last_succeeded_at ?? null;
    record.counts.lastFinishedAt = row?.last_finished_at ?? null;
  }
}

const COUNTER: Record<InstanceBucket, "succeeded" | "nacked" | "failed" | "rolledBack" | "inProgress"> = {
  succeeded: "succeeded",
  nacked: "nacked",
  failed: "failed",
  rolledBack: "rolledBack",
  inProgress: "inProgress",
};

/**
 * Moves the reload's counters by what one instance's change of phase makes of them. The
 * latest success and finish times are maxima over the instances' current phases: when an
 * instance that held one leaves it (an ack later rolled back), the reload is marked to
 * have them recounted (`recountTimes`), which is rare.
 */
function moveCounters(record: ReloadRecord, old: PhaseRow | null, next: PhaseRow, recount: Set<ReloadRecord>): void {
  const c = record.counts;
  const oldBucket = instancePhaseBucket(old?.phase ?? null);
  const oldAt = old?.phaseAt?.getTime();
  if (
    oldBucket === "succeeded" &&
    instancePhaseBucket(next.phase) !== "succeeded" &&
    oldAt === c.lastSucceededAt?.getTime()
  )
    recount.add(record);
  if (
    oldBucket !== null &&
    oldBucket !== "inProgress" &&
    instancePhaseBucket(next.phase) === "inProgress" &&
    oldAt === c.lastFinishedAt?.getTime()
  )
    recount.add(record);
  if (!old) record.participants++;
  if (!old || old.phase === null) c.reporting++;
  const was = instancePhaseBucket(old?.phase ?? null);
  const now = instancePhaseBucket(next.phase)!;
  if (was) c[COUNTER[was]]--;
  c[COUNTER[now]]++;
  const at = next.phaseAt!;
  if (now === "succeeded" && (!c.lastSucceededAt || at > c.lastSucceededAt)) c.lastSucceededAt = at;
  if (now !== "inProgress" && (!c.lastFinishedAt || at > c.lastFinishedAt)) c.lastFinishedAt = at;
}
