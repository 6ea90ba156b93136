import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import { liveSince } from "@/lib/domain/drift";
import { heardSinceSql } from "@/lib/domain/presence";
import { RAN_VERSION_PHASES } from "@/lib/domain/phases";
import type { RequestStatus } from "@/lib/domain/request-status";
import { mergeStory, outOfBandChanges, type StoryItem } from "@/lib/domain/resource-story";
import { driftPolicy } from "@/lib/fleet/pair-groups";
import { getServiceHeader, type ServiceHeader } from "./queries";

// One resource's story (the SRE's and the responder's jobs, DESIGN.md): the reloads, alerts,
// requests and out-of-band version changes of one service × kind × resource in a time range,
// newest first. Four indexed reads side by side, each bounded, merged by
// lib/domain/resource-story.ts.

/** Items of each kind read at most; the merged story shows STORY_LIMIT of them. */
const PER_KIND_LIMIT = 200;
export const STORY_LIMIT = 300;
/** Version reports read for the out-of-band changes (runs of one version folded in SQL). */
const REPORT_LIMIT = 5_000;

export interface ResourceStory {
  service: ServiceHeader;
  kind: string;
  resource: string;
  desired: { version: string; reloadId: string; setAt: Date } | null;
  /** versions the live pairs (heard from within INSTANCE_STALE_SECONDS) run now, most instances first */
  running: { version: string | null; instances: number }[];
  items: StoryItem[];
  /** the range held more than STORY_LIMIT items: narrow it to see the older ones */
  more: boolean;
}

interface RangeArgs {
  from: Date | null;
  to: Date | null;
  now: Date;
}

/** The story, or null when the service has no such resource (no instance reported it, no reload moved it). */
export async function getResourceStory(
  serviceId: number,
  kind: string,
  resource: string,
  range: RangeArgs,
): Promise<ResourceStory | null> {
  await requireReader();
  const service = await getServiceHeader(serviceId);
  if (!service) return null;
  const q = sql();
  // Open ends as Postgres' infinities, so each statement has one shape.
  const from = range.from ? range.from.toISOString() : "-infinity";
  const to = range.to ? range.to.toISOString() : "infinity";
  const key = [serviceId, kind, resource] as const;
  // $1–$6 of the reads of the range: the resource, from, to, and each list's bound.
  const inRange = [...key, from, to, PER_KIND_LIMIT] as const;

  const cutoff = liveSince(range.now, driftPolicy().staleMs).toISOString();

  const [known, desired, running, reloads, alerts, requests, reports] = await Promise.all([
    q.query<{ known: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM instance_state WHERE service_id = $1 AND kind = $2 AND resource = $3)
           OR EXISTS (SELECT 1 FROM reload WHERE service_id = $1 AND kind = $2 AND resource = $3) AS known`,
      ...key,
    ),
    q.query<{ version: string; reload_id: string; set_at: Date }[]>(
      `SELECT version, reload_id, set_at FROM desired_version WHERE service_id = $1 AND kind = $2 AND resource = $3`,
      ...key,
    ),
    q.query<{ version: string | null; instances: number }[]>(
      `SELECT version, count(*)::int AS instances FROM instance_state
       WHERE service_id = $1 AND kind = $2 AND resource = $3 AND ${heardSinceSql("last_phase_at", "$4::timestamptz")}
       GROUP BY version ORDER BY count(*) DESC, version`,
      ...key,
      cutoff,
    ),
    q.query<
      {
        id: string;
        reload_id: string;
        status: string;
        from_version: string | null;
        to_version: string | null;
        initiator: string | null;
        first_event_at: Date;
        failed: number;
        last_error: string | null;
      }[]
    >(
      `SELECT id::text, reload_id, status, from_version, to_version, initiator, first_event_at,
              (instances_nacked + instances_failed)::int AS failed, last_error
       FROM reload WHERE service_id = $1 AND kind = $2 AND resource = $3 AND first_event_at >= $4::timestamptz AND first_event_at < $5::timestamptz
       ORDER BY first_event_at DESC, id DESC LIMIT $6`,
      ...inRange,
    ),
    // An alert belongs to the range when it was open at any time within it.
    q.query<
      {
        id: string;
        rule: string;
        severity: string;
        state: string;
        summary: string;
        started_at: Date;
        resolved_at: Date | null;
      }[]
    >(
      `SELECT id::text, rule, severity, state, summary, started_at, resolved_at
       FROM alert WHERE service_id = $1 AND kind = $2 AND resource = $3 AND started_at < $5::timestamptz AND (resolved_at IS NULL OR resolved_at >= $4::timestamptz)
       ORDER BY started_at DESC, id DESC LIMIT $6`,
      ...inRange,
    ),
    q.query<
      {
        id: string;
        action: string;
        status: RequestStatus;
        from_version: string | null;
        to_version: string;
        reason: string;
        requester: string;
        requested_at: Date;
      }[]
    >(
      `SELECT r.id::text, r.action, r.status, r.from_version, r.to_version, r.reason, u.username AS requester, r.requested_at
       FROM reload_request r JOIN app_user u ON u.id = r.requested_by
       WHERE r.service_id = $1 AND r.kind = $2 AND r.resource = $3 AND r.requested_at >= $4::timestamptz AND r.requested_at < $5::timestamptz
       ORDER BY r.requested_at DESC, r.id DESC LIMIT $6`,
      ...inRange,
    ),
    // The versions instances reported running, each with the version the instance reported
    // before it (for the first in the range, its last report before the range, one index probe
    // per instance); a run of one version is folded to its first report.
    q.query<{ instance_key: string; version: string; previous: string | null; at: Date; reload_id: string | null }[]>(
      `WITH reports AS (
         SELECT e.instance_id, i.instance_key, e.to_version AS version, e.occurred_at AS at, e.reload_id,
                lag(e.to_version) OVER w AS previous, row_number() OVER w AS n
         FROM reload_event e JOIN instance i ON i.id = e.instance_id
         WHERE e.service_id = $1 AND e.kind = $2 AND e.resource = $3 AND e.phase = ANY($7::text[])
           AND e.to_version IS NOT NULL AND e.occurred_at >= $4::timestamptz AND e.occurred_at < $5::timestamptz
         WINDOW w AS (PARTITION BY e.instance_id ORDER BY e.occurred_at, e.received_at)
       )
       SELECT r.instance_key, r.version, coalesce(r.previous, before.version) AS previous, r.at, r.reload_id
       FROM reports r
       LEFT JOIN LATERAL (
         SELECT p.to_version AS version FROM reload_event p
         WHERE r.n = 1 AND p.instance_id = r.instance_id AND p.kind = $2 AND p.resource = $3
           AND p.phase = ANY($7::text[]) AND p.to_version IS NOT NULL AND p.occurred_at < $4::timestamptz
         ORDER BY p.occurred_at DESC, p.received_at DESC LIMIT 1
       ) before ON true
       WHERE coalesce(r.previous, before.version) IS DISTINCT FROM r.version
       ORDER BY r.at DESC LIMIT $6`,
      ...key,
      from,
      to,
      REPORT_LIMIT,
      [...RAN_VERSION_PHASES],
    ),
  ]);

  if (!known[0]?.known) return null;
  const items: StoryItem[] = [
    ...reloads.map((r) => ({
      type: "reload" as const,
      at: r.first_event_at,
      key: r.id,
      reloadId: r.reload_id,
      status: r.status,
      fromVersion: r.from_version,
      toVersion: r.to_version,
      initiator: r.initiator,
      failedInstances: r.failed,
      lastError: r.last_error,
    })),
    ...alerts.map((a) => ({
      type: "alert" as const,
      at: a.started_at,
      id: a.id,
      rule: a.rule,
      severity: a.severity,
      state: a.state,
      summary: a.summary,
      resolvedAt: a.resolved_at,
    })),
    ...requests.map((r) => ({
      type: "request" as const,
      at: r.requested_at,
      id: r.id,
      action: r.action,
      status: r.status,
      fromVersion: r.from_version,
      toVersion: r.to_version,
      reason: r.reason,
      requestedBy: r.requester,
    })),
    ...outOfBandChanges(
      reports.map((r) => ({
        instanceKey: r.instance_key,
        version: r.version,
        previous: r.previous,
        at: r.at,
        reloadId: r.reload_id,
      })),
    ),
  ];
  const story = mergeStory(items, STORY_LIMIT);
  const d = desired[0];
  return {
    service,
    kind,
    resource,
    desired: d ? { version: d.version, reloadId: d.reload_id, setAt: d.set_at } : null,
    running,
    items: story.items,
    more: story.more,
  };
}
