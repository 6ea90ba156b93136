// Alert delivery (docs/adr/0016) against a real Alertmanager (Debian's prometheus-alertmanager,
// tests/support/alertmanager.ts) and local HTTP receivers: an alert opened by evaluation from
// ingested events reaches Alertmanager's own API with routable labels, its webhook receiver,
// a Slack-format and a generic webhook; resolution resolves it everywhere; failed attempts are
// retried with backoff and every attempt is recorded. The sender is driven with `now`; the
// tests wait for conditions (Alertmanager's API, a received request), never a fixed time.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { deliverAlerts, type DeliveryConfig } from "@/lib/alerts/deliver";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { sql } from "@/lib/db/client";
import { DEFAULT_DELIVERY_POLICY } from "@/lib/domain/alert-delivery";
import { resetEnvCache } from "@/lib/env";
import { alertDelivery, LEASES } from "@/lib/worker/periodic-jobs";
import { runOnce } from "@/lib/worker/schedule";
import { freePort } from "@/scripts/next-server";
import { alertsOf, type AlertRow } from "../support/alerts";
import { startAlertmanager, type RunningAlertmanager } from "../support/alertmanager";
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from "../support/http-receiver";
import { acceptEvents, scopedReload } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const BASE_URL = "http://reloadscope.test";
const SECRET = "webhook-signing-secret-0001";
const checkout = { environment: "prod", namespace: "payments", service: "checkout-api" };

let routed: HttpReceiver; // Alertmanager's webhook receiver
let slack: HttpReceiver;
let webhook: HttpReceiver;
let alertmanager: RunningAlertmanager;

beforeAll(async () => {
  process.env.DRIFT_THRESHOLD_SECONDS = "300";
  process.env.RELOAD_TIMEOUT_SECONDS = "900";
  resetEnvCache();
  [routed, slack, webhook] = await Promise.all([startHttpReceiver(), startHttpReceiver(), startHttpReceiver()]);
  alertmanager = await startAlertmanager(`${routed.url}/alertmanager`);
});

afterAll(async () => {
  await alertmanager?.stop();
  await Promise.all([routed?.close(), slack?.close(), webhook?.close()]);
});

function config(
  channels: Partial<Pick<DeliveryConfig, "alertmanagerUrl" | "slackWebhookUrl" | "webhookUrl">>,
): DeliveryConfig {
  return {
    alertmanagerUrl: null,
    slackWebhookUrl: null,
    webhookUrl: null,
    webhookSecret: SECRET,
    baseUrl: BASE_URL,
    policy: { ...DEFAULT_DELIVERY_POLICY, resendMs: 60_000 },
    ...channels,
  };
}

/** A fixed jitter, so the backoff's bounds are exact. */
const midJitter = () => 0.5;

interface DeliveryRow {
  channel: string;
  event: string;
  attempt: number;
  at: Date;
  http_status: number | null;
  outcome: string;
  error: string | null;
  next_attempt_at: Date | null;
}

async function deliveriesOf(alertId: string): Promise<DeliveryRow[]> {
  return sql().query<DeliveryRow[]>(
    // Rows of one run are written by one INSERT in no particular order: by channel within a run.
    `SELECT channel, event, attempt, at, http_status, outcome, error, next_attempt_at FROM alert_delivery WHERE alert_id = $1::bigint ORDER BY at, channel, id`,
    alertId,
  );
}

/** A reload with NACKs → one reload_failures alert, opened by evaluation. */
async function openFailureAlert(reloadId: string): Promise<AlertRow> {
  await acceptEvents(
    scopedReload(checkout, reloadId, "config", "routes.yaml", "v1", "v2", 10, {
      "pod-a": "acked",
      "pod-b": "nacked",
      "pod-c": "nacked",
    }),
  );
  const result = await evaluateAlerts({ now: new Date(), rules: ["reload_failures"] });
  expect(result.opened).toHaveLength(1);
  const alert = (await alertsOf("reload_failures")).find((a) => a.details.reloadId === reloadId);
  expect(alert?.state).toBe("firing");
  return alert!;
}

const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body) as Record<string, unknown>;

describe("alert delivery", () => {
  test("an opened alert reaches Alertmanager's API with routable labels, its receiver, Slack and the webhook; re-sent to Alertmanager only; resolution resolves it everywhere", async () => {
    const alert = await openFailureAlert("rl-nack");
    const channels = config({
      alertmanagerUrl: alertmanager.url,
      slackWebhookUrl: `${slack.url}/services/T0/B0/slack-token-1`,
      webhookUrl: `${webhook.url}/hook`,
    });
    const now = new Date();

    const first = await deliverAlerts({ now, config: channels, random: midJitter });
    expect(first).toMatchObject({ delivered: 3, failed: 0, gaveUp: 0 });

    // Alertmanager's own API lists it, with the labels a route can match and a link back.
    const [held] = await alertmanager.waitUntil((list) => list.some((a) => a.labels.fingerprint === alert.fingerprint));
    expect(held!.labels).toMatchObject({
      alertname: "reload_failures",
      severity: "critical",
      environment: "prod",
      namespace: "payments",
      service: "checkout-api",
      kind: "config",
      resource: "routes.yaml",
      fingerprint: alert.fingerprint,
    });
    expect(held!.annotations.summary).toBe(alert.summary);
    expect(held!.annotations.link).toBe(`${BASE_URL}/reloads/${alert.reload_key}`);
    expect(held!.generatorURL).toBe(`${BASE_URL}/alerts/${alert.id}`);
    expect(new Date(held!.startsAt).getTime()).toBe(alert.started_at.getTime());
    expect(held!.status.state).toBe("active");

    // …and routes it to its receiver.
    const notified = await routed.waitFor((r) => bodyOf(r).status === "firing");
    expect((bodyOf(notified).alerts as { labels: Record<string, string> }[])[0]!.labels.fingerprint).toBe(
      alert.fingerprint,
    );

    // Slack: text plus blocks, naming what fired and linking to it.
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.path).toBe("/services/T0/B0/slack-token-1");
    const slackBody = bodyOf(slack.requests[0]!) as { text: string; blocks: { type: string }[] };
    expect(slackBody.text).toBe(`[CRITICAL] ${alert.summary}`);
    expect(slackBody.blocks.map((b) => b.type)).toContain("section");
    expect(JSON.stringify(slackBody.blocks)).toContain(`${BASE_URL}/alerts/${alert.id}`);

    // The generic webhook: the alert with its state, signed with the secret.
    expect(webhook.requests).toHaveLength(1);
    const hook = webhook.requests[0]!;
    expect(hook.headers["x-reloadscope-signature"]).toBe(
      `sha256=${createHmac("sha256", SECRET).update(hook.body).digest("hex")}`,
    );
    expect(hook.headers["x-reloadscope-event"]).toBe("firing");
    expect(bodyOf(hook)).toMatchObject({
      event: "firing",
      alert: {
        id: alert.id,
        rule: "reload_failures",
        state: "firing",
        fingerprint: alert.fingerprint,
        url: `${BASE_URL}/alerts/${alert.id}`,
        service: { name: "checkout-api" },
      },
    });

    const rows = await deliveriesOf(alert.id);
    expect(rows.map((r) => [r.channel, r.event, r.attempt, r.outcome, r.http_status])).toEqual([
      ["alertmanager", "firing", 1, "delivered", 200],
      ["slack", "firing", 1, "delivered", 200],
      ["webhook", "firing", 1, "delivered", 200],
    ]);

    // Nothing is due again at once; after the re-send interval only Alertmanager hears of it
    // again (its row's time moves, no row a minute).
    expect(await deliverAlerts({ now, config: channels })).toMatchObject({ delivered: 0, failed: 0 });
    const resendAt = new Date(now.getTime() + 61_000);
    expect(await deliverAlerts({ now: resendAt, config: channels })).toMatchObject({ delivered: 1 });
    const afterResend = await deliveriesOf(alert.id);
    expect(afterResend).toHaveLength(3);
    expect(afterResend.find((r) => r.channel === "alertmanager")!.at.getTime()).toBe(resendAt.getTime());
    expect(slack.requests).toHaveLength(1);
    expect(webhook.requests).toHaveLength(1);

    // A reload that fixes it: evaluation resolves the alert, delivery says so everywhere.
    await acceptEvents(
      scopedReload(checkout, "rl-fix", "config", "routes.yaml", "v1", "v3", 2, {
        "pod-a": "acked",
        "pod-b": "acked",
        "pod-c": "acked",
      }),
    );
    const evaluated = await evaluateAlerts({ now: new Date(), rules: ["reload_failures"] });
    expect(evaluated.resolved.map((r) => r.id)).toEqual([alert.id]);
    expect(await deliverAlerts({ now: new Date(), config: channels })).toMatchObject({ delivered: 3, failed: 0 });

    // Resolved in Alertmanager: gone from the unresolved alerts its API lists, and its
    // receiver gets the resolution with endsAt = when Reloadscope resolved it.
    await alertmanager.waitUntil((list) => !list.some((a) => a.labels.fingerprint === alert.fingerprint));
    const resolution = await routed.waitFor((r) => bodyOf(r).status === "resolved");
    const [resolvedAlert] = await alertsOf("reload_failures");
    const ended = (bodyOf(resolution).alerts as { endsAt: string; labels: Record<string, string> }[])[0]!;
    expect(ended.labels.fingerprint).toBe(alert.fingerprint);
    expect(new Date(ended.endsAt).getTime()).toBe(resolvedAlert!.resolved_at!.getTime());

    expect((bodyOf(slack.requests[1]!) as { text: string }).text).toBe(`Resolved: ${alert.summary}`);
    expect(bodyOf(webhook.requests[1]!)).toMatchObject({
      event: "resolved",
      alert: { id: alert.id, state: "resolved" },
    });
    expect(
      (await deliveriesOf(alert.id)).filter((r) => r.event === "resolved").map((r) => [r.channel, r.outcome]),
    ).toEqual([
      ["alertmanager", "delivered"],
      ["slack", "delivered"],
      ["webhook", "delivered"],
    ]);
    // Done: nothing more to send for it.
    expect(await deliverAlerts({ now: new Date(Date.now() + 3_600_000), config: channels })).toMatchObject({
      delivered: 0,
      failed: 0,
      gaveUp: 0,
    });
  });

  test("a receiver that fails twice is retried with exponential backoff, every attempt recorded; a refused request is given up at once", async () => {
    const alert = await openFailureAlert("rl-retry");
    const channels = config({
      webhookUrl: `${webhook.url}/flaky`,
      slackWebhookUrl: `${slack.url}/services/T0/B0/revoked`,
    });
    webhook.failNext(2, 503);
    slack.failNext(1, 404);
    const seenBefore = { webhook: webhook.requests.length, slack: slack.requests.length };
    const t0 = new Date();

    expect(await deliverAlerts({ now: t0, config: channels, random: midJitter })).toMatchObject({
      delivered: 0,
      failed: 1,
      gaveUp: 1,
    });
    let rows = await deliveriesOf(alert.id);
    const webhookRows = () => rows.filter((r) => r.channel === "webhook");
    // A 404 from Slack (a revoked webhook) is not retried.
    expect(
      rows.filter((r) => r.channel === "slack").map((r) => [r.attempt, r.outcome, r.http_status, r.next_attempt_at]),
    ).toEqual([[1, "gave_up", 404, null]]);
    // First retry after the base delay (5 s; jitter 0.5 is ×1.0).
    expect(webhookRows().map((r) => [r.attempt, r.outcome, r.http_status])).toEqual([[1, "failed", 503]]);
    expect(webhookRows()[0]!.error).toBe("HTTP 503: receiver failing on purpose");
    expect(webhookRows()[0]!.next_attempt_at!.getTime()).toBe(t0.getTime() + 5_000);

    // Not due yet: nothing sent.
    expect(
      await deliverAlerts({ now: new Date(t0.getTime() + 4_999), config: channels, random: midJitter }),
    ).toMatchObject({ delivered: 0, failed: 0, gaveUp: 0 });
    const t1 = new Date(t0.getTime() + 5_000);
    expect(await deliverAlerts({ now: t1, config: channels, random: midJitter })).toMatchObject({ failed: 1 });
    rows = await deliveriesOf(alert.id);
    // The second wait doubles.
    expect(webhookRows()[1]!.next_attempt_at!.getTime()).toBe(t1.getTime() + 10_000);
    const t2 = new Date(t1.getTime() + 10_000);
    expect(await deliverAlerts({ now: t2, config: channels, random: midJitter })).toMatchObject({
      delivered: 1,
      failed: 0,
    });
    rows = await deliveriesOf(alert.id);
    expect(webhookRows().map((r) => [r.attempt, r.outcome, r.http_status, r.at.getTime()])).toEqual([
      [1, "failed", 503, t0.getTime()],
      [2, "failed", 503, t1.getTime()],
      [3, "delivered", 200, t2.getTime()],
    ]);

    // The receiver saw three posts of one notification: same delivery id, attempts 1–3.
    const received = webhook.requests.slice(seenBefore.webhook);
    expect(received.map((r) => r.headers["x-reloadscope-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(received.map((r) => r.headers["x-reloadscope-delivery"])).size).toBe(1);
    expect(slack.requests.length - seenBefore.slack).toBe(1);
  });

  test("a silenced alert is not delivered while the silence lasts; after it ends the alert is", async () => {
    const alert = await openFailureAlert("rl-silenced");
    const channels = config({ webhookUrl: `${webhook.url}/silenced` });
    const now = new Date();
    await sql().execute(
      `INSERT INTO alert_silence (rule, service_id, comment, expires_at) VALUES ('reload_failures', $1, 'known, fixing', $2::timestamptz)`,
      alert.service_id,
      new Date(now.getTime() + 3_600_000).toISOString(),
    );
    const before = webhook.requests.length;
    expect(await deliverAlerts({ now, config: channels })).toMatchObject({ delivered: 0, failed: 0 });
    expect(await deliveriesOf(alert.id)).toEqual([]);
    expect(webhook.requests.length).toBe(before);

    // Past its expiry the same alert goes out.
    expect(await deliverAlerts({ now: new Date(now.getTime() + 3_600_001), config: channels })).toMatchObject({
      delivered: 1,
    });
    expect(webhook.requests.length).toBe(before + 1);
  });

  test("a receiver that cannot be reached is recorded by the error's code, never by its URL's token", async () => {
    const alert = await openFailureAlert("rl-unreachable");
    const closed = await freePort();
    const token = "xoxb-SECRET-TOKEN-never-logged";
    const channels = config({ slackWebhookUrl: `http://127.0.0.1:${closed}/services/${token}` });
    expect(await deliverAlerts({ now: new Date(), config: channels, random: midJitter })).toMatchObject({ failed: 1 });
    const [row] = await deliveriesOf(alert.id);
    expect(row).toMatchObject({ channel: "slack", outcome: "failed", http_status: null, error: "ECONNREFUSED" });
    expect(JSON.stringify(row)).not.toContain(token);
  });

  test("one process delivers at a time: while another holds the lease, the schedule's run sends nothing", async () => {
    await openFailureAlert("rl-lease");
    const job = alertDelivery({ config: config({ webhookUrl: `${webhook.url}/lease` }) });
    const before = webhook.requests.length;
    expect(await runOnce(job, "other-process")).toBe(true);
    expect(webhook.requests.length).toBe(before + 1);
    expect(await runOnce(job, "this-process")).toBe(false);
    expect(webhook.requests.length).toBe(before + 1);
  });

  test("with no channel configured, the delivery job reads nothing and takes no lease", async () => {
    await openFailureAlert("rl-no-channel");
    expect(await runOnce(alertDelivery({ config: config({}) }), "this-process")).toBe(false);
    const leases = await sql().query<object[]>(`SELECT 1 FROM alert_cursor WHERE name = $1`, LEASES.delivery);
    expect(leases).toEqual([]);
  });
});
