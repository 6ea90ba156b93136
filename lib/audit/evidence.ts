import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql, type Sql } from "@/lib/db/client";
import { eventSender } from "@/lib/domain/event-sender";
import { targetUrlShownTo } from "@/lib/domain/target-address";
import { parseReloadKey } from "@/lib/reloads/filters";
import { getReload } from "@/lib/reloads/queries";
import type { ReloadSummary } from "@/lib/reloads/read-model";
import {
  AUDIT_COLUMNS,
  entryFromRow,
  entryHashHolds,
  verifyAuditChain,
  type AuditEntry,
  type AuditRow,
  type ChainVerdict,
} from "@/lib/audit-chain/audit-log";

// The evidence bundle of one reload (docs/adr/0011): what was asked, who signed it off, what was
// sent, what every instance answered, how it ended, and the audit entries that record the
// people's part, each with its hashes, checked on their own and against the whole chain.
// One JSON document an incident review can keep: a later reader re-checks an entry's hash
// with sha256(prev_hash + "\n" + canonical entry) (lib/audit-chain/audit-log.ts, docs/adr/0011).

export const EVIDENCE_FORMAT = "reloadscope.evidence/1";
/** Events bundled at most; a reload with more says so (`eventsTruncated`). */
export const EVIDENCE_EVENT_LIMIT = 100_000;

export interface EvidenceEvent {
  id: string;
  phase: string;
  occurredAt: Date;
  receivedAt: Date;
  fromVersion: string | null;
  toVersion: string | null;
  initiator: string | null;
  /** the ingest token that sent it, by name and prefix, or "Reloadscope" */
  sentBy: string;
  durationMs: number | null;
  error: string | null;
  traceId: string | null;
  spanId: string | null;
}

export interface EvidenceInstance {
  instance: string;
  targeted: boolean;
  /** its latest phase in this reload; null for a target that never reported */
  phase: string | null;
  phaseAt: Date | null;
  error: string | null;
  events: EvidenceEvent[];
}

export interface EvidenceAuditEntry extends AuditEntry {
  /** its stored hash is the hash of its content and its prev_hash */
  hashHolds: boolean;
}

export interface EvidenceBundle {
  format: typeof EVIDENCE_FORMAT;
  generatedAt: Date;
  generatedBy: { username: string; role: string };
  reload: ReloadSummary;
  request: Record<string, unknown> | null;
  approvals: Record<string, unknown>[];
  dispatchAttempts: Record<string, unknown>[];
  /** events about the reload as a whole (requested, approved, dispatched, failed, rolled_back) */
  controlPlaneEvents: EvidenceEvent[];
  instances: EvidenceInstance[];
  eventsTruncated: boolean;
  outcome: {
    status: string;
    targets: number;
    acked: number;
    nacked: number;
    failed: number;
    pending: number;
    completedAt: string | null;
    convergenceMs: number | null;
  };
  audit: {
    /** the subjects whose entries are bundled */
    subjects: string[];
    entries: EvidenceAuditEntry[];
    /** every bundled entry's own hash holds */
    entriesHold: boolean;
    /** the whole chain, walked when the bundle was made */
    chain: ChainVerdict;
    /** every bundled entry lies in the part of the chain the walk found sound */
    entriesInSoundChain: boolean;
  };
}

type EventRow = {
  id: string;
  instance_id: number | null;
  phase: string;
  occurred_at: Date;
  received_at: Date;
  from_version: string | null;
  to_version: string | null;
  initiator: string | null;
  duration_ms: string | null;
  error: string | null;
  trace_id: string | null;
  span_id: string | null;
  token_id: number | null;
  token_name: string | null;
  token_prefix: string | null;
};

/** The bundle of the reload with this key, or null when there is none. */
export async function getEvidenceBundle(
  keyText: string,
  generatedBy: { username: string; role: string },
  now = new Date(),
): Promise<EvidenceBundle | null> {
  await requireReader();
  const key = parseReloadKey(keyText);
  if (key === null) return null;
  const q = sql();
  const [row] = await q.query<{ reload_id: string; service_id: number }[]>(
    `SELECT reload_id, service_id FROM reload WHERE id = $1::bigint`,
    key,
  );
  const detail = row ? await getReload(key, 0) : null;
  if (!row || !detail) return null;
  const { instances: _none, instancesTruncated: _unused, ...reload } = detail;

  const request = await requestOf(q, row.service_id, row.reload_id);
  const requestId = request ? String(request.id) : null;
  const approvals = requestId
    ? await q.query<Record<string, unknown>[]>(
        `SELECT u.username AS approver, u.display_name AS "approverName", a.decision, a.comment, a.change_hash AS "changeHash",
                a.change_hash = rq.change_hash AS "matchesRequest", a.decided_at AS "decidedAt"
         FROM approval a JOIN app_user u ON u.id = a.approver_id JOIN reload_request rq ON rq.id = a.request_id
         WHERE a.request_id = $1::bigint ORDER BY a.decided_at, u.username`,
        requestId,
      )
    : [];
  const dispatchAttempts = requestId
    ? await q.query<Record<string, unknown>[]>(
        `SELECT id::text AS id, stage, attempt, url, traceparent, started_at AS "startedAt", finished_at AS "finishedAt",
                http_status AS "httpStatus", outcome, error, next_attempt_at AS "nextAttemptAt", worker
         FROM dispatch_attempt WHERE request_id = $1::bigint ORDER BY dispatch_attempt.id`,
        requestId,
      )
    : [];

  const events = await q.query<EventRow[]>(
    `SELECT e.id, e.instance_id, e.phase, e.occurred_at, e.received_at, e.from_version, e.to_version, e.initiator,
            e.duration_ms::text AS duration_ms, e.error, e.trace_id, e.span_id, e.token_id, t.name AS token_name, t.prefix AS token_prefix
     FROM reload_event e LEFT JOIN ingest_token t ON t.id = e.token_id
     WHERE e.reload_id = $1 AND e.service_id = $2
     ORDER BY e.occurred_at, e.received_at, e.id
     LIMIT $3::int`,
    row.reload_id,
    row.service_id,
    EVIDENCE_EVENT_LIMIT + 1,
  );
  const eventsTruncated = events.length > EVIDENCE_EVENT_LIMIT;
  const byInstance = new Map<number, EvidenceEvent[]>();
  const controlPlaneEvents: EvidenceEvent[] = [];
  for (const e of events.slice(0, EVIDENCE_EVENT_LIMIT)) {
    const view = toEvidenceEvent(e);
    if (e.instance_id === null) controlPlaneEvents.push(view);
    else {
      const list = byInstance.get(e.instance_id);
      if (list) list.push(view);
      else byInstance.set(e.instance_id, [view]);
    }
  }
  const instanceRows = await q.query<
    {
      instance_id: number;
      instance_key: string;
      targeted: boolean;
      phase: string | null;
      phase_at: Date | null;
      error: string | null;
    }[]
  >(
    `SELECT ri.instance_id, i.instance_key, ri.targeted, ri.phase, ri.phase_at, ri.error
     FROM reload_instance ri JOIN instance i ON i.id = ri.instance_id
     WHERE ri.reload_key = $1::bigint ORDER BY i.instance_key`,
    key,
  );
  const instances = instanceRows.map((r) => ({
    instance: r.instance_key,
    targeted: r.targeted,
    phase: r.phase,
    phaseAt: r.phase_at,
    error: r.error,
    events: byInstance.get(r.instance_id) ?? [],
  }));

  const subjects = [`reload:${key}`, ...(requestId ? [`reload_request:${requestId}`] : [])];
  const auditRows = await q.query<AuditRow[]>(
    `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE subject = ANY($1::text[]) ORDER BY audit_log.id`,
    subjects,
  );
  const entries = auditRows.map((r) => {
    const entry = entryFromRow(r);
    return { ...entry, hashHolds: entryHashHolds(entry) };
  });
  const chain = await verifyAuditChain(q);
  const soundUpTo = chain.intact ? chain.lastId : chain.previousId;
  // A target URL may hold the service's token: whole for admins, its host for anyone else.
  for (const attempt of dispatchAttempts) attempt.url = targetUrlShownTo(generatedBy.role, String(attempt.url));
  return {
    format: EVIDENCE_FORMAT,
    generatedAt: now,
    generatedBy,
    reload,
    request,
    approvals,
    dispatchAttempts,
    controlPlaneEvents,
    instances,
    eventsTruncated,
    outcome: {
      status: reload.status,
      targets: reload.targets,
      acked: reload.acked,
      nacked: reload.nacked,
      failed: reload.failed,
      pending: reload.pending,
      completedAt: reload.completedAt,
      convergenceMs: reload.convergenceMs,
    },
    audit: {
      subjects,
      entries,
      entriesHold: entries.every((e) => e.hashHolds),
      chain,
      entriesInSoundChain: soundUpTo !== null && entries.every((e) => BigInt(e.id) <= BigInt(soundUpTo)),
    },
  };
}

async function requestOf(q: Sql, serviceId: number, reloadId: string): Promise<Record<string, unknown> | null> {
  const [request] = await q.query<Record<string, unknown>[]>(
    `SELECT rq.id::text AS id, rq.reload_id AS "reloadId", rq.action, rq.kind, rq.resource, rq.from_version AS "fromVersion",
            rq.to_version AS "toVersion", rq.scope, rq.targets, rq.canary, rq.reason, u.username AS "requestedBy",
            rq.requested_at AS "requestedAt", rq.expires_at AS "expiresAt", rq.change_hash AS "changeHash",
            rq.required_approvals AS "requiredApprovals", rq.required_group AS "requiredGroup", rq.status, rq.status_reason AS "statusReason",
            rq.updated_at AS "updatedAt"
     FROM reload_request rq JOIN app_user u ON u.id = rq.requested_by
     WHERE rq.service_id = $1 AND rq.reload_id = $2`,
    serviceId,
    reloadId,
  );
  return request ?? null;
}

function toEvidenceEvent(e: EventRow): EvidenceEvent {
  return {
    id: e.id,
    phase: e.phase,
    occurredAt: e.occurred_at,
    receivedAt: e.received_at,
    fromVersion: e.from_version,
    toVersion: e.to_version,
    initiator: e.initiator,
    sentBy: eventSender(e.token_id === null ? null : { id: e.token_id, name: e.token_name, prefix: e.token_prefix }),
    durationMs: e.duration_ms === null ? null : Number(e.duration_ms),
    error: e.error,
    traceId: e.trace_id,
    spanId: e.span_id,
  };
}
