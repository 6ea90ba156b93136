// How a stored reload reads in the read API (DESIGN.md, "Read API"): plain functions over
// rows, no I/O. The counters come from the reload row the ingest keeps up to date.
import { SUCCESS_PHASES } from "@/lib/domain/phases";
import { unfinishedTargets } from "@/lib/domain/reload-status";
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

/** The reload columns behind ReloadChange. */
export interface ReloadChangeRow {
  kind: string;
  resource: string;
  from_version: string | null;
  to_version: string | null;
  initiator: string | null;
  status: string;
}

export function toReloadChange(row: ReloadChangeRow): ReloadChange {
  return {
    kind: row.kind,
    resource: row.resource,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    initiator: row.initiator,
    status: row.status as ReloadStatus,
  };
}

/** reload.convergence_ms, a bigint pg hands over as text, as milliseconds. */
export function convergenceMsFromRow(convergenceMs: string | null): number | null {
  // Milliseconds fit a double exactly far beyond any real duration (2^53 ms ≈ 285,000 years).
  return convergenceMs === null ? null : Number(convergenceMs);
}

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

/** A reload row joined to its service, as lib/reloads/queries.ts selects it. */
export interface ReloadRow extends ReloadChangeRow {
  key: string;
  reload_id: string;
  environment: string;
  namespace: string;
  service: string;
  instances_targeted: number;
  instances_succeeded: number;
  instances_nacked: number;
  instances_failed: number;
  instances_rolled_back: number;
  requested_at: Date | null;
  dispatched_at: Date | null;
  first_event_at: Date;
  completed_at: Date | null;
  /** bigint, which pg hands over as a string */
  convergence_ms: string | null;
}

export interface ReloadInstanceRow {
  instance_key: string;
  phase: Phase | null;
  phase_at: Date | null;
  error: string | null;
  /** What the instance last reported running for the reload's resource (instance state). */
  current_version: string | null;
}

export function toReloadSummary(row: ReloadRow): ReloadSummary {
  const targets = row.instances_targeted;
  const acked = row.instances_succeeded;
  const nacked = row.instances_nacked;
  const failed = row.instances_failed;
  return {
    key: row.key,
    reloadId: row.reload_id,
    environment: row.environment,
    namespace: row.namespace === "" ? null : row.namespace,
    service: row.service,
    ...toReloadChange(row),
    targets,
    acked,
    nacked,
    failed,
    pending: unfinishedTargets({ targets, succeeded: acked, nacked, failed, rolledBack: row.instances_rolled_back }),
    startedAt: (row.dispatched_at ?? row.requested_at ?? row.first_event_at).toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    convergenceMs: convergenceMsFromRow(row.convergence_ms),
  };
}

/**
 * The version an instance ran as this reload left it: the target once it applied or
 * acked it, the reload's fromVersion once it rolled back, otherwise what it last reported
 * running for the resource.
 */
export function toReloadInstanceView(row: ReloadInstanceRow, reload: Pick<ReloadRow, "from_version" | "to_version">): ReloadInstanceView {
  const phase = row.phase ?? "pending";
  const version =
    row.phase !== null && SUCCESS_PHASES.has(row.phase)
      ? reload.to_version
      : phase === "rolled_back"
        ? (reload.from_version ?? row.current_version)
        : row.current_version;
  return { instance: row.instance_key, phase, version, error: row.error, at: row.phase_at?.toISOString() ?? null };
}
