// The rules about instances: stale instances (silent for N minutes, but still within
// INSTANCE_STALE_SECONDS, after which they count as gone and stop alerting) and out-of-band
// changes (a version that changed by heartbeat with no reload targeting the instance: the
// security signal). Pure.
import { formatAge } from "@/lib/format";
import { isLive } from "../presence";
import type { RuleParams } from "./rules";
import { fingerprint, serviceLabels, serviceName, type AlertCondition, type ServiceRef } from "./types";

const MIN = 60_000;
const LIST = 100;

export interface InstanceSeen {
  service: ServiceRef;
  instance: string;
  lastSeenAt: Date;
}

export const staleFingerprint = (serviceId: number) => fingerprint("instance_stale", serviceId);

/**
 * One alert per service listing its silent instances. `instances` must hold only those heard
 * from within INSTANCE_STALE_SECONDS (the read selects them); the silence test is here.
 */
export function staleConditions(
  instances: InstanceSeen[],
  now: Date,
  staleMs: number,
  params: RuleParams<"instance_stale">,
): AlertCondition[] {
  const silentBefore = now.getTime() - params.silentMinutes * MIN;
  const byService = new Map<number, { service: ServiceRef; silent: InstanceSeen[] }>();
  for (const i of instances) {
    if (i.lastSeenAt.getTime() >= silentBefore || !isLive(i.lastSeenAt, now, staleMs)) continue;
    const entry = byService.get(i.service.id) ?? { service: i.service, silent: [] };
    entry.silent.push(i);
    byService.set(i.service.id, entry);
  }
  return [...byService.values()].map(({ service, silent }) => {
    silent.sort((a, b) => a.lastSeenAt.getTime() - b.lastSeenAt.getTime() || (a.instance < b.instance ? -1 : 1));
    const longest = formatAge(now.getTime() - silent[0]!.lastSeenAt.getTime());
    const names = silent
      .slice(0, 3)
      .map((s) => s.instance)
      .join(", ");
    return {
      rule: "instance_stale" as const,
      fingerprint: staleFingerprint(service.id),
      serviceId: service.id,
      kind: null,
      resource: null,
      reloadKey: null,
      summary: `${serviceName(service)}: ${silent.length === 1 ? "1 instance" : `${silent.length} instances`} silent for ${formatAge(params.silentMinutes * MIN)}+ (${names}${silent.length > 3 ? ", …" : ""}; longest ${longest})`,
      details: {
        silentMinutes: params.silentMinutes,
        count: silent.length,
        instances: silent.slice(0, LIST).map((s) => ({
          instance: s.instance,
          lastSeenAt: s.lastSeenAt.toISOString(),
          silentForMs: now.getTime() - s.lastSeenAt.getTime(),
        })),
      },
      labels: serviceLabels(service),
      link: `/services/${service.id}`,
    };
  });
}

/** An instance × resource whose running version was set by a heartbeat, not by a reload. */
export interface HeartbeatChange {
  service: ServiceRef;
  instance: string;
  kind: string;
  resource: string;
  version: string;
  /** the version it ran before (a first report is no change and never comes here) */
  previousVersion: string;
  changedAt: Date;
  /** a reload of this resource to this version targets (or reported from) the instance */
  reloadTargets: boolean;
}

export const outOfBandFingerprint = (serviceId: number, kind: string, resource: string, version: string) =>
  fingerprint("out_of_band_change", serviceId, kind, resource, version);

/**
 * One alert per service × resource × new version, listing the instances that moved to it
 * with no reload targeting them, while the change is within the lookback.
 */
export function outOfBandConditions(
  changes: HeartbeatChange[],
  now: Date,
  params: RuleParams<"out_of_band_change">,
): AlertCondition[] {
  const since = now.getTime() - params.lookbackMinutes * MIN;
  const groups = new Map<string, HeartbeatChange[]>();
  for (const c of changes) {
    if (c.reloadTargets || c.changedAt.getTime() < since || c.version === c.previousVersion) continue;
    const fp = outOfBandFingerprint(c.service.id, c.kind, c.resource, c.version);
    groups.set(fp, [...(groups.get(fp) ?? []), c]);
  }
  return [...groups].map(([fp, list]) => {
    list.sort((a, b) => a.changedAt.getTime() - b.changedAt.getTime() || (a.instance < b.instance ? -1 : 1));
    const first = list[0]!;
    const from = [...new Set(list.map((c) => c.previousVersion))];
    return {
      rule: "out_of_band_change" as const,
      fingerprint: fp,
      serviceId: first.service.id,
      kind: first.kind,
      resource: first.resource,
      reloadKey: null,
      summary: `${serviceName(first.service)} ${first.kind}/${first.resource}: ${list.length === 1 ? first.instance : `${list.length} instances`} changed ${from.join(", ")} → ${first.version} with no reload requested`,
      details: {
        version: first.version,
        previousVersions: from,
        firstChangedAt: first.changedAt.toISOString(),
        count: list.length,
        instances: list
          .slice(0, LIST)
          .map((c) => ({ instance: c.instance, from: c.previousVersion, at: c.changedAt.toISOString() })),
      },
      labels: { ...serviceLabels(first.service), kind: first.kind, resource: first.resource, version: first.version },
      // the fleet just after the first change: who ran what at that instant
      link: `/replay?at=${encodeURIComponent(new Date(first.changedAt.getTime() + 1000).toISOString())}`,
    };
  });
}
