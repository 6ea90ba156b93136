// Drift: the one rule (DESIGN.md, "One drift rule"). A resource of a service drifts when its
// instances run more than one version, or a version other than the desired one, for longer
// than DRIFT_THRESHOLD_SECONDS (so a rollout in progress is not an alarm), counting only the
// instance × resource pairs heard from within INSTANCE_STALE_SECONDS (so a replaced pod does
// not drift forever). The matrix, the service page, the drift alert and the drift metric all
// decide through assessResourceDrift; SQL only groups pairs for it (see PairGroup).

import { isLive, liveSince } from "./presence";

export interface DriftPolicy {
  /** Mixed or off desired for longer than this is drift (DRIFT_THRESHOLD_SECONDS). */
  thresholdMs: number;
  /** A pair not heard from for longer than this is gone (INSTANCE_STALE_SECONDS). */
  staleMs: number;
}

/**
 * Instance × resource pairs that run the same version: one pair (instances = 1), or a SQL
 * aggregate of several. An aggregate must not mix live and stale pairs — group by
 * `last_phase_at >= liveSince(now)` as well as by version — so that its newest report tells
 * which side all of its pairs are on.
 */
export interface PairGroup {
  /** null when the pairs have reported progress or failure but no version yet */
  version: string | null;
  instances: number;
  /** The most recent move of any of these pairs to this version. */
  newestSince: Date | null;
  /** The most recent report (any phase, heartbeats included) of any of these pairs. */
  lastReportAt: Date;
}

export interface DesiredVersion {
  version: string;
  setAt: Date;
}

export type DriftReason = "mixed_versions" | "off_desired";

export interface DriftAssessment {
  drifting: boolean;
  reasons: DriftReason[];
  /** Distinct known versions running on live pairs. */
  versionCount: number;
  /** Live pairs whose known version differs from the desired one. */
  offDesired: number;
  /** How long the resource has been drifting, at least; null when it is not. */
  driftingForMs: number | null;
  /** Pairs counted (heard from within the stale window), and pairs left out as gone. */
  livePairs: number;
  stalePairs: number;
}

export const DEFAULT_DRIFT_THRESHOLD_MS = 5 * 60_000;

// Liveness is its own rule (lib/domain/presence.ts); re-exported for the drift rule's callers.
export { isLive, liveSince };

/**
 * The time-free part of the rule: a resource can drift only when its live pairs run more
 * than one known version, or a known version other than the desired one. SQL may skip the
 * resources that fail this test before calling assessResourceDrift; nothing else may be
 * decided outside this file.
 */
export function couldDrift(
  groups: PairGroup[],
  desired: { version: string } | null,
  now: Date,
  staleMs: number,
): boolean {
  const versions = new Set(
    groups
      .filter((g) => g.version !== null && g.instances > 0 && isLive(g.lastReportAt, now, staleMs))
      .map((g) => g.version),
  );
  return versions.size > 1 || (desired !== null && [...versions].some((v) => v !== desired.version));
}

/** The drift rule over one resource of one service: its pair groups, its desired version. */
export function assessResourceDrift(
  groups: PairGroup[],
  desired: DesiredVersion | null,
  now: Date,
  policy: DriftPolicy,
): DriftAssessment {
  let livePairs = 0;
  let stalePairs = 0;
  const byVersion = new Map<string | null, { version: string | null; instances: number; newestSince: Date | null }>();
  for (const g of groups) {
    if (g.instances <= 0) continue;
    if (!isLive(g.lastReportAt, now, policy.staleMs)) {
      stalePairs += g.instances;
      continue;
    }
    livePairs += g.instances;
    const v = byVersion.get(g.version);
    if (!v) byVersion.set(g.version, { version: g.version, instances: g.instances, newestSince: g.newestSince });
    else {
      v.instances += g.instances;
      if (g.newestSince && (!v.newestSince || g.newestSince > v.newestSince)) v.newestSince = g.newestSince;
    }
  }
  return { ...assessDrift([...byVersion.values()], desired, now, policy.thresholdMs), livePairs, stalePairs };
}

/**
 * The version a resource's live pairs are judged against: the desired one when there is one,
 * else the version most live pairs run (a tie goes to the lowest version text); null when no
 * live pair runs a known version.
 */
export function expectedVersion(
  groups: readonly PairGroup[],
  desired: { version: string } | null,
  now: Date,
  staleMs: number,
): string | null {
  if (desired) return desired.version;
  const byVersion = new Map<string, number>();
  for (const g of groups) {
    if (g.version === null || g.instances <= 0 || !isLive(g.lastReportAt, now, staleMs)) continue;
    byVersion.set(g.version, (byVersion.get(g.version) ?? 0) + g.instances);
  }
  let best: [string, number] | null = null;
  for (const [version, n] of byVersion) {
    if (!best || n > best[1] || (n === best[1] && version < best[0])) best = [version, n];
  }
  return best?.[0] ?? null;
}

/**
 * Which instances of a resource are the drifting ones: none unless the rule says it drifts
 * (assessResourceDrift); then its live pairs on a known version other than expectedVersion.
 * reload_drift_instances counts them, a drift alert names them.
 */
export function isDriftingPair(
  pair: Pick<PairGroup, "version" | "lastReportAt">,
  expected: string | null,
  now: Date,
  staleMs: number,
): boolean {
  return pair.version !== null && pair.version !== expected && isLive(pair.lastReportAt, now, staleMs);
}

/** How many instances of a resource drift (isDriftingPair), summed over its pair groups. */
export function driftingInstances(
  assessment: Pick<DriftAssessment, "drifting">,
  groups: readonly PairGroup[],
  desired: { version: string } | null,
  now: Date,
  staleMs: number,
): number {
  if (!assessment.drifting) return 0;
  const expected = expectedVersion(groups, desired, now, staleMs);
  let n = 0;
  for (const g of groups) if (g.instances > 0 && isDriftingPair(g, expected, now, staleMs)) n += g.instances;
  return n;
}

export interface VersionCount {
  version: string | null;
  instances: number;
  newestSince: Date | null;
}

/**
 * The core of the rule over versions already known to be live (used by assessResourceDrift;
 * exported for the demo fleet's own checks, whose instances are all live by construction).
 */
export function assessDrift(
  versions: VersionCount[],
  desired: DesiredVersion | null,
  now: Date,
  thresholdMs: number = DEFAULT_DRIFT_THRESHOLD_MS,
): Omit<DriftAssessment, "livePairs" | "stalePairs"> {
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
