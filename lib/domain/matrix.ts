// Assembles the fleet version matrix from per-version aggregates of instance state.
// Pure: the query layer hands in rows, this decides cells, drift and ordering.
import { assessDrift, type DesiredVersion, type DriftAssessment } from "./drift";

export interface VersionAggregate {
  serviceId: number;
  kind: string;
  resource: string;
  version: string | null;
  instances: number;
  newestSince: Date | null;
  lastEventAt: Date;
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
  versions: { version: string | null; instances: number; isDesired: boolean }[];
  desired: string | null;
  drift: DriftAssessment;
  failed: number;
  nacked: number;
  inProgress: number;
  rolledBack: number;
  /** The latest move of any instance to the version it runs now. */
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

export function buildMatrix(
  services: ServiceSummary[],
  aggregates: VersionAggregate[],
  desired: DesiredRow[],
  now: Date,
  driftThresholdMs: number,
): { kinds: string[]; rows: MatrixRow[] } {
  const desiredByKey = new Map(desired.map((d) => [`${d.serviceId}\u0000${d.kind}\u0000${d.resource}`, d]));
  const byCell = new Map<string, VersionAggregate[]>();
  for (const a of aggregates) {
    const key = `${a.serviceId}\u0000${a.kind}\u0000${a.resource}`;
    const list = byCell.get(key);
    if (list) list.push(a);
    else byCell.set(key, [a]);
  }

  const rows = new Map<number, MatrixRow>(services.map((s) => [s.id, { service: s, cells: {}, drifting: false, problems: 0 }]));
  const kinds = new Set<string>();
  for (const [key, versions] of byCell) {
    const first = versions[0]!;
    const row = rows.get(first.serviceId);
    if (!row) continue;
    kinds.add(first.kind);
    const wanted = desiredByKey.get(key) ?? null;
    const drift = assessDrift(versions, wanted, now, driftThresholdMs);
    const sum = (pick: (v: VersionAggregate) => number) => versions.reduce((n, v) => n + pick(v), 0);
    const sinces = versions.map((v) => v.newestSince?.getTime() ?? 0).filter((t) => t > 0);
    const cell: MatrixResourceCell = {
      resource: first.resource,
      versions: versions
        .map((v) => ({ version: v.version, instances: v.instances, isDesired: wanted !== null && v.version === wanted.version }))
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
    if (last && last.environment === row.service.environment && last.namespace === row.service.namespace) last.rows.push(row);
    else groups.push({ environment: row.service.environment, namespace: row.service.namespace, rows: [row] });
  }
  return groups;
}
