// How many instances one drifting resource counts in reload_drift_instances. Whether the
// resource drifts is assessResourceDrift's decision (lib/domain/drift.ts), never made here;
// this only says how many of its live pairs are the drifting ones: those off the desired
// version when there is one, else those off the version most live pairs run. Pure.
import { isLive, type DesiredVersion, type DriftAssessment, type PairGroup } from "@/lib/domain/drift";

export function driftingInstances(assessment: DriftAssessment, groups: readonly PairGroup[], desired: Pick<DesiredVersion, "version"> | null, now: Date, staleMs: number): number {
  if (!assessment.drifting) return 0;
  if (desired) return assessment.offDesired;
  const byVersion = new Map<string, number>();
  for (const g of groups) {
    if (g.version === null || g.instances <= 0 || !isLive(g.lastReportAt, now, staleMs)) continue;
    byVersion.set(g.version, (byVersion.get(g.version) ?? 0) + g.instances);
  }
  let total = 0;
  let most = 0;
  for (const n of byVersion.values()) {
    total += n;
    most = Math.max(most, n);
  }
  return total - most;
}
