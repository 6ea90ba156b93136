import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import type { AlertChannel, AlertEventName, DeliveryOutcome } from "@/lib/domain/alert-delivery";
import { activeSilenceFor } from "@/lib/domain/alerts/silences";
import type { AlertView, Severity } from "@/lib/domain/alerts/types";
import { ALERT_VIEW_COLUMNS, ALERT_VIEW_FROM, toAlertView, type AlertViewRow } from "./alert-view";
import type { AlertFilters, AlertTab } from "./filters";
import { toSilenceFields, type SilenceSqlRow } from "./silence-row";

// Reads for the alert pages, the nav link and the badges: bounded, one statement each.

export const ALERT_PAGE_LIMIT = 100;
const DELIVERIES_ON_DETAIL = 200;

export interface AlertListItem extends AlertView {
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  /** The active silence that covers it (its state is kept; it is not delivered). */
  silence: { id: string; expiresAt: Date; comment: string; createdBy: string | null } | null;
  /** The newest attempt per channel, with how many attempts that channel has had. */
  deliveries: DeliverySummary[];
}

/** The newest attempt on one channel, with how many attempts that channel has had. */
export interface DeliverySummary extends Omit<DeliveryAttempt, "id"> {
  attempts: number;
}

/** One attempt to deliver an alert's firing or resolution to one channel. */
export interface DeliveryAttempt {
  id: string;
  channel: AlertChannel;
  event: AlertEventName;
  attempt: number;
  outcome: DeliveryOutcome;
  at: Date;
  httpStatus: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

/** An alert_delivery row's columns as DELIVERY_COLUMNS selects them. */
interface DeliverySqlRow {
  channel: AlertChannel;
  event: AlertEventName;
  attempt: number;
  outcome: DeliveryOutcome;
  at: Date;
  http_status: number | null;
  error: string | null;
  next_attempt_at: Date | null;
}

const DELIVERY_COLUMNS = "channel, event, attempt, outcome, at, http_status, error, next_attempt_at";

function toDelivery(r: DeliverySqlRow): Omit<DeliveryAttempt, "id"> {
  return {
    channel: r.channel,
    event: r.event,
    attempt: r.attempt,
    outcome: r.outcome,
    at: r.at,
    httpStatus: r.http_status,
    error: r.error,
    nextAttemptAt: r.next_attempt_at,
  };
}

interface AlertSqlRow extends AlertViewRow {
  last_seen_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
}

const SELECT_ALERT = `
  SELECT ${ALERT_VIEW_COLUMNS}, a.last_seen_at, a.acknowledged_at, u.username AS acknowledged_by
  ${ALERT_VIEW_FROM}
  LEFT JOIN app_user u ON u.id = a.acknowledged_by`;

/** `%`, `_` and `\` of someone's search text match themselves in ILIKE. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The filters other than the tab, as SQL over `a` and `s` from $2 on ($1 is left to the caller). */
function filterSql(filters: AlertFilters): { where: string; params: unknown[] } {
  return {
    where: `($2::text IS NULL OR a.rule = $2)
        AND ($3::text IS NULL OR a.severity = $3)
        AND ($4::text IS NULL OR concat_ws('/', s.environment, NULLIF(s.namespace, ''), s.name) ILIKE $4)
        AND ($5::text IS NULL OR a.summary ILIKE $5 OR a.resource ILIKE $5 OR a.fingerprint ILIKE $5)`,
    params: [
      filters.rule,
      filters.severity,
      filters.service ? likePattern(filters.service) : null,
      filters.text ? likePattern(filters.text) : null,
    ],
  };
}

async function activeSilences(now: Date) {
  const rows = await sql().query<SilenceSqlRow<string | null>[]>(
    `SELECT x.id::text AS id, x.rule, x.service_id, x.fingerprint, x.comment, u.username AS created_by, x.expires_at, x.ended_at
     FROM alert_silence x LEFT JOIN app_user u ON u.id = x.created_by
     WHERE (x.ended_at IS NULL OR x.ended_at > $1::timestamptz) AND x.expires_at > $1::timestamptz
     ORDER BY x.expires_at DESC LIMIT 1000`,
    now.toISOString(),
  );
  return rows.map(toSilenceFields);
}

function toItem(
  r: AlertSqlRow,
  silences: Awaited<ReturnType<typeof activeSilences>>,
  now: Date,
  deliveries: DeliverySummary[],
): AlertListItem {
  const silence =
    r.state === "resolved"
      ? null
      : activeSilenceFor(silences, { rule: r.rule, serviceId: r.service_id, fingerprint: r.fingerprint }, now);
  return {
    ...toAlertView(r),
    lastSeenAt: r.last_seen_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    silence: silence
      ? { id: silence.id, expiresAt: silence.expiresAt, comment: silence.comment, createdBy: silence.createdBy }
      : null,
    deliveries,
  };
}

export interface AlertList {
  items: AlertListItem[];
  /** Alerts per tab under the other filters. */
  counts: Record<AlertTab, number>;
  /** More than ALERT_PAGE_LIMIT match: the newest are shown. */
  truncated: boolean;
  generatedAt: Date;
}

/** One tab of /alerts: newest first (resolved ones by when they resolved), at most ALERT_PAGE_LIMIT. */
export async function listAlerts(filters: AlertFilters, now = new Date()): Promise<AlertList> {
  await requireReader();
  const q = sql();
  const { where, params } = filterSql(filters);
  const order = filters.tab === "resolved" ? "a.resolved_at DESC, a.id DESC" : "a.started_at DESC, a.id DESC";
  const [rows, countRows, silences] = await Promise.all([
    q.query<AlertSqlRow[]>(
      `${SELECT_ALERT} WHERE a.state = $1 AND ${where} ORDER BY ${order} LIMIT ${ALERT_PAGE_LIMIT + 1}`,
      filters.tab,
      ...params,
    ),
    q.query<{ state: AlertTab; n: number }[]>(
      `SELECT a.state, count(*)::int AS n FROM alert a LEFT JOIN service s ON s.id = a.service_id WHERE $1::text IS NULL AND ${where} GROUP BY a.state`,
      null,
      ...params,
    ),
    activeSilences(now),
  ]);
  const shown = rows.slice(0, ALERT_PAGE_LIMIT);
  const deliveries = await deliverySummaries(shown.map((r) => r.id));
  const counts: Record<AlertTab, number> = { firing: 0, acknowledged: 0, resolved: 0 };
  for (const c of countRows) counts[c.state] = c.n;
  const items = shown.map((r) => toItem(r, silences, now, deliveries.get(r.id) ?? []));
  // Silenced alerts stay in their tab (their state is unchanged) but after the ones that need
  // someone; the sort is stable, so each part keeps the newest-first order.
  items.sort((a, b) => Number(a.silence !== null) - Number(b.silence !== null));
  return {
    items,
    counts,
    truncated: rows.length > ALERT_PAGE_LIMIT,
    generatedAt: now,
  };
}

async function deliverySummaries(alertIds: string[]): Promise<Map<string, DeliverySummary[]>> {
  const out = new Map<string, DeliverySummary[]>();
  if (alertIds.length === 0) return out;
  const rows = await sql().query<(DeliverySqlRow & { alert_id: string; attempts: number })[]>(
    `SELECT DISTINCT ON (alert_id, channel) alert_id::text AS alert_id, ${DELIVERY_COLUMNS},
            (count(*) OVER (PARTITION BY alert_id, channel))::int AS attempts
     FROM alert_delivery WHERE alert_id = ANY($1::bigint[])
     ORDER BY alert_id, channel, id DESC`,
    alertIds,
  );
  for (const r of rows) {
    const list = out.get(r.alert_id) ?? [];
    list.push({ ...toDelivery(r), attempts: r.attempts });
    out.set(r.alert_id, list);
  }
  return out;
}

export interface AlertDetail {
  alert: AlertListItem;
  /** Newest first, at most 200. */
  attempts: DeliveryAttempt[];
  generatedAt: Date;
}

export async function getAlert(id: string, now = new Date()): Promise<AlertDetail | null> {
  await requireReader();
  if (!/^[1-9]\d{0,18}$/.test(id)) return null;
  const q = sql();
  const [rows, silences, attempts, summaries] = await Promise.all([
    q.query<AlertSqlRow[]>(`${SELECT_ALERT} WHERE a.id = $1::bigint`, id),
    activeSilences(now),
    q.query<(DeliverySqlRow & { id: string })[]>(
      `SELECT id::text AS id, ${DELIVERY_COLUMNS}
       FROM alert_delivery WHERE alert_id = $1::bigint ORDER BY id DESC LIMIT ${DELIVERIES_ON_DETAIL}`,
      id,
    ),
    deliverySummaries([id]),
  ]);
  const row = rows[0];
  if (!row) return null;
  return {
    alert: toItem(row, silences, now, summaries.get(id) ?? []),
    attempts: attempts.map((a) => ({ id: a.id, ...toDelivery(a) })),
    generatedAt: now,
  };
}

export interface AlertStatus {
  /** Every firing alert, silenced or not (a silenced alert's state stays firing). */
  firing: number;
  /** Of those, the ones an active silence covers: the header's badge leaves them out. */
  silenced: number;
  acknowledged: number;
  /** Changes whenever an alert opens, changes, resolves or a delivery is recorded. */
  version: string;
}

/** For the nav link and the page's live refresh: open counts and a change marker, one statement. */
export async function getAlertStatus(): Promise<AlertStatus> {
  await requireReader();
  const [row] = await sql().query<
    {
      firing: number;
      silenced: number;
      acknowledged: number;
      updated: Date | null;
      delivery: string | null;
      total: string;
    }[]
  >(
    // "silenced" matches as silenceMatches/isSilenceActive do (lib/domain/alerts/silences.ts):
    // every field a silence sets must match, and one that sets none matches nothing.
    `SELECT (SELECT count(*) FROM alert WHERE state = 'firing')::int AS firing,
            (SELECT count(*) FROM alert a WHERE a.state = 'firing' AND EXISTS (
               SELECT 1 FROM alert_silence x
               WHERE x.expires_at > CURRENT_TIMESTAMP AND (x.ended_at IS NULL OR x.ended_at > CURRENT_TIMESTAMP)
                 AND (x.rule IS NOT NULL OR x.service_id IS NOT NULL OR x.fingerprint IS NOT NULL)
                 AND (x.rule IS NULL OR x.rule = a.rule) AND (x.service_id IS NULL OR x.service_id = a.service_id)
                 AND (x.fingerprint IS NULL OR x.fingerprint = a.fingerprint)))::int AS silenced,
            (SELECT count(*) FROM alert WHERE state = 'acknowledged')::int AS acknowledged,
            (SELECT max(updated_at) FROM alert) AS updated,
            (SELECT max(id) FROM alert_delivery)::text AS delivery,
            (SELECT max(id) FROM alert)::text AS total`,
  );
  return {
    firing: row?.firing ?? 0,
    silenced: row?.silenced ?? 0,
    acknowledged: row?.acknowledged ?? 0,
    version: [
      row?.firing,
      row?.silenced,
      row?.acknowledged,
      row?.updated?.toISOString() ?? "",
      row?.delivery ?? "",
      row?.total ?? "",
    ].join("|"),
  };
}

/** Open alerts of a service, or of one of its kind × resource cells. */
export interface AlertBadge {
  open: number;
  firing: number;
  worst: Severity;
}

export interface ServiceAlertBadges {
  byService: Map<number, AlertBadge>;
  /** `${serviceId}/${kind}` → the open alerts about a resource of that kind. */
  byKind: Map<string, AlertBadge>;
  /** `${serviceId}/${kind}/${resource}` */
  byResource: Map<string, AlertBadge>;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

function add(
  map: Map<string, AlertBadge> | Map<number, AlertBadge>,
  key: string | number,
  row: { open: number; firing: number; worst: Severity },
) {
  const m = map as Map<string | number, AlertBadge>;
  const b = m.get(key);
  if (!b) m.set(key, { open: row.open, firing: row.firing, worst: row.worst });
  else {
    b.open += row.open;
    b.firing += row.firing;
    if (SEVERITY_RANK[row.worst] < SEVERITY_RANK[b.worst]) b.worst = row.worst;
  }
}

/** The open alerts of these services, grouped by service and by kind × resource: one grouped statement over the open-alert index. */
export async function getAlertBadges(serviceIds: number[]): Promise<ServiceAlertBadges> {
  await requireReader();
  const badges: ServiceAlertBadges = { byService: new Map(), byKind: new Map(), byResource: new Map() };
  if (serviceIds.length === 0) return badges;
  const rows = await sql().query<
    {
      service_id: number;
      kind: string | null;
      resource: string | null;
      open: number;
      firing: number;
      worst: Severity;
    }[]
  >(
    `SELECT service_id, kind, resource, count(*)::int AS open, count(*) FILTER (WHERE state = 'firing')::int AS firing,
            (ARRAY['critical', 'warning', 'info'])[min(CASE severity WHEN 'critical' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END)] AS worst
     FROM alert WHERE state <> 'resolved' AND service_id = ANY($1::int[])
     GROUP BY service_id, kind, resource`,
    serviceIds,
  );
  for (const r of rows) {
    add(badges.byService, r.service_id, r);
    if (r.kind) add(badges.byKind, `${r.service_id}/${r.kind}`, r);
    if (r.kind && r.resource) add(badges.byResource, `${r.service_id}/${r.kind}/${r.resource}`, r);
  }
  return badges;
}

/** Whether an alert with this id exists (the detail page's 404 check). */
export async function alertExists(id: string): Promise<boolean> {
  await requireReader();
  if (!/^[1-9]\d{0,18}$/.test(id)) return false;
  const rows = await sql().query<object[]>(`SELECT 1 FROM alert WHERE id = $1::bigint`, id);
  return rows.length > 0;
}
