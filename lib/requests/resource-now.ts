import "server-only";
import type { Sql } from "@/lib/db/client";
import { fromVersionOf } from "@/lib/domain/change-hash";
import { liveSince } from "@/lib/domain/drift";
import { heardSinceSql } from "@/lib/domain/presence";
import { driftPolicy } from "@/lib/fleet/pair-groups";
import { desiredWithout } from "@/lib/ingest/store-desired";

// One resource of a service as it stands now: what a request would move it from, and which
// live instances it would reach. Making a request reads it (create-request.ts), the request
// form previews it (queries.ts), and approving and dispatching recompute the request's change
// from it (lib/approvals/change.ts, docs/adr/0015). The request's own reload is left out of
// "now": once it is approved its `approved` event makes its target desired, and once its
// canary acks those instances run the target, and neither is the fleet moving underneath it.

export interface ResourceNow {
  /** the desired version without the excluded reload's own effect */
  desired: { version: string; reloadId: string; setAt: Date } | null;
  /** the version a request would move the fleet from (fromVersionOf) */
  from: string | null;
  /** live instances reporting the resource, with the version each runs */
  instances: { instance: string; version: string | null }[];
  /** any instance ever reported the resource (live or not) */
  known: boolean;
}

/** The resource of a service as it stands at `now`, ignoring what `excludeReloadId` did to it. */
export async function loadResourceNow(
  tx: Sql,
  target: { serviceId: number; kind: string; resource: string },
  options: { now?: Date; excludeReloadId?: string | null } = {},
): Promise<ResourceNow> {
  const now = options.now ?? new Date();
  const exclude = options.excludeReloadId ?? null;
  const cutoff = liveSince(now, driftPolicy().staleMs).toISOString();
  // Live, as the drift rule counts pairs: the instance × resource heard from within the stale window.
  const states = await tx.query<
    { instance_key: string; version: string | null; last_reload_id: string | null; live: boolean }[]
  >(
    `SELECT i.instance_key, st.version, st.last_reload_id, ${heardSinceSql("st.last_phase_at", "$4::timestamptz")} AS live
     FROM instance_state st JOIN instance i ON i.id = st.instance_id
     WHERE st.service_id = $1 AND st.kind = $2 AND st.resource = $3`,
    target.serviceId,
    target.kind,
    target.resource,
    cutoff,
  );
  const live = states.filter((s) => s.live);
  const desired = await desiredExcluding(tx, target, exclude);
  // Instances the request's own reload moved still count as running what they ran before it.
  const notOurs = live.filter((s) => exclude === null || s.last_reload_id !== exclude);
  return {
    desired,
    from: fromVersionOf(
      desired?.version ?? null,
      notOurs.map((s) => s.version),
    ),
    instances: live.map((s) => ({ instance: s.instance_key, version: s.version })),
    known: states.length > 0,
  };
}

async function desiredExcluding(
  tx: Sql,
  target: { serviceId: number; kind: string; resource: string },
  exclude: string | null,
): Promise<ResourceNow["desired"]> {
  const [row] = await tx.query<{ version: string; reload_id: string; reload_key: string; set_at: Date }[]>(
    `SELECT version, reload_id, reload_key::text, set_at FROM desired_version
     WHERE service_id = $1 AND kind = $2 AND resource = $3`,
    target.serviceId,
    target.kind,
    target.resource,
  );
  if (!row) return null;
  if (exclude === null || row.reload_id !== exclude)
    return { version: row.version, reloadId: row.reload_id, setAt: row.set_at };
  // Our own reload holds the pointer: what would be desired without it is what ingest would
  // fall back to (lib/ingest/store-desired.ts fallBack), the newest other reload that qualifies.
  const best = await desiredWithout(tx, target, row.reload_key);
  return best && { version: best.version, reloadId: best.reload.reloadId, setAt: best.setAt };
}
