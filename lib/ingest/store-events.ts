import "server-only";
import { transaction } from "@/lib/db/client";
import { canonicalJson } from "@/lib/domain/canonical-json";
import { compareCodePoints } from "@/lib/domain/keys";
import {
  reloadscopeOnlyRefusal,
  restrictionMatcher,
  restrictionRefusal,
  writtenByReloadscopeOnly,
} from "@/lib/domain/token-restrictions";
import type { ReloadEventInput } from "@/lib/domain/types";
import { env } from "@/lib/env";
import { notifyEventsStored } from "./events-stored";
import { column, sqlParams } from "@/lib/db/sql-params";
import { iso, type Tx } from "./sql";
import { upsertEntities, type Entities } from "./store-entities";
import { absorbPresence, presencePolicy } from "./store-presence";
import { presenceRuns } from "@/lib/domain/presence";
import { updateInstanceStates } from "./store-instance-states";
import { findDisagreements, updateReloads } from "./store-reloads";

// Stores a batch of validated events and everything they change (instances, instance state,
// reloads, desired versions) in one transaction. Every statement that locks rows locks them
// in one order (lib/domain/keys.ts, docs/adr/0005), table by table in the order below.

export interface StoreResult {
  /** events stored, and heartbeats absorbed into presence intervals */
  accepted: number;
  /** of `accepted`, the heartbeats that changed nothing: no event row, no id claimed (docs/adr/0021) */
  absorbed: number;
  duplicates: number;
  /** ids of the events written by this call as history, in input order */
  acceptedIds: string[];
  /** events refused while storing: their position in the input and why */
  rejected: { position: number; reason: string }[];
}

export const ID_CONFLICT_REASON = "id: already used for a different event";

const MAX_ATTEMPTS = 5;

/**
 * Who writes the events. An ingest token writes within its restrictions, and never the
 * control-plane phases of a reload Reloadscope requested; Reloadscope itself (its requests,
 * dispatcher, demo) writes anything, and its events carry no token.
 */
export type EventWriter = { kind: "token"; tokenId: number; restrictions: string[] | null } | { kind: "reloadscope" };

export const RELOADSCOPE_WRITER: EventWriter = { kind: "reloadscope" };

export interface StoreOptions {
  now?: Date;
  writer: EventWriter;
}

export async function storeEvents(events: ReloadEventInput[], options: StoreOptions): Promise<StoreResult> {
  const { writer } = options;
  // A repeat inside one request: the same content is a duplicate, other content a conflict.
  const first = new Map<string, { position: number; content: string | null }>();
  const unique: ReloadEventInput[] = [];
  const positions: number[] = [];
  const rejected: StoreResult["rejected"] = [];
  let inBatchDuplicates = 0;
  const allowed =
    writer.kind === "token" && writer.restrictions !== null ? restrictionMatcher(writer.restrictions) : null;
  events.forEach((e, position) => {
    // Outside the token's services: refused before anything is claimed or written.
    if (allowed !== null && !allowed(e)) {
      rejected.push({ position, reason: restrictionRefusal(e) });
      return;
    }
    const seen = first.get(e.id);
    if (!seen) {
      first.set(e.id, { position, content: null });
      unique.push(e);
      positions.push(position);
      return;
    }
    // Compared only when an id repeats, which is rare.
    seen.content ??= eventContent(events[seen.position]!);
    if (seen.content === eventContent(e)) inBatchDuplicates++;
    else rejected.push({ position, reason: ID_CONFLICT_REASON });
  });
  if (unique.length === 0)
    return {
      accepted: 0,
      absorbed: 0,
      duplicates: inBatchDuplicates,
      acceptedIds: [],
      rejected: rejected.sort((a, b) => a.position - b.position),
    };

  const now = options.now ?? new Date();
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await transaction((tx) => storeInTransaction(tx, unique, now, writer));
      // Committed: event-driven alert rules look soon (a function call; the schedule debounces).
      if (outcome.acceptedIds.length + outcome.absorbed > 0) notifyEventsStored();
      const refused = [
        ...outcome.conflicts.map((i) => ({ position: positions[i]!, reason: ID_CONFLICT_REASON })),
        ...outcome.disagreements.map((d) => ({ position: positions[d.index]!, reason: d.reason })),
      ];
      const accepted = outcome.acceptedIds.length + outcome.absorbed;
      return {
        accepted,
        absorbed: outcome.absorbed,
        duplicates: inBatchDuplicates + unique.length - accepted - refused.length,
        acceptedIds: outcome.acceptedIds,
        rejected: [...rejected, ...refused].sort((a, b) => a.position - b.position),
      };
    } catch (error) {
      // Deadlock or serialization failure: the whole transaction is safe to run again, after
      // a jittered pause so the transactions that collided do not collide again in step.
      const code = (error as { code?: string }).code;
      const retryable = code === "40P01" || code === "40001";
      if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
    }
  }
}

/** Exponential backoff with full jitter: 0–10 ms, 0–20 ms, 0–40 ms, … */
export function retryDelayMs(attempt: number, random = Math.random): number {
  return Math.floor(random() * 10 * 2 ** (attempt - 1));
}

/** What makes two events with one id the same event (labels describe the instance, not the event; a dispatch's targets are its content). */
function eventContent(e: ReloadEventInput): string {
  return JSON.stringify([
    e.reloadId,
    e.environment,
    e.namespace,
    e.service,
    e.instance,
    e.kind,
    e.resource,
    e.phase,
    e.fromVersion,
    e.toVersion,
    e.initiator,
    e.occurredAt.getTime(),
    e.durationMs,
    e.error,
    e.traceId,
    e.spanId,
    canonicalJson(e.attributes),
    targetsJson(e),
    e.targetCount,
  ]);
}

/** A dispatch's named targets as stored: a set, so a JSON array sorted and without repeats; else null. */
function targetsJson(e: ReloadEventInput): string | null {
  return e.targets ? JSON.stringify([...new Set(e.targets)].sort(compareCodePoints)) : null;
}

async function storeInTransaction(
  tx: Tx,
  all: ReloadEventInput[],
  now: Date,
  writer: EventWriter,
): Promise<{
  acceptedIds: string[];
  absorbed: number;
  conflicts: number[];
  disagreements: { index: number; reason: string }[];
}> {
  // Refused first, so a refused event neither claims its id nor sets a reload's identity.
  const reserved = writer.kind === "token" ? await findReloadscopeOnly(tx, all) : new Map<number, string>();
  const candidates = all.map((_, i) => i).filter((i) => !reserved.has(i));
  const found = await findDisagreements(
    tx,
    candidates.map((i) => all[i]!),
  );
  const problems = new Map(reserved);
  for (const [at, reason] of found) problems.set(candidates[at]!, reason);
  const disagreements = [...problems].map(([index, reason]) => ({ index, reason }));
  const kept = all.map((_, i) => i).filter((i) => !problems.has(i));
  const events = kept.map((i) => all[i]!);
  if (events.length === 0) return { acceptedIds: [], absorbed: 0, conflicts: [], disagreements };
  // Heartbeats that only confirm what their pair runs extend its presence interval: no id
  // claimed, no event row (docs/adr/0021). Everything else is history. Ids are claimed before
  // anything else is written, so an event whose id is taken (a duplicate, or a conflict)
  // creates no service, instance or label change: first the events that cannot be presence,
  // then (after the presence statement, which locks the batch's state rows in one pass) the
  // heartbeats it found to be news after all.
  const policy = presencePolicy();
  const runs = presenceRuns(events, policy.gapMs);
  const maybePresence = new Set(runs.flatMap((r) => r.positions));
  const definite = events.filter((_, k) => !maybePresence.has(k));
  const claimed = definite.length > 0 ? await claimIds(tx, definite) : new Set<string>();
  const absorbed = await absorbPresence(
    tx,
    events,
    runs,
    definite.filter((e) => claimed.has(e.id)),
    policy,
  );
  const news = events.filter((_, k) => maybePresence.has(k) && !absorbed.has(k));
  if (news.length > 0) for (const id of await claimIds(tx, news)) claimed.add(id);
  const historyAt = kept.filter((_, k) => !absorbed.has(k));
  const history = events.filter((_, k) => !absorbed.has(k));
  if (history.length === 0) return { acceptedIds: [], absorbed: absorbed.size, conflicts: [], disagreements };
  const conflicts = (
    await findConflicts(
      tx,
      history.map((e, i) => ({ e, i })).filter(({ e }) => !claimed.has(e.id)),
    )
  ).map((i) => historyAt[i]!);
  const accepted = history.filter((e) => claimed.has(e.id));
  if (accepted.length > 0) {
    const entities = await upsertEntities(tx, accepted);
    await insertEvents(tx, accepted, entities, writer.kind === "token" ? writer.tokenId : null);
    const settings = env();
    await updateInstanceStates(tx, accepted, entities.serviceOf, entities.instanceOf);
    await invalidateSnapshots(tx, accepted);
    await updateReloads(tx, accepted, entities, {
      now,
      timeoutMs: settings.RELOAD_TIMEOUT_SECONDS * 1000,
      staleMs: settings.INSTANCE_STALE_SECONDS * 1000,
    });
  }
  return { acceptedIds: accepted.map((e) => e.id), absorbed: absorbed.size, conflicts, disagreements };
}

/**
 * Events (their index) whose phase only Reloadscope writes for a reload it requested
 * (reload_request holds every reloadId it issued). One query, and only for batches that hold
 * such phases: instance reports, the bulk of ingest, cost nothing here.
 */
async function findReloadscopeOnly(tx: Tx, events: ReloadEventInput[]): Promise<Map<number, string>> {
  const claims = events.flatMap((e, index) =>
    e.reloadId !== null && writtenByReloadscopeOnly(e.phase, e.instance) ? [{ index, reloadId: e.reloadId }] : [],
  );
  if (claims.length === 0) return new Map();
  const requested = await tx.query<{ reload_id: string }[]>(
    `SELECT reload_id FROM reload_request WHERE reload_id = ANY($1::text[])`,
    [...new Set(claims.map((c) => c.reloadId))],
  );
  const ours = new Set(requested.map((r) => r.reload_id));
  return new Map(
    claims.filter((c) => ours.has(c.reloadId)).map((c) => [c.index, reloadscopeOnlyRefusal(events[c.index]!.phase)]),
  );
}

/**
 * Claims the batch's ids in reload_event_id (primary key: the id alone; reload_event is
 * partitioned by occurred_at, so its key is (id, occurred_at): docs/adr/0009). In id order
 * (code point order), so concurrent claims of the same ids wait in one order. Returns the
 * ids that were new.
 */
async function claimIds(tx: Tx, events: ReloadEventInput[]): Promise<Set<string>> {
  const rows = [...events].sort((a, b) => compareCodePoints(a.id, b.id));
  const q = sqlParams();
  const ids = q.unnest({
    id: column.text(rows.map((e) => e.id)),
    occurred_at: column.timestamptz(rows.map((e) => e.occurredAt)),
  });
  const claimed = await tx.query<{ id: string }[]>(
    `INSERT INTO reload_event_id (${ids.names})
     SELECT * FROM ${ids.call}
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    ...q.values,
  );
  return new Set(claimed.map((r) => r.id));
}

/**
 * Of events whose id was already taken, the ones whose stored event says something else
 * (their `i`): compared field by field in SQL, services and instances by name, found
 * through the id's row (id and occurred_at: one partition's index). The others are
 * duplicates.
 */
async function findConflicts(tx: Tx, repeated: { e: ReloadEventInput; i: number }[]): Promise<number[]> {
  if (repeated.length === 0) return [];
  const events = repeated.map(({ e }) => e);
  const q = sqlParams();
  const u = q.unnest({
    id: column.text(events.map((e) => e.id)),
    reload_id: column.text(events.map((e) => e.reloadId)),
    environment: column.text(events.map((e) => e.environment)),
    namespace: column.text(events.map((e) => e.namespace)),
    service: column.text(events.map((e) => e.service)),
    instance: column.text(events.map((e) => e.instance)),
    kind: column.text(events.map((e) => e.kind)),
    resource: column.text(events.map((e) => e.resource)),
    phase: column.text(events.map((e) => e.phase)),
    from_version: column.text(events.map((e) => e.fromVersion)),
    to_version: column.text(events.map((e) => e.toVersion)),
    initiator: column.text(events.map((e) => e.initiator)),
    occurred_at: column.timestamptz(events.map((e) => e.occurredAt)),
    duration_ms: column.bigint(events.map((e) => e.durationMs)),
    error: column.text(events.map((e) => e.error)),
    trace_id: column.text(events.map((e) => e.traceId)),
    span_id: column.text(events.map((e) => e.spanId)),
    attributes: column.jsonb(events.map((e) => JSON.stringify(e.attributes))),
    targets: column.jsonb(events.map(targetsJson)),
    target_count: column.int(events.map((e) => e.targetCount)),
  });
  const rows = await tx.query<{ n: string }[]>(
    `SELECT u.n::text
     FROM ${u.as("u", { ordinality: "n" })}
     JOIN reload_event_id r ON r.id = u.id
     JOIN reload_event e ON e.id = r.id AND e.occurred_at = r.occurred_at
     JOIN service s ON s.id = e.service_id
     LEFT JOIN instance ins ON ins.id = e.instance_id
     WHERE (e.reload_id, s.environment, s.namespace, s.name, ins.instance_key, e.kind, e.resource, e.phase, e.from_version,
            e.to_version, e.initiator, e.occurred_at, e.duration_ms, e.error, e.trace_id, e.span_id, e.attributes, e.targets,
            e.target_count)
       IS DISTINCT FROM
           (u.reload_id, u.environment, u.namespace, u.service, u.instance, u.kind, u.resource, u.phase, u.from_version,
            u.to_version, u.initiator, u.occurred_at, u.duration_ms, u.error, u.trace_id, u.span_id, u.attributes, u.targets,
            u.target_count)`,
    ...q.values,
  );
  return rows.map((r) => repeated[Number(r.n) - 1]!.i);
}

/**
 * Replay snapshots (docs/adr/0010) are folds of the events up to their instant: events that
 * arrive late for an instant a snapshot already covers make it wrong, so it goes (the
 * snapshot job builds it again).
 */
async function invalidateSnapshots(tx: Tx, accepted: ReloadEventInput[]): Promise<void> {
  const oldest = accepted.reduce((a, e) => (e.occurredAt < a ? e.occurredAt : a), accepted[0]!.occurredAt);
  await tx.execute(`DELETE FROM instance_state_snapshot WHERE at >= $1::timestamptz`, iso(oldest));
}

/** Inserts the events whose ids this transaction claimed; `tokenId` (one parameter for the batch) is who sent them, null for the app. */
async function insertEvents(
  tx: Tx,
  events: ReloadEventInput[],
  { serviceOf, instanceOf }: Entities,
  tokenId: number | null,
): Promise<void> {
  const rows = [...events].sort((a, b) => compareCodePoints(a.id, b.id));
  const q = sqlParams();
  const u = q.unnest({
    id: column.text(rows.map((e) => e.id)),
    reload_id: column.text(rows.map((e) => e.reloadId)),
    service_id: column.int(rows.map(serviceOf)),
    instance_id: column.int(rows.map(instanceOf)),
    kind: column.text(rows.map((e) => e.kind)),
    resource: column.text(rows.map((e) => e.resource)),
    phase: column.text(rows.map((e) => e.phase)),
    from_version: column.text(rows.map((e) => e.fromVersion)),
    to_version: column.text(rows.map((e) => e.toVersion)),
    initiator: column.text(rows.map((e) => e.initiator)),
    occurred_at: column.timestamptz(rows.map((e) => e.occurredAt)),
    duration_ms: column.bigint(rows.map((e) => e.durationMs)),
    error: column.text(rows.map((e) => e.error)),
    trace_id: column.text(rows.map((e) => e.traceId)),
    span_id: column.text(rows.map((e) => e.spanId)),
    attributes: column.jsonb(rows.map((e) => JSON.stringify(e.attributes))),
    targets: column.jsonb(rows.map(targetsJson)),
    target_count: column.int(rows.map((e) => e.targetCount)),
  });
  const token = q.value(tokenId, "int");
  await tx.execute(
    `INSERT INTO reload_event (${u.names}, token_id) SELECT u.*, ${token} FROM ${u.as("u")}`,
    ...q.values,
  );
}
