// How a stored reload reads in the read API (DESIGN.md, "Read API"): plain functions over
// the domain's reload (read with reloadColumns and reloadFromRow, lib/domain/reload-row.ts),
// no I/O. The counters come from the reload row the ingest keeps up to date.
import { unfinishedTargets, type ReloadFacts } from "@/lib/domain/reload-status";
import type { StoredReload } from "@/lib/domain/reload-row";
import { SUCCESS_PHASES } from "@/lib/domain/phases";
import type { Phase, ReloadStatus } from "@/lib/domain/types";

/**
 * What a reload changes (kind, resource, from → to), who asked, and where it stands: the
 * fields every view of a reload shows, whatever else it adds.
 */
export interface ReloadChange {
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string | null;
  initiator: string | null;
  status: ReloadStatus;
}

export function toReloadChange(reload: Pick<StoredReload, "facts" | "status">): ReloadChange {
  return {
    kind: reload.facts.kind,
    resource: reload.facts.resource,
    fromVersion: reload.facts.fromVersion,
    toVersion: reload.facts.toVersion,
    initiator: reload.facts.initiator,
    status: reload.status,
  };
}

/** The service of a reload by name: the columns SERVICE_NAME_COLUMNS joins from `service s`. */
export interface ServiceNames {
  environment: string;
  namespace: string;
  service: string;
}

export const SERVICE_NAME_COLUMNS = `s.environment, s.namespace, s.name AS service`;

export interface ReloadSummary extends ReloadChange {
  /** Opaque and stable; the page is /reloads/{key}. */
  key: string;
  reloadId: string;
  environment: string;
  namespace: string | null;
  service: string;
  /** M of "N of M acked". */
  targets: number;
  acked: number;
  nacked: number;
  failed: number;
  /** Targets without a final phase yet. */
  pending: number;
  startedAt: string;
  completedAt: string | null;
  convergenceMs: number | null;
}

export interface ReloadInstanceView {
  instance: string;
  /** The instance's latest phase in this reload; "pending" for a target that has not reported. */
  phase: string;
  version: string | null;
  error: string | null;
  at: string | null;
}

export interface ReloadDetail extends ReloadSummary {
  instances: ReloadInstanceView[];
  /** True when the reload has more instances than the answer lists (those that succeeded are left out first). */
  instancesTruncated: boolean;
}

export interface ReloadInstanceRow {
  instance_key: string;
  phase: Phase | null;
  phase_at: Date | null;
  error: string | null;
  /** What the instance last reported running for the reload's resource (instance state). */
  current_version: string | null;
}

export function toReloadSummary(reload: StoredReload, names: ServiceNames): ReloadSummary {
  const targets = reload.stored.targets;
  const acked = reload.counts.succeeded;
  const nacked = reload.counts.nacked;
  const failed = reload.counts.failed;
  const f = reload.facts;
  return {
    key: reload.key,
    reloadId: reload.reloadId,
    environment: names.environment,
    namespace: names.namespace === "" ? null : names.namespace,
    service: names.service,
    ...toReloadChange(reload),
    targets,
    acked,
    nacked,
    failed,
    pending: unfinishedTargets({ targets, succeeded: acked, nacked, failed, rolledBack: reload.counts.rolledBack }),
    startedAt: (f.dispatchedAt ?? f.requestedAt ?? f.firstEventAt).toISOString(),
    completedAt: reload.stored.completedAt?.toISOString() ?? null,
    convergenceMs: reload.stored.convergenceMs,
  };
}

/**
 * The version an instance ran as this reload left it: the target once it applied or
 * acked it, the reload's fromVersion once it rolled back, otherwise what it last reported
 * running for the resource.
 */
export function toReloadInstanceView(
  row: ReloadInstanceRow,
  reload: Pick<ReloadFacts, "fromVersion" | "toVersion">,
): ReloadInstanceView {
  const phase = row.phase ?? "pending";
  const version =
    row.phase !== null && SUCCESS_PHASES.has(row.phase)
      ? reload.toVersion
      : phase === "rolled_back"
        ? (reload.fromVersion ?? row.current_version)
        : row.current_version;
  return { instance: row.instance_key, phase, version, error: row.error, at: row.phase_at?.toISOString() ?? null };
}
