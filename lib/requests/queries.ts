import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { db, sql } from "@/lib/db/client";
import { column, sqlParams } from "@/lib/db/sql-params";
import { approverRefusal, DEFAULT_POLICY, type ApprovalPolicyRule } from "@/lib/domain/approval-state";
import type { RequestScope } from "@/lib/domain/canary";
import { fromVersionOf } from "@/lib/domain/change-hash";
import { assessResourceDrift, isLive, type DriftAssessment } from "@/lib/domain/drift";
import { authorize, type Caller } from "@/lib/domain/permissions";
import {
  proposeRollback,
  rollbackPreflight,
  type Preflight,
  type ReloadHistoryEntry,
  type RollbackProposal,
} from "@/lib/domain/rollback";
import { changePreview, type ChangePreview } from "@/lib/domain/change-preview";
import { RAN_VERSION_PHASES } from "@/lib/domain/phases";
import { OPEN_REQUEST_STATUSES, type RequestStatus } from "@/lib/domain/request-status";
import { driftPolicy, loadPairGroups } from "@/lib/fleet/pair-groups";
import { serviceLabel } from "@/lib/format";
import { loadResourceNow } from "./resource-now";

// Reads for requesting reloads and rollbacks and for the approvals queue (DESIGN.md "Roles", docs/adr/0015).
// What the form offers (resources, versions, live instances, drift, the rollback proposal
// and its pre-flight) is read as the fleet is now; the server checks it all again on submit.

export interface RequestableResource {
  key: string;
  kind: string;
  resource: string;
  desired: string | null;
  /** the version a request would move from (desired, else what most live instances run) */
  from: string | null;
  liveInstances: number;
  /** versions known for it, newest first (targets and sources of its reloads, versions running) */
  versions: string[];
  drift: Pick<DriftAssessment, "drifting" | "reasons" | "offDesired" | "versionCount">;
  rollback: RollbackProposal;
  /** a request for it still waiting or on its way */
  openRequest: { id: string; status: RequestStatus } | null;
}

export interface RequestFormData {
  service: { id: number; environment: string; namespace: string; name: string };
  resources: RequestableResource[];
  policy: ApprovalPolicyRule;
  /** the pre-flight of the rollback proposal for the focused resource */
  preflight: { key: string; preflight: Preflight; shown: number; total: number } | null;
}

const VERSIONS_PER_RESOURCE = 20;
const HISTORY_LIMIT = 1000;
const PREFLIGHT_ROWS = 200;

/**
 * `focus`: the resource whose rollback pre-flight to read; `rollbackTo`: the version to read it
 * for ("roll back to this" on a history row), when the resource ever had it; else its proposal.
 */
export async function getRequestFormData(
  serviceId: number,
  options: { focus?: { kind: string; resource: string } | null; rollbackTo?: string | null; now?: Date } = {},
): Promise<RequestFormData | null> {
  await requireReader();
  const now = options.now ?? new Date();
  const q = sql();
  const [service] = await q.query<RequestFormData["service"][]>(
    `SELECT id, environment, namespace, name FROM service WHERE id = $1`,
    serviceId,
  );
  if (!service) return null;
  const policy = driftPolicy();
  const [groups, desiredRows, versions, history, open, policyRows] = await Promise.all([
    loadPairGroups(q, [serviceId], now, policy),
    q.query<{ kind: string; resource: string; version: string; reload_id: string; set_at: Date }[]>(
      `SELECT kind, resource, version, reload_id, set_at FROM desired_version WHERE service_id = $1`,
      serviceId,
    ),
    q.query<{ kind: string; resource: string; version: string }[]>(
      `SELECT kind, resource, version FROM (
         SELECT kind, resource, to_version AS version, first_event_at AS at FROM reload WHERE service_id = $1 AND to_version IS NOT NULL
         UNION ALL SELECT kind, resource, from_version, first_event_at FROM reload WHERE service_id = $1 AND from_version IS NOT NULL
         UNION ALL SELECT kind, resource, version, since FROM instance_state WHERE service_id = $1 AND version IS NOT NULL
       ) v GROUP BY kind, resource, version ORDER BY max(at) DESC NULLS LAST`,
      serviceId,
    ),
    q.query<
      {
        kind: string;
        resource: string;
        reload_id: string;
        from_version: string | null;
        to_version: string | null;
        instances_succeeded: number;
        first_event_at: Date;
      }[]
    >(
      `SELECT kind, resource, reload_id, from_version, to_version, instances_succeeded, first_event_at FROM reload
       WHERE service_id = $1 ORDER BY first_event_at DESC LIMIT ${HISTORY_LIMIT}`,
      serviceId,
    ),
    q.query<{ id: string; kind: string; resource: string; status: RequestStatus }[]>(
      `SELECT id::text, kind, resource, status FROM reload_request
       WHERE service_id = $1 AND status = ANY($2::text[]) ORDER BY id DESC`,
      serviceId,
      [...OPEN_REQUEST_STATUSES],
    ),
    q.query<{ required_approvals: number; required_group: string | null }[]>(
      `SELECT required_approvals, required_group FROM approval_policy WHERE service_id = $1`,
      serviceId,
    ),
  ]);

  const keyOf = (r: { kind: string; resource: string }) => `${r.kind}/${r.resource}`;
  const byKey = new Map<string, typeof groups>();
  for (const g of groups) (byKey.get(keyOf(g)) ?? byKey.set(keyOf(g), []).get(keyOf(g))!).push(g);
  const desiredByKey = new Map(desiredRows.map((d) => [keyOf(d), d]));
  const versionsByKey = new Map<string, string[]>();
  for (const v of versions) {
    const list = versionsByKey.get(keyOf(v)) ?? versionsByKey.set(keyOf(v), []).get(keyOf(v))!;
    if (list.length < VERSIONS_PER_RESOURCE) list.push(v.version);
  }
  const historyByKey = new Map<string, ReloadHistoryEntry[]>();
  for (const h of history) {
    const list = historyByKey.get(keyOf(h)) ?? historyByKey.set(keyOf(h), []).get(keyOf(h))!;
    list.push({
      reloadId: h.reload_id,
      fromVersion: h.from_version,
      toVersion: h.to_version,
      acked: h.instances_succeeded,
      at: h.first_event_at,
    });
  }
  const openByKey = new Map<string, { id: string; status: RequestStatus }>();
  for (const o of open) if (!openByKey.has(keyOf(o))) openByKey.set(keyOf(o), { id: o.id, status: o.status });

  const resources: RequestableResource[] = [...byKey.keys()].sort().map((key) => {
    const cell = byKey.get(key)!;
    const d = desiredByKey.get(key) ?? null;
    const drift = assessResourceDrift(cell, d ? { version: d.version, setAt: d.set_at } : null, now, policy);
    const live = cell.filter((g) => isLive(g.lastReportAt, now, policy.staleMs));
    // The rule the request itself uses, over the live groups' instances.
    const from = fromVersionOf(
      d?.version ?? null,
      live.flatMap((g) => Array<string | null>(g.instances).fill(g.version)),
    );
    return {
      key,
      kind: cell[0]!.kind,
      resource: cell[0]!.resource,
      desired: d?.version ?? null,
      from,
      liveInstances: live.reduce((n, g) => n + g.instances, 0),
      versions: versionsByKey.get(key) ?? [],
      drift: {
        drifting: drift.drifting,
        reasons: drift.reasons,
        offDesired: drift.offDesired,
        versionCount: drift.versionCount,
      },
      rollback: proposeRollback(
        d ? { version: d.version, reloadId: d.reload_id, setAt: d.set_at } : null,
        historyByKey.get(key) ?? [],
      ),
      openRequest: openByKey.get(key) ?? null,
    };
  });

  const focusKey = options.focus ? keyOf(options.focus) : resources.find((r) => r.rollback)?.key;
  const focused = resources.find((r) => r.key === focusKey);
  let preflight: RequestFormData["preflight"] = null;
  const rollbackTo =
    focused &&
    options.rollbackTo &&
    focused.versions.includes(options.rollbackTo) &&
    options.rollbackTo !== focused.desired
      ? options.rollbackTo
      : null;
  const preflightVersion = rollbackTo ?? focused?.rollback?.version ?? null;
  if (focused && preflightVersion) {
    const fleet = await loadResourceNow(q, { serviceId, kind: focused.kind, resource: focused.resource }, { now });
    const acked = await q.query<{ instance_key: string }[]>(
      `SELECT DISTINCT i.instance_key FROM reload_event e JOIN instance i ON i.id = e.instance_id
       WHERE e.service_id = $1 AND e.kind = $2 AND e.resource = $3 AND e.phase = ANY($5::text[]) AND e.to_version = $4`,
      serviceId,
      focused.kind,
      focused.resource,
      preflightVersion,
      [...RAN_VERSION_PHASES],
    );
    const full = rollbackPreflight(preflightVersion, fleet.instances, new Set(acked.map((a) => a.instance_key)));
    preflight = {
      key: focused.key,
      preflight: { ...full, rows: full.rows.slice(0, PREFLIGHT_ROWS) },
      shown: Math.min(PREFLIGHT_ROWS, full.rows.length),
      total: full.rows.length,
    };
  }
  const p = policyRows[0];
  return {
    service,
    resources,
    policy: p ? { required: p.required_approvals, group: p.required_group } : DEFAULT_POLICY,
    preflight,
  };
}

export interface RequestSummary {
  id: string;
  reloadId: string;
  action: "reload" | "rollback";
  service: { id: number; environment: string; namespace: string; name: string };
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string;
  scope: RequestScope;
  targets: number;
  /** the instances the request is bound to (its scope when it was made) */
  targetKeys: string[];
  canary: string[];
  reason: string;
  requestedBy: { id: number; username: string };
  requestedAt: Date;
  expiresAt: Date;
  status: RequestStatus;
  statusReason: string | null;
  policy: ApprovalPolicyRule;
  decisions: {
    approver: string;
    approverId: number;
    decision: "approved" | "rejected";
    comment: string;
    decidedAt: Date;
  }[];
}

interface RequestRow {
  id: string;
  reload_id: string;
  action: "reload" | "rollback";
  service_id: number;
  environment: string;
  namespace: string;
  name: string;
  kind: string;
  resource: string;
  from_version: string | null;
  to_version: string;
  scope: RequestScope;
  target_count: number;
  canary: string[];
  reason: string;
  requested_by: number;
  requester: string;
  requested_at: Date;
  expires_at: Date;
  status: RequestStatus;
  status_reason: string | null;
  required_approvals: number;
  required_group: string | null;
  targets: string[];
}

const REQUEST_SELECT = `SELECT r.id::text, r.reload_id, r.action, r.service_id, s.environment, s.namespace, s.name, r.kind, r.resource,
       r.from_version, r.to_version, r.scope, cardinality(r.targets) AS target_count, r.targets, r.canary, r.reason, r.requested_by,
       u.username AS requester, r.requested_at, r.expires_at, r.status, r.status_reason, r.required_approvals, r.required_group
  FROM reload_request r JOIN service s ON s.id = r.service_id JOIN app_user u ON u.id = r.requested_by`;

async function withDecisions(rows: RequestRow[]): Promise<RequestSummary[]> {
  if (rows.length === 0) return [];
  const decisions = await sql().query<
    {
      request_id: string;
      approver_id: number;
      username: string;
      decision: "approved" | "rejected";
      comment: string;
      decided_at: Date;
    }[]
  >(
    `SELECT a.request_id::text, a.approver_id, u.username, a.decision, a.comment, a.decided_at
     FROM approval a JOIN app_user u ON u.id = a.approver_id WHERE a.request_id = ANY($1::bigint[]) ORDER BY a.decided_at`,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    reloadId: r.reload_id,
    action: r.action,
    service: { id: r.service_id, environment: r.environment, namespace: r.namespace, name: r.name },
    kind: r.kind,
    resource: r.resource,
    fromVersion: r.from_version,
    toVersion: r.to_version,
    scope: r.scope,
    targets: r.target_count,
    targetKeys: r.targets,
    canary: r.canary,
    reason: r.reason,
    requestedBy: { id: r.requested_by, username: r.requester },
    requestedAt: r.requested_at,
    expiresAt: r.expires_at,
    status: r.status,
    statusReason: r.status_reason,
    policy: { required: r.required_approvals, group: r.required_group },
    decisions: decisions
      .filter((d) => d.request_id === r.id)
      .map((d) => ({
        approver: d.username,
        approverId: d.approver_id,
        decision: d.decision,
        comment: d.comment,
        decidedAt: d.decided_at,
      })),
  }));
}

/** The resource as it stands now, beside a request: what an approver judges the change by. */
export interface FleetNow {
  /** the resource's drift now, by the one drift rule */
  drift: Pick<DriftAssessment, "drifting" | "reasons" | "offDesired" | "versionCount" | "livePairs">;
  /** the operator's pre-flight, read again now: who would move, from what, who never ran the target */
  preview: ChangePreview;
}

export interface QueueItem extends RequestSummary, FleetNow {
  /** whether this person may decide it, and if not, why (their own, their role, the group) */
  decidable: { allowed: true } | { allowed: false; reason: string; own: boolean };
}

const QUEUE_LIMIT = 200;
/** Instance rows per card in the queue; the request's page shows up to PREFLIGHT_ROWS. */
const QUEUE_PREFLIGHT_ROWS = 25;

/** Pending requests, oldest first (they expire first), with what each changes and where the fleet stands. */
export async function getApprovalQueue(
  viewer: Caller & { groups: readonly string[] },
  now = new Date(),
): Promise<QueueItem[]> {
  await requireReader();
  const rows = await sql().query<RequestRow[]>(
    `${REQUEST_SELECT} WHERE r.status = 'pending_approval' ORDER BY r.requested_at, r.id LIMIT ${QUEUE_LIMIT}`,
  );
  const requests = await withDecisions(rows);
  const fleet = await fleetNowOf(requests, now, QUEUE_PREFLIGHT_ROWS);
  return requests.map((r) => {
    const role = authorize(viewer, "request.approve", { requestedBy: r.requestedBy.id });
    const group = role.allowed
      ? approverRefusal(r.policy, r.requestedBy.id, { id: viewer.id, groups: viewer.groups })
      : null;
    const decidable: QueueItem["decidable"] = !role.allowed
      ? { allowed: false, reason: role.reason, own: r.requestedBy.id === viewer.id }
      : group
        ? { allowed: false, reason: group, own: false }
        : { allowed: true };
    return { ...r, ...fleet.get(r.id)!, decidable };
  });
}

/**
 * Drift and pre-flight for each request, in four statements whatever their number: the
 * resources' instance groups and desired versions (the drift rule's input), the versions the
 * requests' instances run now, which of them ever ran each target, and where each target
 * version was ever reported (running now, or acked by a reload other than the request's own).
 */
async function fleetNowOf(requests: RequestSummary[], now: Date, rowLimit: number): Promise<Map<string, FleetNow>> {
  const views = new Map<string, FleetNow>();
  if (requests.length === 0) return views;
  const q = sql();
  const policy = driftPolicy();
  const serviceIds = [...new Set(requests.map((r) => r.service.id))];
  const keys = {
    service: column.int(requests.map((r) => r.service.id)),
    kind: column.text(requests.map((r) => r.kind)),
    resource: column.text(requests.map((r) => r.resource)),
    version: column.text(requests.map((r) => r.toVersion)),
    reload: column.text(requests.map((r) => r.reloadId)),
  };
  const statesQ = sqlParams();
  const statesK = statesQ.unnest({ service_id: keys.service, kind: keys.kind, resource: keys.resource });
  const ranQ = sqlParams();
  const ranK = ranQ.unnest({
    service_id: keys.service,
    kind: keys.kind,
    resource: keys.resource,
    version: keys.version,
  });
  const ranPhases = ranQ.value([...RAN_VERSION_PHASES], "text[]");
  const reportedQ = sqlParams();
  const reportedK = reportedQ.unnest({
    kind: keys.kind,
    resource: keys.resource,
    version: keys.version,
    reload_id: keys.reload,
  });
  const [groups, desired, states, ran, reported] = await Promise.all([
    loadPairGroups(q, serviceIds, now, policy),
    q.query<{ service_id: number; kind: string; resource: string; version: string; set_at: Date }[]>(
      `SELECT service_id, kind, resource, version, set_at FROM desired_version WHERE service_id = ANY($1::int[])`,
      serviceIds,
    ),
    q.query<{ service_id: number; kind: string; resource: string; instance_key: string; version: string | null }[]>(
      `SELECT DISTINCT st.service_id, st.kind, st.resource, i.instance_key, st.version
       FROM ${statesK.as("k")}
       JOIN instance_state st ON st.service_id = k.service_id AND st.kind = k.kind AND st.resource = k.resource
       JOIN instance i ON i.id = st.instance_id`,
      ...statesQ.values,
    ),
    q.query<{ service_id: number; kind: string; resource: string; version: string; instance_key: string }[]>(
      `SELECT DISTINCT k.service_id, k.kind, k.resource, k.version, i.instance_key
       FROM ${ranK.as("k")}
       JOIN reload_event e ON e.service_id = k.service_id AND e.kind = k.kind AND e.resource = k.resource AND e.to_version = k.version
       JOIN instance i ON i.id = e.instance_id
       WHERE e.phase = ANY(${ranPhases})`,
      ...ranQ.values,
    ),
    q.query<
      {
        kind: string;
        resource: string;
        version: string;
        reload_id: string;
        service_id: number;
        environment: string;
        namespace: string;
        name: string;
      }[]
    >(
      `SELECT DISTINCT k.kind, k.resource, k.version, k.reload_id, s.id AS service_id, s.environment, s.namespace, s.name
       FROM ${reportedK.as("k")}
       JOIN LATERAL (
         (SELECT st.service_id FROM instance_state st WHERE st.kind = k.kind AND st.resource = k.resource AND st.version = k.version LIMIT 20)
         UNION
         (SELECT r.service_id FROM reload r
          WHERE r.kind = k.kind AND r.resource = k.resource AND r.to_version = k.version AND r.instances_succeeded > 0 AND r.reload_id <> k.reload_id LIMIT 20)
       ) f ON true
       JOIN service s ON s.id = f.service_id
       ORDER BY s.environment, s.namespace, s.name`,
      ...reportedQ.values,
    ),
  ]);
  for (const r of requests) {
    const same = (x: { kind: string; resource: string }) => x.kind === r.kind && x.resource === r.resource;
    const cell = groups.filter((g) => g.serviceId === r.service.id && same(g));
    const d = desired.find((x) => x.service_id === r.service.id && same(x));
    const drift = assessResourceDrift(cell, d ? { version: d.version, setAt: d.set_at } : null, now, policy);
    const versionNow = new Map(
      states.filter((x) => x.service_id === r.service.id && same(x)).map((x) => [x.instance_key, x.version]),
    );
    const ranOn = new Set(
      ran
        .filter((x) => x.service_id === r.service.id && same(x) && x.version === r.toVersion)
        .map((x) => x.instance_key),
    );
    const reportedOn = reported
      .filter((x) => same(x) && x.version === r.toVersion && x.reload_id === r.reloadId)
      .map((x) => ({ service: serviceLabel(x), serviceId: x.service_id }));
    views.set(r.id, {
      drift: {
        drifting: drift.drifting,
        reasons: drift.reasons,
        offDesired: drift.offDesired,
        versionCount: drift.versionCount,
        livePairs: drift.livePairs,
      },
      preview: changePreview(
        r.toVersion,
        r.targetKeys.map((instance) => ({ instance, version: versionNow.get(instance) ?? null })),
        ranOn,
        reportedOn,
        rowLimit,
      ),
    });
  }
  return views;
}

/** Requests decided or ended lately, for the queue page's "recently" list. */
export async function getRecentRequests(limit = 20): Promise<RequestSummary[]> {
  await requireReader();
  const rows = await sql().query<RequestRow[]>(
    `${REQUEST_SELECT} WHERE r.status <> 'pending_approval' ORDER BY r.updated_at DESC, r.id DESC LIMIT $1`,
    limit,
  );
  return withDecisions(rows);
}

export interface RequestDetail extends RequestSummary, FleetNow {
  changeHash: string;
  /** the reload's page, once its events are on the timeline */
  reloadKey: string | null;
  dispatchAttempts: {
    stage: string;
    attempt: number;
    outcome: string;
    httpStatus: number | null;
    error: string | null;
    startedAt: Date;
  }[];
}

export async function getRequestDetail(requestId: string, now = new Date()): Promise<RequestDetail | null> {
  await requireReader();
  if (!/^\d{1,18}$/.test(requestId)) return null;
  const q = sql();
  const rows = await q.query<(RequestRow & { change_hash: string })[]>(
    `${REQUEST_SELECT.replace("SELECT r.id::text,", "SELECT r.id::text, r.change_hash,")} WHERE r.id = $1::bigint`,
    requestId,
  );
  const [summary] = await withDecisions(rows);
  if (!summary) return null;
  const [reload, attempts, fleet] = await Promise.all([
    db().reload.findUnique({
      where: { serviceId_reloadId: { serviceId: summary.service.id, reloadId: summary.reloadId } },
      select: { id: true },
    }),
    db().dispatchAttempt.findMany({
      where: { requestId: BigInt(requestId) },
      orderBy: { id: "asc" },
      select: { stage: true, attempt: true, outcome: true, httpStatus: true, error: true, startedAt: true },
    }),
    fleetNowOf([summary], now, PREFLIGHT_ROWS),
  ]);
  return {
    ...summary,
    ...fleet.get(summary.id)!,
    changeHash: rows[0]!.change_hash,
    reloadKey: reload?.id.toString() ?? null,
    dispatchAttempts: attempts,
  };
}

/** Requests waiting for a decision, for the header's badge. */
export async function countPendingRequests(): Promise<number> {
  await requireReader();
  return db().reloadRequest.count({ where: { status: "pending_approval" } });
}

/** The request behind a reload (its page links to it), if the reload was asked for in the app. */
export async function getRequestForReload(
  serviceId: number,
  reloadId: string,
): Promise<{ id: string; status: RequestStatus } | null> {
  await requireReader();
  const row = await db().reloadRequest.findFirst({
    where: { serviceId, reloadId },
    select: { id: true, status: true },
  });
  return row ? { id: row.id.toString(), status: row.status as RequestStatus } : null;
}
