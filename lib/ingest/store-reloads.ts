import "server-only";
import { FAILURE_PHASES, PROGRESS_PHASES, SUCCESS_PHASES } from "@/lib/domain/phases";
import {
  completedAt,
  convergenceMs,
  deriveReloadStatus,
  desiredVersionFrom,
  foldReloadFacts,
  instancePhaseBucket,
  type ReloadFacts,
  type ReloadInstanceCounts,
} from "@/lib/domain/reload-status";
import type { ReloadEventInput, ReloadStatus } from "@/lib/domain/types";
import { byKey, iso, type Tx } from "./sql";

// Reloads, their instances' latest phases and desired versions, updated inside the ingest
// transaction: facts are folded in code under row locks, counts come from reload_instance.

interface ReloadRow {
  id: string;
  kind: string;
  resource: string;
  from_version: string | null;
  to_version: string | null;
  initiator: string | null;
  requested_at: Date | null;
  approved_at: Date | null;
  rejected_at: Date | null;
  dispatched_at: Date | null;
  rolled_back_at: Date | null;
  failed_at: Date | null;
  first_event_at: Date;
  last_event_at: Date;
  last_error: string | null;
  last_error_at: Date | null;
}

function factsFromRow(r: ReloadRow): ReloadFacts {
  return {
    kind: r.kind,
    resource: r.resource,
    fromVersion: r.from_version,
    toVersion: r.to_version,
    initiator: r.initiator,
    requestedAt: r.requested_at,
    approvedAt: r.approved_at,
    rejectedAt: r.rejected_at,
    dispatchedAt: r.dispatched_at,
    rolledBackAt: r.rolled_back_at,
    failedAt: r.failed_at,
    firstEventAt: r.first_event_at,
    lastEventAt: r.last_event_at,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
  };
}

export async function updateReloads(
  tx: Tx,
  accepted: ReloadEventInput[],
  serviceOf: (e: ReloadEventInput) => number,
  instanceOf: (e: ReloadEventInput) => number | null,
): Promise<void> {
  const byReload = new Map<string, ReloadEventInput[]>();
  for (const e of accepted) {
    if (e.reloadId === null) continue;
    const list = byReload.get(e.reloadId) ?? [];
    list.push(e);
    byReload.set(e.reloadId, list);
  }
  if (byReload.size === 0) return;
  const reloadIds = [...byReload.keys()].sort();

  const lockReloads = async (ids: string[]) => {
    const rows = await tx.query<ReloadRow[]>(
      `SELECT id, kind, resource, from_version, to_version, initiator, requested_at, approved_at, rejected_at,
              dispatched_at, rolled_back_at, failed_at, first_event_at, last_event_at, last_error, last_error_at
       FROM reload WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      ids,
    );
    return new Map(rows.map((r) => [r.id, factsFromRow(r)]));
  };
  const fold = (facts: ReloadFacts | null, id: string): ReloadFacts =>
    byReload.get(id)!.reduce<ReloadFacts | null>(foldReloadFacts, facts)!;

  const existing = await lockReloads(reloadIds);
  const facts = new Map<string, ReloadFacts>();
  const missing = reloadIds.filter((id) => !existing.has(id));
  for (const id of reloadIds) if (existing.has(id)) facts.set(id, fold(existing.get(id)!, id));
  if (missing.length > 0) {
    const fresh = missing.map((id) => ({ id, facts: fold(null, id), serviceId: serviceOf(byReload.get(id)![0]!) }));
    const inserted = await tx.query<{ id: string }[]>(
      `INSERT INTO reload (id, service_id, kind, resource, status, first_event_at, last_event_at)
       SELECT u.id, u.service_id, u.kind, u.resource, 'in_progress', u.first_at, u.last_at
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])
         AS u(id, service_id, kind, resource, first_at, last_at)
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      fresh.map((f) => f.id),
      fresh.map((f) => f.serviceId),
      fresh.map((f) => f.facts.kind),
      fresh.map((f) => f.facts.resource),
      fresh.map((f) => iso(f.facts.firstEventAt)),
      fresh.map((f) => iso(f.facts.lastEventAt)),
    );
    const insertedIds = new Set(inserted.map((r) => r.id));
    for (const f of fresh) if (insertedIds.has(f.id)) facts.set(f.id, f.facts);
    // Created by a concurrent transaction since we looked: lock it and fold onto it.
    const raced = fresh.filter((f) => !insertedIds.has(f.id)).map((f) => f.id);
    if (raced.length > 0) {
      const now = await lockReloads(raced);
      for (const id of raced) facts.set(id, fold(now.get(id)!, id));
    }
  }

  await upsertReloadInstances(tx, accepted, instanceOf);
  const counts = await countReloadInstances(tx, reloadIds);

  const updates = reloadIds.map((id) => {
    const f = facts.get(id)!;
    const c = counts.get(id) ?? emptyCounts();
    const status = deriveReloadStatus(f, c);
    return { id, f, c, status, convergence: convergenceMs(f, c, status), completed: completedAt(f, c, status) };
  });
  await tx.execute(
    `UPDATE reload r SET from_version = u.from_version, to_version = u.to_version, initiator = u.initiator,
            status = u.status, requested_at = u.requested_at, approved_at = u.approved_at, rejected_at = u.rejected_at,
            dispatched_at = u.dispatched_at, rolled_back_at = u.rolled_back_at, failed_at = u.failed_at,
            first_event_at = u.first_event_at, last_event_at = u.last_event_at, completed_at = u.completed_at,
            convergence_ms = u.convergence_ms, instances_reporting = u.reporting, instances_succeeded = u.succeeded,
            instances_failed = u.failed, instances_in_progress = u.in_progress, last_error = u.last_error,
            last_error_at = u.last_error_at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[],
                 $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[],
                 $13::timestamptz[], $14::timestamptz[], $15::int[], $16::int[], $17::int[], $18::int[], $19::int[], $20::text[],
                 $21::timestamptz[])
       AS u(id, from_version, to_version, initiator, status, requested_at, approved_at, rejected_at, dispatched_at,
            rolled_back_at, failed_at, first_event_at, last_event_at, completed_at, convergence_ms, reporting,
            succeeded, failed, in_progress, last_error, last_error_at)
     WHERE r.id = u.id`,
    updates.map((u) => u.id),
    updates.map((u) => u.f.fromVersion),
    updates.map((u) => u.f.toVersion),
    updates.map((u) => u.f.initiator),
    updates.map((u) => u.status),
    updates.map((u) => iso(u.f.requestedAt)),
    updates.map((u) => iso(u.f.approvedAt)),
    updates.map((u) => iso(u.f.rejectedAt)),
    updates.map((u) => iso(u.f.dispatchedAt)),
    updates.map((u) => iso(u.f.rolledBackAt)),
    updates.map((u) => iso(u.f.failedAt)),
    updates.map((u) => iso(u.f.firstEventAt)),
    updates.map((u) => iso(u.f.lastEventAt)),
    updates.map((u) => iso(u.completed)),
    updates.map((u) => u.convergence),
    updates.map((u) => u.c.reporting),
    updates.map((u) => u.c.succeeded),
    updates.map((u) => u.c.failed),
    updates.map((u) => u.c.inProgress),
    updates.map((u) => u.f.lastError),
    updates.map((u) => iso(u.f.lastErrorAt)),
  );

  const desired = updates
    .map((u) => ({ u, d: desiredVersionFrom(u.f, u.status) }))
    .filter((x): x is { u: (typeof updates)[number]; d: { version: string; setAt: Date } } => x.d !== null);
  if (desired.length > 0) {
    const serviceByReload = new Map(reloadIds.map((id) => [id, serviceOf(byReload.get(id)![0]!)]));
    // One row per (service, kind, resource): the newest decision in this batch.
    const latest = new Map<string, (typeof desired)[number]>();
    for (const x of desired) {
      const key = `${serviceByReload.get(x.u.id)}\u0000${x.u.f.kind}\u0000${x.u.f.resource}`;
      const prev = latest.get(key);
      if (!prev || prev.d.setAt <= x.d.setAt) latest.set(key, x);
    }
    const rows = byKey([...latest.entries()]).map(([, x]) => x);
    await tx.execute(
      `INSERT INTO desired_version (service_id, kind, resource, version, reload_id, set_at)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       ON CONFLICT (service_id, kind, resource) DO UPDATE
         SET version = excluded.version, reload_id = excluded.reload_id, set_at = excluded.set_at
         WHERE desired_version.set_at <= excluded.set_at`,
      rows.map((x) => serviceByReload.get(x.u.id)!),
      rows.map((x) => x.u.f.kind),
      rows.map((x) => x.u.f.resource),
      rows.map((x) => x.d.version),
      rows.map((x) => x.u.id),
      rows.map((x) => iso(x.d.setAt)),
    );
  }
  await revertAbandonedDesired(tx, updates.filter((u) => ABANDONED.has(u.status)).map((u) => u.id));
}

/** Statuses after which a reload no longer defines what should run. */
const ABANDONED: ReadonlySet<string> = new Set(["failed", "rejected", "cancelled", "expired"]);

/**
 * A reload can make its target desired while under way and fail later. Desired versions
 * that point at a reload which has since failed (or was rejected) fall back to the newest
 * other reload that still qualifies, or go away when none does.
 */
async function revertAbandonedDesired(tx: Tx, abandonedIds: string[]): Promise<void> {
  if (abandonedIds.length === 0) return;
  const freed = await tx.query<{ service_id: number; kind: string; resource: string }[]>(
    `DELETE FROM desired_version WHERE reload_id = ANY($1::text[]) RETURNING service_id, kind, resource`,
    abandonedIds,
  );
  if (freed.length === 0) return;
  const candidates = await tx.query<(ReloadRow & { service_id: number; status: ReloadStatus })[]>(
    `SELECT r.id, r.service_id, r.status, r.kind, r.resource, r.from_version, r.to_version, r.initiator, r.requested_at,
            r.approved_at, r.rejected_at, r.dispatched_at, r.rolled_back_at, r.failed_at, r.first_event_at,
            r.last_event_at, r.last_error, r.last_error_at
     FROM reload r
     JOIN unnest($1::int[], $2::text[], $3::text[]) AS k(service_id, kind, resource)
       ON r.service_id = k.service_id AND r.kind = k.kind AND r.resource = k.resource
     WHERE NOT r.id = ANY($4::text[])`,
    freed.map((f) => f.service_id),
    freed.map((f) => f.kind),
    freed.map((f) => f.resource),
    abandonedIds,
  );
  const best = new Map<string, { serviceId: number; kind: string; resource: string; reloadId: string; version: string; setAt: Date }>();
  for (const r of candidates) {
    const d = desiredVersionFrom(factsFromRow(r), r.status);
    if (!d) continue;
    const key = `${r.service_id}\u0000${r.kind}\u0000${r.resource}`;
    const prev = best.get(key);
    if (!prev || prev.setAt <= d.setAt) best.set(key, { serviceId: r.service_id, kind: r.kind, resource: r.resource, reloadId: r.id, ...d });
  }
  const rows = byKey([...best.entries()]).map(([, b]) => b);
  if (rows.length === 0) return;
  await tx.execute(
    `INSERT INTO desired_version (service_id, kind, resource, version, reload_id, set_at)
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
     ON CONFLICT (service_id, kind, resource) DO NOTHING`,
    rows.map((b) => b.serviceId),
    rows.map((b) => b.kind),
    rows.map((b) => b.resource),
    rows.map((b) => b.version),
    rows.map((b) => b.reloadId),
    rows.map((b) => iso(b.setAt)),
  );
}

function emptyCounts(): ReloadInstanceCounts {
  return { reporting: 0, succeeded: 0, failed: 0, inProgress: 0, rolledBack: 0, lastSucceededAt: null, lastFinishedAt: null };
}

async function upsertReloadInstances(
  tx: Tx,
  accepted: ReloadEventInput[],
  instanceOf: (e: ReloadEventInput) => number | null,
): Promise<void> {
  // The latest phase per (reload, instance) in this batch; older ones are history only.
  const latest = new Map<string, { reloadId: string; instanceId: number; e: ReloadEventInput }>();
  for (const e of accepted) {
    const instanceId = instanceOf(e);
    if (e.reloadId === null || instanceId === null || instancePhaseBucket(e.phase) === null) continue;
    const key = `${e.reloadId}\u0000${instanceId}`;
    const prev = latest.get(key);
    if (!prev || prev.e.occurredAt <= e.occurredAt) latest.set(key, { reloadId: e.reloadId, instanceId, e });
  }
  if (latest.size === 0) return;
  const rows = byKey([...latest.entries()]).map(([, r]) => r);
  await tx.execute(
    `INSERT INTO reload_instance (reload_id, instance_id, phase, phase_at, error)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::text[])
     ON CONFLICT (reload_id, instance_id) DO UPDATE
       SET phase = excluded.phase, phase_at = excluded.phase_at, error = excluded.error
       WHERE reload_instance.phase_at <= excluded.phase_at`,
    rows.map((r) => r.reloadId),
    rows.map((r) => r.instanceId),
    rows.map((r) => r.e.phase),
    rows.map((r) => iso(r.e.occurredAt)),
    rows.map((r) => r.e.error),
  );
}

async function countReloadInstances(tx: Tx, reloadIds: string[]): Promise<Map<string, ReloadInstanceCounts>> {
  const rows = await tx.query<
    {
      reload_id: string;
      reporting: number;
      succeeded: number;
      failed: number;
      in_progress: number;
      rolled_back: number;
      last_succeeded_at: Date | null;
      last_finished_at: Date | null;
    }[]
  >(
    `SELECT reload_id,
            count(*)::int AS reporting,
            count(*) FILTER (WHERE phase = ANY($2::text[]))::int AS succeeded,
            count(*) FILTER (WHERE phase = ANY($3::text[]))::int AS failed,
            count(*) FILTER (WHERE phase = ANY($4::text[]))::int AS in_progress,
            count(*) FILTER (WHERE phase = 'rolled_back')::int AS rolled_back,
            max(phase_at) FILTER (WHERE phase = ANY($2::text[])) AS last_succeeded_at,
            max(phase_at) FILTER (WHERE NOT phase = ANY($4::text[])) AS last_finished_at
     FROM reload_instance WHERE reload_id = ANY($1::text[])
     GROUP BY reload_id`,
    reloadIds,
    [...SUCCESS_PHASES],
    [...FAILURE_PHASES],
    [...PROGRESS_PHASES],
  );
  return new Map(
    rows.map((r) => [
      r.reload_id,
      {
        reporting: r.reporting,
        succeeded: r.succeeded,
        failed: r.failed,
        inProgress: r.in_progress,
        rolledBack: r.rolled_back,
        lastSucceededAt: r.last_succeeded_at,
        lastFinishedAt: r.last_finished_at,
      },
    ]),
  );
}
