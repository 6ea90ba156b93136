// The rules about reloads: failures (per reload, errors grouped; and a service's failure
// ratio), stuck or expired reloads, and reload storms. Inputs are rows of the reload read
// model (counters kept by ingest), so no rule reads event history. Pure.
import { finishedTargets, unfinishedTargets } from "../reload-status";
import type { StoredReload } from "../reload-row";
import { errorGroupText, groupErrors, type InstanceError } from "./normalise-error";
import type { RuleParams } from "./rules";
import { fingerprint, serviceLabels, serviceName, type AlertCondition, type ServiceRef } from "./types";

const MIN = 60_000;

/** A reload as the rules read it: the domain's reload (alertReload), its service, and what came after it. */
export interface AlertReload {
  key: string;
  reloadId: string;
  service: ServiceRef;
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string | null;
  initiator: string | null;
  status: string;
  targets: number;
  succeeded: number;
  nacked: number;
  failed: number;
  rolledBack: number;
  startedAt: Date | null;
  dispatchedAt: Date | null;
  expiredAt: Date | null;
  lastErrorAt: Date | null;
  /** a later reload of the same service × kind × resource exists (any status) */
  superseded: boolean;
  /** a later reload of the same service × kind × resource succeeded */
  supersededBySuccess: boolean;
}

/** The rules' view of a reload read with reloadFromRow (lib/domain/reload-row.ts). */
export function alertReload(
  reload: StoredReload,
  service: ServiceRef,
  later: { superseded: boolean; supersededBySuccess: boolean },
): AlertReload {
  const f = reload.facts;
  return {
    key: reload.key,
    reloadId: reload.reloadId,
    service,
    kind: f.kind,
    resource: f.resource,
    fromVersion: f.fromVersion,
    toVersion: f.toVersion,
    initiator: f.initiator,
    status: reload.status,
    targets: reload.stored.targets,
    succeeded: reload.counts.succeeded,
    nacked: reload.counts.nacked,
    failed: reload.counts.failed,
    rolledBack: reload.counts.rolledBack,
    startedAt: f.startedAt,
    dispatchedAt: f.dispatchedAt,
    expiredAt: f.expiredAt,
    lastErrorAt: f.lastErrorAt,
    ...later,
  };
}

const reloadLabels = (r: AlertReload) => ({
  ...serviceLabels(r.service),
  kind: r.kind,
  resource: r.resource,
  reload_id: r.reloadId,
});
const reloadLink = (r: AlertReload) => `/reloads/${r.key}`;
const versionText = (r: AlertReload) => (r.toVersion ? ` ${r.toVersion}` : "");
const reloadText = (r: AlertReload) =>
  `${serviceName(r.service)} ${r.kind}/${r.resource}${versionText(r)}: reload ${r.reloadId}`;

/** The reloads list filtered to one service (and kind): the /reloads page's own query parameters. */
export function reloadsListLink(s: ServiceRef, kind?: string): string {
  const q = new URLSearchParams({
    environment: s.environment,
    ...(s.namespace ? { namespace: s.namespace } : {}),
    service: s.name,
    ...(kind ? { kind } : {}),
  });
  return `/reloads?${q.toString()}`;
}

export const reloadFailureFingerprint = (reloadKey: string) => fingerprint("reload_failures", "reload", reloadKey);
export const failureRatioFingerprint = (serviceId: number) => fingerprint("reload_failures", "ratio", serviceId);

/**
 * One alert per reload whose instances NACKed or failed it, while its last failure is within
 * the lookback and no later reload of the resource succeeded (which fixes what it left).
 */
export function reloadFailureConditions(
  reloads: AlertReload[],
  errorsByReload: ReadonlyMap<string, InstanceError[]>,
  now: Date,
  params: RuleParams<"reload_failures">,
): AlertCondition[] {
  const since = now.getTime() - params.lookbackMinutes * MIN;
  return reloads
    .filter(
      (r) =>
        r.nacked + r.failed > 0 && r.lastErrorAt !== null && r.lastErrorAt.getTime() >= since && !r.supersededBySuccess,
    )
    .map((r) => {
      const errors = groupErrors(errorsByReload.get(r.key) ?? []);
      const bad = r.nacked + r.failed;
      const top = errors[0];
      const reason = top
        ? `: ${errorGroupText(top)}${errors.length > 1 ? ` (+${errors.length - 1} other errors)` : ""}`
        : "";
      return {
        rule: "reload_failures" as const,
        fingerprint: reloadFailureFingerprint(r.key),
        serviceId: r.service.id,
        kind: r.kind,
        resource: r.resource,
        reloadKey: r.key,
        summary: `${serviceName(r.service)} ${r.kind}/${r.resource}${versionText(r)}: ${bad} of ${r.targets} instances refused or failed reload ${r.reloadId}${reason}`,
        details: {
          reloadId: r.reloadId,
          status: r.status,
          fromVersion: r.fromVersion,
          toVersion: r.toVersion,
          initiator: r.initiator,
          targets: r.targets,
          succeeded: r.succeeded,
          nacked: r.nacked,
          failed: r.failed,
          errors,
        },
        labels: reloadLabels(r),
        link: reloadLink(r),
      };
    });
}

export interface ServiceFailureRatio {
  service: ServiceRef;
  /** reloads that came to an outcome in the window (OUTCOME_STATUSES) */
  finished: number;
  /** of them: failed (FAILED_STATUSES: partially failed, failed, rolled back) */
  failed: number;
}

/** A service whose finished reloads failed above the ratio over the window (with enough of them to mean it). */
export function failureRatioConditions(
  rows: ServiceFailureRatio[],
  params: RuleParams<"reload_failures">,
): AlertCondition[] {
  return rows
    .filter((r) => r.finished >= params.ratioMinReloads && (100 * r.failed) / r.finished > params.ratioPercent)
    .map((r) => {
      const percent = Math.round((100 * r.failed) / r.finished);
      return {
        rule: "reload_failures" as const,
        fingerprint: failureRatioFingerprint(r.service.id),
        serviceId: r.service.id,
        kind: null,
        resource: null,
        reloadKey: null,
        summary: `${serviceName(r.service)}: ${r.failed} of ${r.finished} reloads failed in the last ${params.ratioWindowMinutes} min (${percent}% > ${params.ratioPercent}%)`,
        details: {
          windowMinutes: params.ratioWindowMinutes,
          finished: r.finished,
          failed: r.failed,
          percent,
          thresholdPercent: params.ratioPercent,
        },
        labels: serviceLabels(r.service),
        link: reloadsListLink(r.service),
      };
    });
}

export const stuckFingerprint = (reloadKey: string) => fingerprint("reload_stuck", reloadKey);

/** Statuses in which a reload was sent and still waits for its targets to finish. */
export const AWAITING_TARGETS_STATUSES = ["dispatching", "in_progress"] as const;

/**
 * A reload that expired (its deadline passed with targets unfinished; alerting for the
 * lookback after, unless a later reload of the resource came), or one still waiting on
 * targets longer than ackWithinMinutes after its dispatch (or start).
 */
export function stuckConditions(
  reloads: AlertReload[],
  silentByReload: ReadonlyMap<string, string[]>,
  now: Date,
  params: RuleParams<"reload_stuck">,
): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const r of reloads) {
    const silent = silentByReload.get(r.key) ?? [];
    const finished = finishedTargets(r);
    let summary: string | null = null;
    if (r.status === "expired") {
      if (r.superseded || !r.expiredAt || r.expiredAt.getTime() < now.getTime() - params.lookbackMinutes * MIN)
        continue;
      const silentCount = Math.max(unfinishedTargets(r), silent.length);
      summary = `${reloadText(r)} expired with ${silentCount} of ${r.targets} instances silent`;
    } else if ((AWAITING_TARGETS_STATUSES as readonly string[]).includes(r.status)) {
      const from = r.dispatchedAt ?? r.startedAt;
      if (!from || now.getTime() - from.getTime() < params.ackWithinMinutes * MIN) continue;
      const waited = Math.floor((now.getTime() - from.getTime()) / MIN);
      summary = `${reloadText(r)} has ${finished} of ${r.targets} instances finished after ${waited} min`;
    } else continue;
    out.push({
      rule: "reload_stuck",
      fingerprint: stuckFingerprint(r.key),
      serviceId: r.service.id,
      kind: r.kind,
      resource: r.resource,
      reloadKey: r.key,
      summary,
      details: {
        reloadId: r.reloadId,
        status: r.status,
        toVersion: r.toVersion,
        targets: r.targets,
        finished,
        dispatchedAt: (r.dispatchedAt ?? r.startedAt)?.toISOString() ?? null,
        expiredAt: r.expiredAt?.toISOString() ?? null,
        silentInstances: silent,
      },
      labels: reloadLabels(r),
      link: reloadLink(r),
    });
  }
  return out;
}

export interface ResourceReloadCount {
  service: ServiceRef;
  kind: string;
  resource: string;
  reloads: number;
  /** a few of them, newest first */
  recent: { key: string; reloadId: string; status: string; at: Date }[];
}

export const stormFingerprint = (serviceId: number, kind: string, resource: string) =>
  fingerprint("reload_storm", serviceId, kind, resource);

/** More than maxReloads reloads of one resource within the window. */
export function stormConditions(rows: ResourceReloadCount[], params: RuleParams<"reload_storm">): AlertCondition[] {
  return rows
    .filter((r) => r.reloads > params.maxReloads)
    .map((r) => ({
      rule: "reload_storm" as const,
      fingerprint: stormFingerprint(r.service.id, r.kind, r.resource),
      serviceId: r.service.id,
      kind: r.kind,
      resource: r.resource,
      reloadKey: r.recent[0]?.key ?? null,
      summary: `${serviceName(r.service)} ${r.kind}/${r.resource}: ${r.reloads} reloads in ${params.windowMinutes} min (more than ${params.maxReloads})`,
      details: {
        reloads: r.reloads,
        windowMinutes: params.windowMinutes,
        maxReloads: params.maxReloads,
        recent: r.recent.map((x) => ({ key: x.key, reloadId: x.reloadId, status: x.status, at: x.at.toISOString() })),
      },
      labels: { ...serviceLabels(r.service), kind: r.kind, resource: r.resource },
      link: reloadsListLink(r.service, r.kind),
    }));
}
