// Drift: an instance off the desired version, or a service whose instances run more than
// one version, for longer than a threshold (so a rollout in progress is not an alarm).

export interface VersionCount {
  /** null when an instance has reported progress or failure but no version yet */
  version: string | null;
  instances: number;
  /** The most recent moment any of these instances moved to this version. */
  newestSince: Date | null;
}

export interface DesiredVersion {
  version: string;
  setAt: Date;
}

export type DriftReason = "mixed_versions" | "off_desired";

export interface DriftAssessment {
  drifting: boolean;
  reasons: DriftReason[];
  /** Distinct known versions running. */
  versionCount: number;
  /** Instances whose known version differs from the desired one. */
  offDesired: number;
  /** How long the cell has been drifting, at least; null when it is not. */
  driftingForMs: number | null;
}

export const DEFAULT_DRIFT_THRESHOLD_MS = 5 * 60_000;

export function assessDrift(
  versions: VersionCount[],
  desired: DesiredVersion | null,
  now: Date,
  thresholdMs: number = DEFAULT_DRIFT_THRESHOLD_MS,
): DriftAssessment {
  const known = versions.filter((v) => v.version !== null && v.instances > 0);
  const reasons: DriftReason[] = [];
  const ages: number[] = [];
  const nowMs = now.getTime();

  // The mix has been as it is since the latest move of any instance; before that it may
  // have been mixed too, so this is a lower bound and never fires in mid-rollout.
  if (known.length > 1) {
    const lastMove = Math.max(...known.map((v) => v.newestSince?.getTime() ?? 0));
    const age = nowMs - lastMove;
    if (age > thresholdMs) {
      reasons.push("mixed_versions");
      ages.push(age);
    }
  }

  let offDesired = 0;
  if (desired) {
    const off = known.filter((v) => v.version !== desired.version);
    offDesired = off.reduce((sum, v) => sum + v.instances, 0);
    if (off.length > 0) {
      const since = Math.max(desired.setAt.getTime(), ...off.map((v) => v.newestSince?.getTime() ?? 0));
      const age = nowMs - since;
      if (age > thresholdMs) {
        reasons.push("off_desired");
        ages.push(age);
      }
    }
  }

  return {
    drifting: reasons.length > 0,
    reasons,
    versionCount: known.length,
    offDesired,
    driftingForMs: ages.length ? Math.min(...ages) : null,
  };
}
