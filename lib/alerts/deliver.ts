import "server-only";
import { sql } from "@/lib/db/client";
import { column, sqlParams } from "@/lib/db/sql-params";
import {
  ALERT_CHANNELS,
  DEFAULT_DELIVERY_POLICY,
  NO_HISTORY,
  attemptOutcome,
  dueNotification,
  type AlertChannel,
  type AlertEventName,
  type AttemptResult,
  type ChannelHistory,
  type DeliveryOutcome,
  type DeliveryPolicy,
  type DueNotification,
  type LastAttempt,
} from "@/lib/domain/alert-delivery";
import { activeSilenceFor, type Silence } from "@/lib/domain/alerts/silences";
import { env } from "@/lib/env";
import { ALERT_VIEW_COLUMNS, ALERT_VIEW_FROM, toAlertView, type AlertViewRow } from "./alert-view";
import { alertmanagerAlert, slackMessage, webhookBody, webhookSignature, type DeliverableAlert } from "./payloads";

// Alert delivery (docs/adr/0016-alert-delivery.md). What is due is derived
// from the alert and alert_delivery tables on every run (lib/domain/alert-delivery.ts), so
// the tables are the queue: evaluation never waits on a receiver, a crash loses nothing,
// and Alertmanager's re-send every ALERT_RESEND_SECONDS needs no job of its own. One
// process delivers at a time: the schedule runs this under the delivery lease
// (lib/worker/periodic-jobs.ts). No transaction is held while a receiver answers (the
// embedded database has one connection).

export interface DeliveryConfig {
  alertmanagerUrl: string | null;
  slackWebhookUrl: string | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  /** Where people open the dashboard: the base of every link sent. */
  baseUrl: string;
  policy: DeliveryPolicy;
}

export function deliveryConfig(): DeliveryConfig {
  const e = env();
  return {
    alertmanagerUrl: e.ALERTMANAGER_URL ?? null,
    slackWebhookUrl: e.ALERT_SLACK_WEBHOOK_URL ?? null,
    webhookUrl: e.ALERT_WEBHOOK_URL ?? null,
    webhookSecret: e.ALERT_WEBHOOK_SECRET ?? null,
    baseUrl: e.PUBLIC_URL ?? e.NEXTAUTH_URL ?? "http://localhost:3000",
    policy: { ...DEFAULT_DELIVERY_POLICY, resendMs: e.ALERT_RESEND_SECONDS * 1000 },
  };
}

function configuredChannels(config: DeliveryConfig): AlertChannel[] {
  return ALERT_CHANNELS.filter((c) =>
    c === "alertmanager" ? config.alertmanagerUrl : c === "slack" ? config.slackWebhookUrl : config.webhookUrl,
  );
}

/** Whether any channel (ALERTMANAGER_URL, ALERT_SLACK_WEBHOOK_URL, ALERT_WEBHOOK_URL) is set: the pages say so when none is. */
export function alertChannelsConfigured(config: DeliveryConfig = deliveryConfig()): boolean {
  return configuredChannels(config).length > 0;
}

export interface DeliveryRun {
  /** Attempts made, by outcome. */
  delivered: number;
  failed: number;
  gaveUp: number;
  ms: number;
}

/** Open alerts considered per run, oldest first; more wait for the next run. */
const MAX_ALERTS = 5_000;
/** Slack and webhook posts per channel per run (one post per alert). */
const MAX_POSTS_PER_CHANNEL = 200;
/** Alertmanager takes alerts in batches, as Prometheus posts them. */
const ALERTMANAGER_BATCH = 500;
const POST_TIMEOUT_MS = 10_000;
/** How long after resolution a resolved notification is still tried. */
const RESOLVED_LOOKBACK_MS = 86_400_000;

/**
 * One delivery run: derives what is due, posts it, records every attempt. The caller makes
 * it the only one (the schedule holds the delivery lease). `now` is the server time every
 * decision and recorded time uses (tests pass it to step through retries and re-sends
 * without waiting).
 */
export async function deliverAlerts(
  options: { now?: Date; config?: DeliveryConfig; random?: () => number } = {},
): Promise<DeliveryRun> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const config = options.config ?? deliveryConfig();
  const random = options.random ?? Math.random;
  const run: DeliveryRun = { delivered: 0, failed: 0, gaveUp: 0, ms: 0 };
  const channels = configuredChannels(config);
  if (channels.length === 0) return run;

  const q = sql();

  const { alerts, history, activeSilences } = await loadCandidates(now);
  const due: { alert: DeliverableAlert; channel: AlertChannel; notification: DueNotification }[] = [];
  for (const alert of alerts) {
    const silenced =
      activeSilenceFor(
        activeSilences,
        { rule: alert.rule, serviceId: alert.service?.id ?? null, fingerprint: alert.fingerprint },
        now,
      ) !== null;
    const deliverable = { ...alert, silenced };
    for (const channel of channels) {
      const notification = dueNotification(
        deliverable,
        channel,
        history.get(`${alert.id}/${channel}`) ?? NO_HISTORY,
        now,
        config.policy,
      );
      if (notification) due.push({ alert: deliverable, channel, notification });
    }
  }

  const attempts: RecordedAttempt[] = [];
  const record = (item: (typeof due)[number], result: AttemptResult) => {
    const { outcome, nextAttemptAt } = attemptOutcome(result, item.notification.attempt, now, config.policy, random);
    attempts.push({
      alertId: item.alert.id,
      channel: item.channel,
      event: item.notification.event,
      attempt: item.notification.attempt,
      httpStatus: result.status,
      outcome,
      error: result.ok ? null : result.error,
      nextAttemptAt,
      refreshes: outcome === "delivered" ? item.notification.refreshes : null,
    });
    if (outcome !== "delivered") {
      // Channel and alert only: the URLs may hold tokens (a Slack webhook's path is one).
      console.warn(
        `[alerts] ${item.channel} ${item.notification.event} of alert ${item.alert.id}, attempt ${item.notification.attempt}: ${outcome} (${result.ok ? "" : result.error})`,
      );
    }
  };

  const toAlertmanager = due.filter((d) => d.channel === "alertmanager");
  for (let i = 0; i < toAlertmanager.length; i += ALERTMANAGER_BATCH) {
    const batch = toAlertmanager.slice(i, i + ALERTMANAGER_BATCH);
    const body = JSON.stringify(
      batch.map((d) => alertmanagerAlert(d.alert, d.notification.event, now, config.policy, config.baseUrl)),
    );
    const result = await post(`${config.alertmanagerUrl!.replace(/\/+$/, "")}/api/v2/alerts`, body, {}, [
      config.alertmanagerUrl!,
    ]);
    for (const item of batch) record(item, result);
  }
  for (const channel of ["slack", "webhook"] as const) {
    const url = channel === "slack" ? config.slackWebhookUrl : config.webhookUrl;
    if (!url) continue;
    for (const item of due.filter((d) => d.channel === channel).slice(0, MAX_POSTS_PER_CHANNEL)) {
      const { event, attempt } = item.notification;
      let body: string;
      const headers: Record<string, string> = {};
      if (channel === "slack") {
        body = JSON.stringify(slackMessage(item.alert, event, config.baseUrl));
      } else {
        body = JSON.stringify(webhookBody(item.alert, event, now, config.baseUrl));
        headers["x-reloadscope-event"] = event;
        // The same for every attempt of one notification: a receiver can drop repeats.
        headers["x-reloadscope-delivery"] =
          `${item.alert.id}-${event}-${item.alert.resolvedAt?.getTime() ?? item.alert.startedAt.getTime()}`;
        headers["x-reloadscope-attempt"] = String(attempt);
        if (config.webhookSecret) headers["x-reloadscope-signature"] = webhookSignature(config.webhookSecret, body);
      }
      record(item, await post(url, body, headers, [url, config.webhookSecret]));
    }
  }

  await saveAttempts(q, attempts, now);
  for (const a of attempts) {
    if (a.outcome === "delivered") run.delivered++;
    else if (a.outcome === "failed") run.failed++;
    else run.gaveUp++;
  }
  run.ms = Math.round(performance.now() - started);
  return run;
}

interface RecordedAttempt {
  alertId: string;
  channel: AlertChannel;
  event: AlertEventName;
  attempt: number;
  httpStatus: number | null;
  outcome: DeliveryOutcome;
  error: string | null;
  nextAttemptAt: Date | null;
  refreshes: string | null;
}

interface HistoryRow {
  id: string;
  alert_id: string;
  channel: AlertChannel;
  event: AlertEventName;
  attempt: number;
  at: Date;
  outcome: DeliveryOutcome;
  next_attempt_at: Date | null;
  firing_delivered: boolean;
}

/**
 * The open alerts, and the resolved ones (of the last day) that some channel heard fire
 * and has not yet heard end; the newest attempt of each alert × channel × event; the
 * active silences. Three bounded reads.
 */
async function loadCandidates(now: Date) {
  const q = sql();
  const rows = await q.query<AlertViewRow[]>(
    `SELECT ${ALERT_VIEW_COLUMNS}
     ${ALERT_VIEW_FROM}
     WHERE a.state <> 'resolved'
        OR (a.resolved_at >= $1::timestamptz
            AND (SELECT count(DISTINCT d.channel) FROM alert_delivery d WHERE d.alert_id = a.id AND d.event = 'firing' AND d.outcome = 'delivered')
              > (SELECT count(DISTINCT d.channel) FROM alert_delivery d WHERE d.alert_id = a.id AND d.event = 'resolved' AND d.outcome IN ('delivered', 'gave_up')))
     ORDER BY a.id
     LIMIT $2`,
    new Date(now.getTime() - RESOLVED_LOOKBACK_MS).toISOString(),
    MAX_ALERTS,
  );
  const ids = rows.map((r) => r.id);
  const [historyRows, silenceRows] = await Promise.all([
    ids.length === 0
      ? Promise.resolve([] as HistoryRow[])
      : q.query<HistoryRow[]>(
          `SELECT DISTINCT ON (alert_id, channel, event)
                  id::text AS id, alert_id::text AS alert_id, channel, event, attempt, at, outcome, next_attempt_at,
                  bool_or(event = 'firing' AND outcome = 'delivered') OVER (PARTITION BY alert_id, channel) AS firing_delivered
           FROM alert_delivery WHERE alert_id = ANY($1::bigint[])
           ORDER BY alert_id, channel, event, id DESC`,
          ids,
        ),
    q.query<
      {
        rule: string | null;
        service_id: number | null;
        fingerprint: string | null;
        expires_at: Date;
        ended_at: Date | null;
      }[]
    >(
      `SELECT rule, service_id, fingerprint, expires_at, ended_at FROM alert_silence
       WHERE (ended_at IS NULL OR ended_at > $1::timestamptz) AND expires_at > $1::timestamptz`,
      now.toISOString(),
    ),
  ]);

  const history = new Map<string, ChannelHistory>();
  for (const h of historyRows) {
    const key = `${h.alert_id}/${h.channel}`;
    const entry: ChannelHistory = history.get(key) ?? { firing: null, resolved: null, firingDelivered: false };
    const last: LastAttempt = {
      id: h.id,
      attempt: h.attempt,
      at: h.at,
      outcome: h.outcome,
      nextAttemptAt: h.next_attempt_at,
    };
    entry[h.event] = last;
    entry.firingDelivered ||= h.firing_delivered;
    history.set(key, entry);
  }
  const activeSilences: Pick<Silence, "rule" | "serviceId" | "fingerprint" | "expiresAt" | "endedAt">[] =
    silenceRows.map((s) => ({
      rule: s.rule,
      serviceId: s.service_id,
      fingerprint: s.fingerprint,
      expiresAt: s.expires_at,
      endedAt: s.ended_at,
    }));
  const alerts: DeliverableAlert[] = rows.map((r) => ({ ...toAlertView(r), silenced: false }));
  return { alerts, history, activeSilences };
}

/**
 * Every attempt as a row; a successful Alertmanager re-send refreshes the time of the row
 * it repeats instead (a row a minute per firing alert would be 1,440 rows a day each).
 * Rows of an alert deleted meanwhile (its service was) are skipped.
 */
async function saveAttempts(q: ReturnType<typeof sql>, attempts: RecordedAttempt[], now: Date): Promise<void> {
  const refreshed = attempts.filter((a) => a.refreshes !== null);
  const inserted = attempts.filter((a) => a.refreshes === null);
  if (refreshed.length > 0) {
    await q.execute(
      `UPDATE alert_delivery SET at = $1::timestamptz WHERE id = ANY($2::bigint[])`,
      now.toISOString(),
      refreshed.map((a) => a.refreshes),
    );
  }
  if (inserted.length === 0) return;
  const p = sqlParams();
  const at = p.value(now.toISOString(), "timestamptz");
  const u = p.unnest({
    alert_id: column.bigint(inserted.map((a) => a.alertId)),
    channel: column.text(inserted.map((a) => a.channel)),
    event: column.text(inserted.map((a) => a.event)),
    attempt: column.int(inserted.map((a) => a.attempt)),
    http_status: column.int(inserted.map((a) => a.httpStatus)),
    outcome: column.text(inserted.map((a) => a.outcome)),
    error: column.text(inserted.map((a) => a.error)),
    next_attempt_at: column.timestamptz(inserted.map((a) => a.nextAttemptAt)),
  });
  await q.execute(
    `INSERT INTO alert_delivery (alert_id, channel, event, attempt, at, http_status, outcome, error, next_attempt_at)
     SELECT u.alert_id, u.channel, u.event, u.attempt, ${at}, u.http_status, u.outcome, u.error, u.next_attempt_at
     FROM ${u.as("u")}
     WHERE EXISTS (SELECT 1 FROM alert a WHERE a.id = u.alert_id)`,
    ...p.values,
  );
}

/**
 * One POST with a timeout. The error kept for the page names the failure (status and the
 * start of the answer, or the network error's code), with any of `secrets` (URLs with
 * tokens, the signing secret) cut out of it.
 */
async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  secrets: (string | null)[],
): Promise<AttemptResult> {
  const needles = secrets.flatMap((secret) => {
    if (!secret) return [];
    const path = URL.canParse(secret) ? new URL(secret).pathname : "";
    return path.length > 8 ? [secret, path] : [secret];
  });
  const redact = (text: string) => needles.reduce((t, needle) => t.split(needle).join("[redacted]"), text);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Reloadscope-Alerts/1", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
    const text = await response.text().catch(() => "");
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    const retryAfter = Number(response.headers.get("retry-after"));
    return {
      ok: false,
      status: response.status,
      error: redact(`HTTP ${response.status}${text ? `: ${text.replace(/\s+/g, " ").trim().slice(0, 200)}` : ""}`),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const what =
      e.name === "TimeoutError"
        ? `no answer within ${POST_TIMEOUT_MS / 1000} s`
        : (e.cause?.code ?? e.name ?? "network error");
    return { ok: false, status: null, error: redact(what) };
  }
}
