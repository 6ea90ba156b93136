import "server-only";
import { DESIRED_CANDIDATES, newestDesired, type DesiredPick } from "@/lib/domain/desired-version";
import { compositeKey, inLockOrder } from "@/lib/domain/keys";
import { desiredVersionFrom } from "@/lib/domain/reload-status";
import { reloadColumns, reloadFromRow, type ReloadRow, type StoredReload } from "@/lib/domain/reload-row";
import type { Derived } from "./reload-rows";
import { column, sqlParams } from "@/lib/db/sql-params";
import { iso, type Tx } from "./sql";

// Desired versions (DESIGN.md): set by the newest reload that is approved or under way
// (a reload's own later decision always replaces its earlier one, e.g. when the last of its
// instances rolls back or a target it waited for acks),
// kept when it fails, set back to its fromVersion when it is rolled back. A reload that no
// longer qualifies (rejected, cancelled, expired before it started) gives its place back to
// the newest reload of the same resource that still does (newestDesired, lib/domain/desired-version.ts).

export async function updateDesiredVersions(tx: Tx, derived: Derived[]): Promise<void> {
  const setting = new Map<string, { d: Derived; version: string; setAt: Date }>();
  const withdrawn: Derived[] = [];
  for (const d of derived) {
    const wanted = desiredVersionFrom(d.record.facts, d.status);
    if (!wanted) {
      withdrawn.push(d);
      continue;
    }
    const key = compositeKey(d.record.serviceId, d.record.facts.kind, d.record.facts.resource);
    const prev = setting.get(key);
    if (!prev || prev.setAt <= wanted.setAt) setting.set(key, { d, ...wanted });
  }
  // Every desired row this batch may write or withdraw, locked in one ordered statement, so a
  // concurrent batch that sets and withdraws the same resources the other way round queues
  // instead of deadlocking, and a withdrawal sees a pointer committed while it waited.
  const touched = inLockOrder(
    [
      ...new Map(
        derived.map((d) => [compositeKey(d.record.serviceId, d.record.facts.kind, d.record.facts.resource), d]),
      ).values(),
    ],
    (d) => [d.record.serviceId, d.record.facts.kind, d.record.facts.resource],
  );
  const q = sqlParams();
  const k = q.unnest({
    service_id: column.int(touched.map((d) => d.record.serviceId)),
    kind: column.text(touched.map((d) => d.record.facts.kind)),
    resource: column.text(touched.map((d) => d.record.facts.resource)),
  });
  await tx.query(
    `SELECT 1 FROM ${k.as("k", { ordinality: "n" })}
     CROSS JOIN LATERAL (
       SELECT 1 FROM desired_version d
       WHERE d.service_id = k.service_id AND d.kind = k.kind AND d.resource = k.resource
       FOR NO KEY UPDATE
     ) d
     ORDER BY k.n`,
    ...q.values,
  );
  const rows = inLockOrder([...setting.values()], (x) => [
    x.d.record.serviceId,
    x.d.record.facts.kind,
    x.d.record.facts.resource,
  ]);
  if (rows.length > 0) {
    const qs = sqlParams();
    const set = qs.unnest({
      service_id: column.int(rows.map((x) => x.d.record.serviceId)),
      kind: column.text(rows.map((x) => x.d.record.facts.kind)),
      resource: column.text(rows.map((x) => x.d.record.facts.resource)),
      version: column.text(rows.map((x) => x.version)),
      reload_id: column.text(rows.map((x) => x.d.record.reloadId)),
      reload_key: column.bigint(rows.map((x) => x.d.record.key)),
      set_at: column.timestamptz(rows.map((x) => x.setAt)),
    });
    await tx.execute(
      `INSERT INTO desired_version (${set.names})
       SELECT * FROM ${set.call}
       ON CONFLICT (service_id, kind, resource) DO UPDATE
         SET version = excluded.version, reload_id = excluded.reload_id, reload_key = excluded.reload_key, set_at = excluded.set_at
         WHERE (desired_version.reload_key = excluded.reload_key OR desired_version.set_at <= excluded.set_at)
           AND (desired_version.version, desired_version.reload_key, desired_version.set_at)
               IS DISTINCT FROM (excluded.version, excluded.reload_key, excluded.set_at)`,
      ...qs.values,
    );
  }
  if (withdrawn.length > 0)
    await fallBack(
      tx,
      withdrawn.map((d) => d.record.key),
    );
}

/** Desired versions set by reloads that no longer qualify fall back to the newest that does. */
export async function fallBack(tx: Tx, reloadKeys: string[]): Promise<void> {
  const freed = await tx.query<{ service_id: number; kind: string; resource: string; reload_key: string }[]>(
    `SELECT service_id, kind, resource, reload_key::text FROM desired_version
     WHERE reload_key = ANY($1::bigint[])
     ORDER BY service_id, kind COLLATE "C", resource COLLATE "C"
     FOR NO KEY UPDATE`,
    reloadKeys,
  );
  if (freed.length === 0) return;
  for (const f of freed) {
    const cell = { serviceId: f.service_id, kind: f.kind, resource: f.resource };
    const best = await desiredWithout(tx, cell, f.reload_key);
    if (best) {
      await tx.execute(
        `UPDATE desired_version SET version = $4, reload_id = $5, reload_key = $6::bigint, set_at = $7::timestamptz
         WHERE service_id = $1 AND kind = $2 AND resource = $3`,
        f.service_id,
        f.kind,
        f.resource,
        best.version,
        best.reload.reloadId,
        best.reload.key,
        iso(best.setAt),
      );
    } else {
      await tx.execute(
        `DELETE FROM desired_version WHERE service_id = $1 AND kind = $2 AND resource = $3`,
        f.service_id,
        f.kind,
        f.resource,
      );
    }
  }
}

/**
 * The desired version of a resource without one of its reloads (`excludeKey`): newestDesired
 * over its DESIRED_CANDIDATES newest other reloads. What fallBack moves the pointer to, and a
 * request's desired version without its own reload (lib/requests/resource-now.ts).
 */
export async function desiredWithout(
  tx: Tx,
  cell: { serviceId: number; kind: string; resource: string },
  excludeKey: string,
): Promise<DesiredPick<StoredReload> | null> {
  // Bounded by the index on (service_id, kind, resource, first_event_at desc).
  const candidates = await tx.query<ReloadRow[]>(
    `SELECT ${reloadColumns("r")} FROM reload r
     WHERE r.service_id = $1 AND r.kind = $2 AND r.resource = $3 AND r.id <> $4::bigint
     ORDER BY r.first_event_at DESC, r.id DESC LIMIT ${DESIRED_CANDIDATES}`,
    cell.serviceId,
    cell.kind,
    cell.resource,
    excludeKey,
  );
  return newestDesired(candidates.map(reloadFromRow));
}
