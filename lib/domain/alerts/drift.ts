// The version-drift rule. Whether a resource drifts is decided by assessResourceDrift, the
// one drift function the matrix and the service page use, with DRIFT_THRESHOLD_SECONDS as
// its threshold (DESIGN.md "One drift rule"); this file only turns its verdict into an
// alert: how long, which versions, which instances. Pure.
import {
  assessResourceDrift,
  expectedVersion,
  isDriftingPair,
  isLive,
  type DesiredVersion,
  type DriftAssessment,
  type DriftPolicy,
  type PairGroup,
} from "@/lib/domain/drift";
import { formatAge } from "@/lib/format";
import type { RuleParams } from "./rules";
import { fingerprint, serviceLabels, serviceName, type AlertCondition, type ServiceRef } from "./types";

export interface DriftCell {
  service: ServiceRef;
  kind: string;
  resource: string;
  /** the matrix's pair groups of this resource (lib/fleet/pair-groups.ts) */
  groups: PairGroup[];
  desired: DesiredVersion | null;
}

export interface DriftingCell extends DriftCell {
  assessment: DriftAssessment;
}

/** The cells the one drift rule says drift now. */
export function driftingCells(cells: DriftCell[], now: Date, policy: DriftPolicy): DriftingCell[] {
  const out: DriftingCell[] = [];
  for (const cell of cells) {
    const assessment = assessResourceDrift(cell.groups, cell.desired, now, policy);
    if (assessment.drifting) out.push({ ...cell, assessment });
  }
  return out;
}

/** One instance × resource pair of a drifting cell, as instance_state has it. */
export interface DriftPair {
  instance: string;
  version: string | null;
  lastReportAt: Date;
}

export const driftFingerprint = (serviceId: number, kind: string, resource: string) =>
  fingerprint("drift", serviceId, kind, resource);

/**
 * The alert of one drifting cell. The instances it names are the drifting ones by the domain's
 * rule (isDriftingPair against expectedVersion), the ones reload_drift_instances counts.
 */
export function driftCondition(
  cell: DriftingCell,
  pairs: DriftPair[],
  now: Date,
  staleMs: number,
  params: RuleParams<"drift">,
): AlertCondition {
  const live = pairs.filter((p) => p.version !== null && isLive(p.lastReportAt, now, staleMs));
  const counts = new Map<string, number>();
  for (const p of live) counts.set(p.version!, (counts.get(p.version!) ?? 0) + 1);
  const versions = [...counts]
    .map(([version, instances]) => ({ version, instances }))
    .sort((a, b) => b.instances - a.instances || (a.version < b.version ? -1 : 1));
  const asGroups = pairs.map((p) => ({ ...p, instances: 1, newestSince: null }));
  const expected = expectedVersion(asGroups, cell.desired, now, staleMs);
  const drifting = pairs
    .filter((p) => isDriftingPair(p, expected, now, staleMs))
    .sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
  const a = cell.assessment;
  // The same formatter as the "drifting for" line under the headline (components/alerts).
  const age = formatAge(a.driftingForMs ?? 0);
  const what = `${cell.kind}/${cell.resource}`;
  const summary = cell.desired
    ? `${serviceName(cell.service)} ${what}: ${a.offDesired} of ${a.livePairs} instances not on ${cell.desired.version} for ${age}`
    : `${serviceName(cell.service)} ${what}: ${a.versionCount} versions running for ${age}`;
  return {
    rule: "drift",
    fingerprint: driftFingerprint(cell.service.id, cell.kind, cell.resource),
    serviceId: cell.service.id,
    kind: cell.kind,
    resource: cell.resource,
    reloadKey: null,
    summary,
    details: {
      reasons: a.reasons,
      driftingForMs: a.driftingForMs,
      driftingSince: a.driftingForMs === null ? null : new Date(now.getTime() - a.driftingForMs).toISOString(),
      desiredVersion: cell.desired?.version ?? null,
      versions,
      livePairs: a.livePairs,
      driftingInstances: drifting.length,
      instances: drifting.slice(0, params.listInstances).map((p) => ({ instance: p.instance, version: p.version })),
    },
    labels: { ...serviceLabels(cell.service), kind: cell.kind, resource: cell.resource },
    link: `/services/${cell.service.id}`,
  };
}
