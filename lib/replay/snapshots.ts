import "server-only";
import { transaction, type Sql } from "@/lib/db/client";
import { column, sqlParams } from "@/lib/db/sql-params";
import {
  DEFAULT_SNAPSHOT_POLICY,
  keepsSnapshot,
  pairKey,
  replayStates,
  snapshotSlots,
  type PairState,
  type SnapshotPolicy,
} from "@/lib/domain/replay";
import { env } from "@/lib/env";
import { historyStart, newestSnapshotAtOrBefore, readPairEvents, readSnapshotRows } from "./history";

// The snapshot job (docs/adr/0010). Each process runs it (lib/worker/periodic-jobs.ts); no leader:
// every slot is built in its own transaction under one advisory lock, taken with try, so a
// process that finds it held skips this round, and a slot that exists already is skipped.
// A slot's snapshot is the previous snapshot (or retained history) plus the events up to the
// slot folded with the same function as ingest — never a copy of the live table, whose rows
// hold events from after the slot.

/** Any fixed bigint, distinct from the migration and partition-maintenance keys. */
export const SNAPSHOT_LOCK_KEY = 7_270_737_010;

const DAY_MS = 86_400_000;
/** Rows per INSERT, so a 60k-pair fleet is a dozen statements. */
const WRITE_CHUNK = 5_000;

export function snapshotPolicy(): SnapshotPolicy {
  return { ...DEFAULT_SNAPSHOT_POLICY, retentionMs: env().RETENTION_DAYS * DAY_MS };
}

export interface SnapshotRun {
  built: { at: Date; rows: number; eventsFolded: number }[];
  dropped: number;
  /** Another process held the lock: this run built nothing more. */
  busy: boolean;
}

/**
 * Builds the missing snapshots (oldest first) and drops those the schedule no longer keeps.
 * `budgetMs` bounds one run's work; the next run continues where it stopped.
 */
export async function takeSnapshots(
  options: { now?: Date; budgetMs?: number; policy?: SnapshotPolicy } = {},
): Promise<SnapshotRun> {
  const now = options.now ?? new Date();
  const policy = options.policy ?? snapshotPolicy();
  const started = Date.now();
  const budgetMs = options.budgetMs ?? Infinity;
  const run: SnapshotRun = { built: [], dropped: 0, busy: false };

  run.dropped = await dropExpired(now, policy);
  const existing = await existingSlots();
  const missing = snapshotSlots(now, policy).filter((slot) => !existing.has(slot.getTime()));
  // The state just built, so the next slot folds onto it instead of reading it back.
  let carried: { at: Date; states: Map<string, PairState> } | null = null;
  for (const slot of missing) {
    if (Date.now() - started > budgetMs) break;
    const result = await transaction(async (tx) => {
      const lock = await tx.query<{ locked: boolean }[]>(
        `SELECT pg_try_advisory_xact_lock($1) AS locked`,
        SNAPSHOT_LOCK_KEY,
      );
      if (!lock[0]?.locked) return "busy" as const;
      const taken = await tx.query<object[]>(
        `SELECT 1 FROM instance_state_snapshot WHERE at = $1::timestamptz`,
        slot.toISOString(),
      );
      if (taken.length > 0) return "exists" as const;
      return buildSnapshot(tx, slot, now, policy, carried);
    });
    if (result === "busy") {
      run.busy = true;
      break;
    }
    if (result === "exists") {
      carried = null;
      continue;
    }
    carried = { at: slot, states: result.states };
    run.built.push({ at: slot, rows: result.states.size, eventsFolded: result.eventsFolded });
  }
  return run;
}

async function buildSnapshot(
  tx: Sql,
  slot: Date,
  now: Date,
  policy: SnapshotPolicy,
  carried: { at: Date; states: Map<string, PairState> } | null,
): Promise<{ states: Map<string, PairState>; eventsFolded: number }> {
  const previous = await newestSnapshotAtOrBefore(tx, slot, true);
  let from: Date;
  let states: Map<string, PairState>;
  if (previous) {
    from = previous.at;
    states =
      carried && carried.at.getTime() === previous.at.getTime()
        ? carried.states
        : new Map((await readSnapshotRows(tx, previous.id, null)).map((s) => [pairKey(s), s]));
  } else {
    from = historyStart(now, policy.retentionMs / DAY_MS);
    states = new Map();
  }
  // A day of events at a time (one partition each), so the first snapshot over a month of
  // history never holds it all in memory.
  let eventsFolded = 0;
  for (let after = from; after < slot;) {
    const upTo = new Date(Math.min(slot.getTime(), (Math.floor(after.getTime() / DAY_MS) + 1) * DAY_MS));
    const events = await readPairEvents(tx, after, upTo, null);
    eventsFolded += events.length;
    if (events.length > 0) states = replayStates(states.values(), events);
    after = upTo;
  }
  await writeSnapshot(tx, slot, states, eventsFolded);
  return { states, eventsFolded };
}

async function writeSnapshot(tx: Sql, at: Date, states: Map<string, PairState>, eventsFolded: number): Promise<void> {
  const rows = [...states.values()];
  const serviceIds = [...new Set(rows.map((r) => r.serviceId))].sort((a, b) => a - b);
  const header = await tx.query<{ id: string }[]>(
    `INSERT INTO instance_state_snapshot (at, row_count, events_folded, service_ids)
     VALUES ($1::timestamptz, $2, $3, $4::int[]) RETURNING id::text`,
    at.toISOString(),
    rows.length,
    eventsFolded,
    serviceIds,
  );
  const id = header[0]!.id;
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
    const chunk = rows.slice(i, i + WRITE_CHUNK);
    const q = sqlParams();
    const snapshot = q.value(id, "bigint");
    const u = q.unnest({
      service_id: column.int(chunk.map((r) => r.serviceId)),
      instance_id: column.int(chunk.map((r) => r.instanceId)),
      kind: column.text(chunk.map((r) => r.kind)),
      resource: column.text(chunk.map((r) => r.resource)),
      version: column.text(chunk.map((r) => r.version)),
      since: column.timestamptz(chunk.map((r) => r.since)),
      last_phase: column.text(chunk.map((r) => r.lastPhase)),
      last_phase_at: column.timestamptz(chunk.map((r) => r.lastPhaseAt)),
      outcome: column.text(chunk.map((r) => r.outcome)),
      last_error: column.text(chunk.map((r) => r.lastError)),
      last_reload_id: column.text(chunk.map((r) => r.lastReloadId)),
      previous_version: column.text(chunk.map((r) => r.previousVersion)),
      changed_by_heartbeat: column.boolean(chunk.map((r) => r.changedByHeartbeat)),
    });
    await tx.execute(
      `INSERT INTO instance_state_snapshot_row (snapshot_id, ${u.names}) SELECT ${snapshot}, * FROM ${u.call}`,
      ...q.values,
    );
  }
}

async function existingSlots(): Promise<Set<number>> {
  const rows = await transaction((tx) => tx.query<{ at: Date }[]>(`SELECT at FROM instance_state_snapshot`));
  return new Set(rows.map((r) => r.at.getTime()));
}

/**
 * Drops snapshots past retention, and dense ones older than the dense window that are not at
 * a whole day. Snapshots newer than the schedule at `now` are left alone (a run with an
 * earlier clock must not undo a later one's work).
 */
async function dropExpired(now: Date, policy: SnapshotPolicy): Promise<number> {
  return transaction(async (tx) => {
    const rows = await tx.query<{ id: string; at: Date }[]>(
      `SELECT id::text, at FROM instance_state_snapshot WHERE at < $1::timestamptz`,
      new Date(now.getTime() - policy.denseForMs).toISOString(),
    );
    const drop = rows.filter((r) => !keepsSnapshot(r.at, now, policy)).map((r) => r.id);
    if (drop.length === 0) return 0;
    return tx.execute(`DELETE FROM instance_state_snapshot WHERE id = ANY($1::bigint[])`, drop);
  });
}
