import "server-only";
import type { Sql } from "@/lib/db/client";
import { column, sqlParams } from "@/lib/db/sql-params";
import { driftCondition, driftingCells, type DriftCell, type DriftPair } from "@/lib/domain/alerts/drift";
import type { RuleParams } from "@/lib/domain/alerts/rules";
import type { AlertCondition } from "@/lib/domain/alerts/types";
import { liveSince } from "@/lib/domain/drift";
import { compositeKey } from "@/lib/domain/keys";
import { heardSinceSql } from "@/lib/domain/presence";
import { byCell, desiredIndex } from "@/lib/domain/matrix";
import { driftPolicy, loadFleetDriftCandidates } from "@/lib/fleet/pair-groups";
import { loadServiceRefs, serviceOr } from "./services";

// Drift alerts read exactly what the matrix reads: the fleet's drift candidates through the
// matrix's own grouping (lib/fleet/pair-groups.ts), judged by assessResourceDrift. Only the
// cells it says drift are read again, pair by pair, to name their instances.

export async function readDriftConditions(q: Sql, now: Date, params: RuleParams<"drift">): Promise<AlertCondition[]> {
  const policy = driftPolicy();
  const candidates = await loadFleetDriftCandidates(q, null, undefined, now, policy);
  const desiredByCell = desiredIndex(candidates.desired);
  const groupsByCell = byCell(candidates.groups);
  const services = await loadServiceRefs(
    q,
    candidates.groups.map((g) => g.serviceId),
  );
  const cells: DriftCell[] = [...groupsByCell].map(([key, groups]) => {
    const first = groups[0]!;
    const desired = desiredByCell.get(key);
    return {
      service: serviceOr(services, first.serviceId),
      kind: first.kind,
      resource: first.resource,
      groups,
      desired: desired ? { version: desired.version, setAt: desired.setAt } : null,
    };
  });
  const drifting = driftingCells(cells, now, policy);
  if (drifting.length === 0) return [];

  const p = sqlParams();
  const c = p.unnest({
    service_id: column.int(drifting.map((c) => c.service.id)),
    kind: column.text(drifting.map((c) => c.kind)),
    resource: column.text(drifting.map((c) => c.resource)),
  });
  const since = p.value(liveSince(now, policy.staleMs).toISOString(), "timestamptz");
  const rows = await q.query<
    {
      service_id: number;
      kind: string;
      resource: string;
      instance: string;
      version: string | null;
      last_phase_at: Date;
    }[]
  >(
    `SELECT st.service_id, st.kind, st.resource, i.instance_key AS instance, st.version, st.last_phase_at
     FROM ${c.as("c")}
     JOIN instance_state st ON st.service_id = c.service_id AND st.kind = c.kind AND st.resource = c.resource
     JOIN instance i ON i.id = st.instance_id
     WHERE ${heardSinceSql("st.last_phase_at", since)}`,
    ...p.values,
  );
  const pairsByCell = new Map<string, DriftPair[]>();
  for (const r of rows) {
    const key = compositeKey(r.service_id, r.kind, r.resource);
    const list = pairsByCell.get(key) ?? [];
    list.push({ instance: r.instance, version: r.version, lastReportAt: r.last_phase_at });
    pairsByCell.set(key, list);
  }
  return drifting.map((cell) =>
    driftCondition(
      cell,
      pairsByCell.get(compositeKey(cell.service.id, cell.kind, cell.resource)) ?? [],
      now,
      policy.staleMs,
      params,
    ),
  );
}
