// Assembles the fleet version matrix from per-version groups of instance state.
// Pure: the query layer hands in rows, this decides cells, drift and ordering; drift itself
// is assessResourceDrift's, the same call the service page makes.
import {
  assessResourceDrift,
  isLive,
  type DesiredVersion,
  type DriftAssessment,
  type DriftPolicy,
  type PairGroup,
} from "./drift";
import { compositeKey } from "./keys";

/** One service × kind × resource × version group of pairs, all live or all stale (see PairGroup). */
export interface VersionAggregate extends PairGroup {
  serviceId: number;
  kind: string;
  resource: string;
  failed: number;
  nacked: number;
  inProgress: number;
  rolledBack: number;
}

export interface ServiceSummary {
  id: number;
  environment: string;
  namespace: string;
  name: string;
  instanceCount: number;
  lastEventAt: Date;
}

export interface DesiredRow extends DesiredVersion {
  serviceId: number;
  kind: string;
  resource: string;
}

export interface MatrixResourceCell {
  resource: string;
  /** Versions of the live pairs, most instances first. */
  versions: { version: string | null; instances: number; isDesired: boolean }[];
  desired: string | null;
  drift: DriftAssessment;
  failed: number;
  nacked: number;
  inProgress: number;
  rolledBack: number;
  /** The latest move of any live pair to the version it runs now. */
  lastChangeAt: Date | null;
}

export interface MatrixRow {
  service: ServiceSummary;
  /** kind → its resources in this service */
  cells: Record<string, MatrixResourceCell[]>;
  drifting: boolean;
  problems: number;
}

export interface MatrixGroup {
  environment: string;
  namespace: string;
  rows: MatrixRow[];
}

type CellGroup = Pick<VersionAggregate, "serviceId" | "kind" | "resource">;

function cellKey(c: CellGroup): string {
  return compositeKey(c.serviceId, c.kind, c.resource);
}

/** Version groups per service × kind × resource, keyed by compositeKey(serviceId, kind, resource). */
export function byCell<T extends CellGroup>(rows: T[]): Map<string, T[]> {
  const cells = new Map<string, T[]>();
  for (const row of rows) {
    const key = cellKey(row);
    const list = cells.get(key);
    if (list) list.push(row);
    else cells.set(key, [row]);
  }
  return cells;
}

/** Desired versions keyed as byCell keys their cells. */
export function desiredIndex<T extends CellGroup>(desired: T[]): Map<string, T> {
  return new Map(desired.map((d) => [cellKey(d), d]));
}

export function buildMatrix(
  services: ServiceSummary[],
  aggregates: VersionAggregate[],
  desired: DesiredRow[],
  now: Date,
  policy: DriftPolicy,
): { kinds: string[]; rows: MatrixRow[] } {
  const desiredByKey = desiredIndex(desired);
  const rows = new Map<number, MatrixRow>(
    services.map((s) => [s.id, { service: s, cells: {}, drifting: false, problems: 0 }]),
  );
  const kinds = new Set<string>();
  for (const [key, groups] of byCell(aggregates)) {
    const first = groups[0]!;
    const row = rows.get(first.serviceId);
    if (!row) continue;
    // A resource only gone instances reported is not shown, as those instances are not.
    const live = groups.filter((g) => g.instances > 0 && isLive(g.lastReportAt, now, policy.staleMs));
    if (live.length === 0) continue;
    kinds.add(first.kind);
    const wanted = desiredByKey.get(key) ?? null;
    const drift = assessResourceDrift(groups, wanted, now, policy);
    const sum = (pick: (v: VersionAggregate) => number) => live.reduce((n, v) => n + pick(v), 0);
    const sinces = live.map((v) => v.newestSince?.getTime() ?? 0).filter((t) => t > 0);
    const cell: MatrixResourceCell = {
      resource: first.resource,
      versions: live
        .map((v) => ({
          version: v.version,
          instances: v.instances,
          isDesired: wanted !== null && v.version === wanted.version,
        }))
        .sort((a, b) => b.instances - a.instances || String(a.version).localeCompare(String(b.version))),
      desired: wanted?.version ?? null,
      drift,
      failed: sum((v) => v.failed),
      nacked: sum((v) => v.nacked),
      inProgress: sum((v) => v.inProgress),
      rolledBack: sum((v) => v.rolledBack),
      lastChangeAt: sinces.length ? new Date(Math.max(...sinces)) : null,
    };
    (row.cells[first.kind] ??= []).push(cell);
    row.drifting ||= drift.drifting;
    row.problems += cell.failed + cell.nacked + (drift.drifting ? 1 : 0);
  }
  for (const row of rows.values()) {
    for (const cells of Object.values(row.cells)) cells.sort((a, b) => a.resource.localeCompare(b.resource));
  }
  return { kinds: [...kinds].sort(), rows: [...rows.values()] };
}

/** What the fleet's totals need of one service, without building its cells. */
export interface ServiceDriftSummary {
  drifting: boolean;
  /** Live failed + NACKed pairs + drifting resources: the same sum as MatrixRow.problems. */
  problems: number;
  /** Of those, the live failed or NACKed instance × resource pairs (the fleet's "failing" filter). */
  failing: number;
  /** Of those, the drifting resources. */
  driftingResources: number;
}

/**
 * Per service, whether it drifts and its problem count, from groups that may leave out the
 * resources that cannot drift (couldDrift) and carry no problems. Gives the same answer as
 * buildMatrix over the full groups, so the totals and "drifting only" agree with the rows.
 */
export function summarizeFleetDrift(
  groups: Pick<
    VersionAggregate,
    "serviceId" | "kind" | "resource" | "version" | "instances" | "newestSince" | "lastReportAt" | "failed" | "nacked"
  >[],
  desired: DesiredRow[],
  now: Date,
  policy: DriftPolicy,
): Map<number, ServiceDriftSummary> {
  const desiredByKey = desiredIndex(desired);
  const summaries = new Map<number, ServiceDriftSummary>();
  for (const [key, cellGroups] of byCell(groups)) {
    const live = cellGroups.filter((g) => g.instances > 0 && isLive(g.lastReportAt, now, policy.staleMs));
    if (live.length === 0) continue;
    const drift = assessResourceDrift(cellGroups, desiredByKey.get(key) ?? null, now, policy);
    const failing = live.reduce((n, g) => n + g.failed + g.nacked, 0);
    const serviceId = cellGroups[0]!.serviceId;
    const summary = summaries.get(serviceId) ?? { drifting: false, problems: 0, failing: 0, driftingResources: 0 };
    summary.drifting ||= drift.drifting;
    summary.failing += failing;
    summary.driftingResources += drift.drifting ? 1 : 0;
    summary.problems += failing + (drift.drifting ? 1 : 0);
    summaries.set(serviceId, summary);
  }
  return summaries;
}

/** Rows grouped by environment, then namespace, in a stable reading order. */
export function groupRows(rows: MatrixRow[]): MatrixGroup[] {
  const sorted = [...rows].sort(
    (a, b) =>
      a.service.environment.localeCompare(b.service.environment) ||
      a.service.namespace.localeCompare(b.service.namespace) ||
      a.service.name.localeCompare(b.service.name),
  );
  const groups: MatrixGroup[] = [];
  for (const row of sorted) {
    const last = groups.at(-1);
    if (last && last.environment === row.service.environment && last.namespace === row.service.namespace)
      last.rows.push(row);
    else groups.push({ environment: row.service.environment, namespace: row.service.namespace, rows: [row] });
  }
  return groups;
}
