import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { eventSender } from "@/lib/domain/event-sender";
import { cache } from "react";
import { sql, type Sql } from "@/lib/db/client";
import { timelineLive } from "@/lib/domain/reload-status";
import type { TimelineEventInput, TimelineTargetInput } from "@/lib/domain/timeline";
import type { TimelineSpanInput } from "@/lib/domain/timeline-spans";
import { reloadColumns, reloadFromRow, type ReloadRow } from "@/lib/domain/reload-row";
import type { Phase, ReloadStatus } from "@/lib/domain/types";
import { parseReloadKey } from "./filters";
import { SERVICE_NAME_COLUMNS, toReloadChange, type ReloadChange, type ServiceNames } from "./read-model";
import { loadReloadSpans } from "./reload-spans";

// Reads behind the reload timeline (/reloads/[id]) and its live refresh. The timeline reads
// one reload's rows only: its reload_instance rows (every target, also those that never
// reported), its events through reload_event_reload_id_occurred_at_idx, and the spans of its
// traces (./reload-spans.ts).

export interface TimelineReload extends ReloadChange {
  key: string;
  reloadId: string;
  serviceId: number;
  environment: string;
  namespace: string;
  service: string;
  requestedAt: Date | null;
  approvedAt: Date | null;
  dispatchedAt: Date | null;
  startedAt: Date | null;
  firstEventAt: Date;
  lastEventAt: Date;
  completedAt: Date | null;
  expiredAt: Date | null;
  deadlineAt: Date | null;
  convergenceMs: number | null;
  targets: number;
  succeeded: number;
  nacked: number;
  failed: number;
  rolledBack: number;
  lastError: string | null;
  /** When the reload's newest event arrived (server time), as ISO text; null before any. */
  lastArrivalAt: string | null;
  /** timelineLive: the page refreshes itself while this is true. */
  live: boolean;
}

export interface TimelineTarget extends TimelineTargetInput {
  phaseAt: Date | null;
  labels: Record<string, string>;
  /** The latest of instance.last_seen_at and the instance state's last report for the resource. */
  lastHeardAt: Date | null;
}

export interface ReloadTimelineData {
  reload: TimelineReload;
  targets: TimelineTarget[];
  events: TimelineEventInput[];
  /** Spans of the reload's traces (at most TIMELINE_SPAN_LIMIT, ./reload-spans.ts). */
  spans: TimelineSpanInput[];
  /** More spans than TIMELINE_SPAN_LIMIT: the latest were left out. */
  spansTruncated: boolean;
}

/** The reload row (reloadColumns), its service's names, and when its newest event arrived. */
interface ReloadDbRow extends ReloadRow, ServiceNames {
  last_arrival_at: Date | null;
  ms_since_last_arrival: number | null;
}

/** One reload's timeline rows, or null for a key that names no reload (malformed keys included). */
export async function getReloadTimelineData(keyText: string): Promise<ReloadTimelineData | null> {
  await requireReader();
  const key = parseReloadKey(keyText);
  if (key === null) return null;
  const q = sql();
  const [row] = await q.query<ReloadDbRow[]>(
    `SELECT ${reloadColumns("r")}, ${SERVICE_NAME_COLUMNS}, ${ARRIVAL_COLUMNS}
     FROM reload r JOIN service s ON s.id = r.service_id ${ARRIVAL_JOIN} WHERE r.id = $1::bigint`,
    key,
  );
  if (!row) return null;
  // Sequential on purpose: the embedded database serves one connection (ADR 0001).
  const targets = await loadTargets(q, row);
  const events = await loadEvents(q, row);
  const laneKeys = new Set([
    ...targets.map((t) => t.instance),
    ...events.map((e) => e.instance).filter((k): k is string => k !== null),
  ]);
  const { spans, truncated } = await loadReloadSpans(q, row, events, laneKeys);
  return { reload: toTimelineReload(row), targets, events, spans, spansTruncated: truncated };
}

function toTimelineReload(row: ReloadDbRow): TimelineReload {
  const reload = reloadFromRow(row);
  const f = reload.facts;
  return {
    key: reload.key,
    reloadId: reload.reloadId,
    serviceId: reload.serviceId,
    environment: row.environment,
    namespace: row.namespace,
    service: row.service,
    ...toReloadChange(reload),
    requestedAt: f.requestedAt,
    approvedAt: f.approvedAt,
    dispatchedAt: f.dispatchedAt,
    startedAt: f.startedAt,
    firstEventAt: f.firstEventAt,
    lastEventAt: f.lastEventAt,
    completedAt: reload.stored.completedAt,
    expiredAt: f.expiredAt,
    deadlineAt: reload.stored.deadlineAt,
    convergenceMs: reload.stored.convergenceMs,
    targets: reload.stored.targets,
    succeeded: reload.counts.succeeded,
    nacked: reload.counts.nacked,
    failed: reload.counts.failed,
    rolledBack: reload.counts.rolledBack,
    lastError: f.lastError,
    lastArrivalAt: row.last_arrival_at?.toISOString() ?? null,
    live: timelineLive(reload.status, row.ms_since_last_arrival),
  };
}

// When the reload's newest event arrived, and how long ago, both the database's own times
// (for timelineLive, and for the live refresh: an event that arrives late with an earlier
// occurredAt does not move last_event_at, but it moves this).
const ARRIVAL_JOIN = `LEFT JOIN LATERAL (SELECT max(e.received_at) AS at FROM reload_event e WHERE e.reload_id = r.reload_id AND e.service_id = r.service_id) arrival ON true`;
const ARRIVAL_COLUMNS = `arrival.at AS last_arrival_at, (extract(epoch from now() - arrival.at) * 1000)::float8 AS ms_since_last_arrival`;

// Times come as epoch milliseconds (float8): parsing thousands of timestamptz texts into Dates
// was most of the read's cost for a 2,000-target reload; a number becomes a Date for free.
const EPOCH_MS = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;
const toDate = (ms: number | null) => (ms === null ? null : new Date(ms));

async function loadTargets(q: Sql, reload: ReloadDbRow): Promise<TimelineTarget[]> {
  const rows = await q.query<
    {
      instance_key: string;
      targeted: boolean;
      phase: string | null;
      phase_at: number | null;
      error: string | null;
      labels: Record<string, string> | null;
      last_heard_at: number | null;
    }[]
  >(
    `SELECT i.instance_key, ri.targeted, ri.phase, ${EPOCH_MS("ri.phase_at")} AS phase_at, ri.error,
            nullif(i.labels, '{}'::jsonb) AS labels, ${EPOCH_MS("greatest(i.last_seen_at, st.last_phase_at)")} AS last_heard_at
     FROM reload_instance ri
     JOIN instance i ON i.id = ri.instance_id
     LEFT JOIN instance_state st ON st.instance_id = ri.instance_id AND st.kind = $2 AND st.resource = $3
     WHERE ri.reload_key = $1::bigint`,
    reload.key,
    reload.kind,
    reload.resource,
  );
  return rows.map((r) => ({
    instance: r.instance_key,
    targeted: r.targeted,
    phase: r.phase as Phase | null,
    phaseAt: toDate(r.phase_at),
    error: r.error,
    labels: r.labels ?? {},
    lastHeardAt: toDate(r.last_heard_at),
  }));
}

async function loadEvents(q: Sql, reload: ReloadDbRow): Promise<TimelineEventInput[]> {
  const rows = await q.query<
    {
      id: string;
      instance_key: string | null;
      phase: string;
      occurred_at: number;
      received_at: number;
      duration_ms: string | null;
      error: string | null;
      trace_id: string | null;
      span_id: string | null;
      from_version: string | null;
      to_version: string | null;
      initiator: string | null;
      attributes: Record<string, unknown> | null;
      token_id: number | null;
      token_name: string | null;
      token_prefix: string | null;
    }[]
  >(
    `SELECT e.id, i.instance_key, e.phase, ${EPOCH_MS("e.occurred_at")} AS occurred_at, ${EPOCH_MS("e.received_at")} AS received_at,
            e.duration_ms::text AS duration_ms, e.error, e.trace_id, e.span_id, e.from_version, e.to_version, e.initiator,
            nullif(e.attributes, '{}'::jsonb) AS attributes, e.token_id, t.name AS token_name, t.prefix AS token_prefix
     FROM reload_event e LEFT JOIN instance i ON i.id = e.instance_id LEFT JOIN ingest_token t ON t.id = e.token_id
     WHERE e.reload_id = $1 AND e.service_id = $2
     ORDER BY e.occurred_at, e.received_at, e.id`,
    reload.reload_id,
    reload.service_id,
  );
  return rows.map((r) => ({
    id: r.id,
    instance: r.instance_key,
    phase: r.phase as Phase,
    occurredAt: new Date(r.occurred_at),
    receivedAt: new Date(r.received_at),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    error: r.error,
    traceId: r.trace_id,
    spanId: r.span_id,
    fromVersion: r.from_version,
    toVersion: r.to_version,
    initiator: r.initiator,
    attributes: r.attributes ?? {},
    sentBy: eventSender(r.token_id === null ? null : { id: r.token_id, name: r.token_name, prefix: r.token_prefix }),
  }));
}

/** What a poll of a live timeline needs: whether the reload moved since the page rendered. */
export interface ReloadProgress {
  status: ReloadStatus;
  lastEventAt: string;
  /** when the newest event arrived (server time); the live refresh compares this */
  lastArrivalAt: string | null;
  /** timelineLive: the page keeps refreshing while this is true. */
  live: boolean;
}

export async function getReloadProgress(keyText: string): Promise<ReloadProgress | null> {
  await requireReader();
  const key = parseReloadKey(keyText);
  if (key === null) return null;
  const [row] = await sql().query<
    { status: string; last_event_at: Date; last_arrival_at: Date | null; ms_since_last_arrival: number | null }[]
  >(`SELECT r.status, r.last_event_at, ${ARRIVAL_COLUMNS} FROM reload r ${ARRIVAL_JOIN} WHERE r.id = $1::bigint`, key);
  if (!row) return null;
  const status = row.status as ReloadStatus;
  return {
    status,
    lastEventAt: row.last_event_at.toISOString(),
    lastArrivalAt: row.last_arrival_at?.toISOString() ?? null,
    live: timelineLive(status, row.ms_since_last_arrival),
  };
}

/** A reload's name for the layout's 404 check and the page title; cached per request. */
export const getReloadHeader = cache(
  async (keyText: string): Promise<{ key: string; reloadId: string; service: string; environment: string } | null> => {
    await requireReader();
    const key = parseReloadKey(keyText);
    if (key === null) return null;
    const [row] = await sql().query<{ key: string; reload_id: string; service: string; environment: string }[]>(
      `SELECT r.id::text AS key, r.reload_id, s.name AS service, s.environment FROM reload r JOIN service s ON s.id = r.service_id WHERE r.id = $1::bigint`,
      key,
    );
    return row ? { key: row.key, reloadId: row.reload_id, service: row.service, environment: row.environment } : null;
  },
);
