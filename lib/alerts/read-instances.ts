import "server-only";
import type { Sql } from "@/lib/db/client";
import { outOfBandConditions, staleConditions } from "@/lib/domain/alerts/instances";
import type { RuleParams } from "@/lib/domain/alerts/rules";
import type { AlertCondition } from "@/lib/domain/alerts/types";
import { liveSince } from "@/lib/domain/drift";
import { heardSinceSql } from "@/lib/domain/presence";
import { env } from "@/lib/env";
import { loadServiceRefs, serviceOr } from "./services";

const MIN = 60_000;

/**
 * Instances silent for silentMinutes but heard from within INSTANCE_STALE_SECONDS. Ingest
 * moves instance.last_seen_at on every event (at most once a minute per instance), which
 * is what "no event or heartbeat" means; one pass over `instance` (a row per instance).
 */
export async function readStaleConditions(
  q: Sql,
  now: Date,
  params: RuleParams<"instance_stale">,
): Promise<AlertCondition[]> {
  const staleMs = env().INSTANCE_STALE_SECONDS * 1000;
  const rows = await q.query<{ service_id: number; instance: string; last_seen_at: Date }[]>(
    `SELECT service_id, instance_key AS instance, last_seen_at FROM instance
     WHERE last_seen_at < $1::timestamptz AND ${heardSinceSql("last_seen_at", "$2::timestamptz")}`,
    new Date(now.getTime() - params.silentMinutes * MIN).toISOString(),
    liveSince(now, staleMs).toISOString(),
  );
  const services = await loadServiceRefs(
    q,
    rows.map((r) => r.service_id),
  );
  return staleConditions(
    rows.map((r) => ({ service: serviceOr(services, r.service_id), instance: r.instance, lastSeenAt: r.last_seen_at })),
    now,
    staleMs,
    params,
  );
}

/**
 * Version changes made by a heartbeat. Ingest records them in instance_state itself
 * (`changed_by_heartbeat`, `previous_version`, folded in the same transaction as the events:
 * lib/domain/instance-state.ts), so the candidates are one range read of the partial index on
 * `since` WHERE changed_by_heartbeat, bounded by the lookback: a handful of rows in a fleet
 * whose versions change by reload. A first report is no change (the fold leaves it false),
 * and neither is a version whose `since` is its instance's first report. Only then, per
 * candidate, one index probe: a reload of this resource to this version that targets (or
 * heard from) the instance makes the change in band; so does the pair's last reload when it
 * targeted this version (the instance reported that reload itself).
 */
export async function readOutOfBandConditions(
  q: Sql,
  now: Date,
  params: RuleParams<"out_of_band_change">,
): Promise<AlertCondition[]> {
  const staleMs = env().INSTANCE_STALE_SECONDS * 1000;
  const rows = await q.query<
    {
      service_id: number;
      instance: string;
      kind: string;
      resource: string;
      version: string;
      previous_version: string;
      changed_at: Date;
      reload_targets: boolean;
    }[]
  >(
    `SELECT st.service_id, i.instance_key AS instance, st.kind, st.resource, st.version, st.previous_version, st.since AS changed_at,
            (lr.id IS NOT NULL AND lr.kind = st.kind AND lr.resource = st.resource AND lr.to_version = st.version)
            OR EXISTS (SELECT 1 FROM reload r JOIN reload_instance ri ON ri.reload_key = r.id AND ri.instance_id = st.instance_id
                       WHERE r.service_id = st.service_id AND r.kind = st.kind AND r.resource = st.resource AND r.to_version = st.version) AS reload_targets
     FROM instance_state st
     JOIN instance i ON i.id = st.instance_id
     LEFT JOIN reload lr ON lr.service_id = st.service_id AND lr.reload_id = st.last_reload_id
     WHERE st.changed_by_heartbeat AND st.since >= $1::timestamptz AND st.since <= $2::timestamptz
       AND st.version IS NOT NULL AND st.previous_version IS NOT NULL AND st.previous_version <> st.version
       AND ${heardSinceSql("st.last_phase_at", "$3::timestamptz")} AND st.since > i.first_seen_at`,
    new Date(now.getTime() - params.lookbackMinutes * MIN).toISOString(),
    now.toISOString(),
    liveSince(now, staleMs).toISOString(),
  );
  const services = await loadServiceRefs(
    q,
    rows.map((r) => r.service_id),
  );
  return outOfBandConditions(
    rows.map((r) => ({
      service: serviceOr(services, r.service_id),
      instance: r.instance,
      kind: r.kind,
      resource: r.resource,
      version: r.version,
      previousVersion: r.previous_version,
      changedAt: r.changed_at,
      reloadTargets: r.reload_targets,
    })),
    now,
    params,
  );
}
