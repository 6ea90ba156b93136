// The three wire formats an alert is sent in: Alertmanager's v2 `postableAlert`, a Slack
// incoming-webhook message, and Reloadscope's own JSON. No I/O.
import { createHmac } from "node:crypto";
import { firingValidUntil, labelName, type AlertEventName, type DeliveryPolicy } from "@/lib/domain/alert-delivery";
import { errorGroupText } from "@/lib/domain/alerts/normalise-error";
import type { AlertView } from "@/lib/domain/alerts/types";

/** An alert as delivery reads it (lib/alerts/deliver.ts). */
export interface DeliverableAlert extends AlertView {
  silenced: boolean;
}

/** The alert's own page: what Alertmanager calls the generatorURL. */
export function alertUrl(baseUrl: string, alertId: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/alerts/${alertId}`;
}

/** The page that explains the alert (reload timeline, replay instant), absolute. */
function linkUrl(baseUrl: string, link: string | null): string | null {
  if (!link) return null;
  return /^https?:\/\//.test(link) ? link : `${baseUrl.replace(/\/+$/, "")}${link.startsWith("/") ? "" : "/"}${link}`;
}

/**
 * Labels Alertmanager routes and groups on. Their values must stay the same for the whole
 * life of the alert (Alertmanager identifies an alert by its label set), so counts and ages
 * go to annotations, never here. The rule's own labels first; the standard names win.
 */
export function alertmanagerLabels(alert: DeliverableAlert): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(alert.labels)) if (value !== "") labels[labelName(name)] = String(value);
  const standard: Record<string, string | null | undefined> = {
    alertname: alert.rule,
    severity: alert.severity,
    environment: alert.service?.environment,
    namespace: alert.service?.namespace,
    service: alert.service?.name,
    kind: alert.kind,
    resource: alert.resource,
    fingerprint: alert.fingerprint,
  };
  for (const [name, value] of Object.entries(standard)) if (value) labels[name] = value;
  return labels;
}

/** A one-paragraph account of the details for the annotations and messages: counts, instances, errors. */
export function describeAlert(alert: DeliverableAlert): string {
  const parts: string[] = [];
  const d = alert.details;
  const instances = Array.isArray(d.instances)
    ? (d.instances as unknown[])
        .map((i) => (typeof i === "string" ? i : ((i as { instance?: string })?.instance ?? "")))
        .filter(Boolean)
    : [];
  if (instances.length > 0) {
    const total = typeof d.instanceCount === "number" ? d.instanceCount : instances.length;
    parts.push(`Instances (${total}): ${instances.slice(0, 10).join(", ")}${total > 10 ? ", …" : ""}`);
  }
  if (Array.isArray(d.errors)) {
    for (const group of (d.errors as { message?: string; count?: number; example?: string; varied?: boolean }[]).slice(
      0,
      5,
    )) {
      if (group?.message)
        parts.push(
          errorGroupText({
            message: group.message,
            count: group.count ?? 1,
            example: typeof group.example === "string" ? group.example : null,
            varied: group.varied,
          }),
        );
    }
  }
  return parts.join("\n") || alert.summary;
}

/** Alertmanager's v2 postableAlert: firing until a little past the next re-send, or resolved at resolved_at. */
export function alertmanagerAlert(
  alert: DeliverableAlert,
  event: AlertEventName,
  now: Date,
  policy: DeliveryPolicy,
  baseUrl: string,
) {
  const annotations: Record<string, string> = { summary: alert.summary, description: describeAlert(alert) };
  if (alert.state === "acknowledged") annotations.acknowledged = "true";
  const link = linkUrl(baseUrl, alert.link);
  if (link) annotations.link = link;
  return {
    labels: alertmanagerLabels(alert),
    annotations,
    startsAt: alert.startedAt.toISOString(),
    endsAt: (event === "resolved" ? (alert.resolvedAt ?? now) : firingValidUntil(now, policy)).toISOString(),
    generatorURL: alertUrl(baseUrl, alert.id),
  };
}

/** Slack's mrkdwn treats &, < and > as markup. */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A Slack incoming-webhook message: `text` for notifications and clients without blocks, and blocks. */
export function slackMessage(alert: DeliverableAlert, event: AlertEventName, baseUrl: string) {
  const headline =
    event === "resolved" ? `Resolved: ${alert.summary}` : `[${alert.severity.toUpperCase()}] ${alert.summary}`;
  const where = alert.service
    ? [alert.service.environment, alert.service.namespace, alert.service.name].filter(Boolean).join("/")
    : null;
  const facts = [
    `*Rule:* ${slackEscape(alert.rule)}`,
    `*Severity:* ${slackEscape(alert.severity)}`,
    where ? `*Service:* ${slackEscape(where)}` : null,
  ]
    .filter(Boolean)
    .join("   ");
  const link = linkUrl(baseUrl, alert.link);
  const description = describeAlert(alert);
  return {
    text: headline,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `${event === "resolved" ? ":white_check_mark:" : ":rotating_light:"} *${slackEscape(headline)}*`,
        },
      },
      { type: "section", text: { type: "mrkdwn", text: facts } },
      ...(description !== alert.summary
        ? [{ type: "section", text: { type: "mrkdwn", text: slackEscape(description).slice(0, 2900) } }]
        : []),
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: [
              `<${alertUrl(baseUrl, alert.id)}|Alert #${alert.id}>`,
              link ? `<${link}|${alert.reloadKey ? "Reload timeline" : "Details"}>` : null,
              `since ${alert.startedAt.toISOString()}`,
              alert.resolvedAt && event === "resolved" ? `resolved ${alert.resolvedAt.toISOString()}` : null,
            ]
              .filter(Boolean)
              .join(" · "),
          },
        ],
      },
    ],
  };
}

/** Reloadscope's generic webhook body: the alert as the page shows it, and what happened to it. */
export function webhookBody(alert: DeliverableAlert, event: AlertEventName, now: Date, baseUrl: string) {
  return {
    version: "1",
    event,
    sentAt: now.toISOString(),
    alert: {
      id: alert.id,
      fingerprint: alert.fingerprint,
      rule: alert.rule,
      severity: alert.severity,
      state: alert.state,
      summary: alert.summary,
      service: alert.service,
      kind: alert.kind,
      resource: alert.resource,
      reloadKey: alert.reloadKey,
      details: alert.details,
      labels: alert.labels,
      startedAt: alert.startedAt.toISOString(),
      resolvedAt: alert.resolvedAt?.toISOString() ?? null,
      url: alertUrl(baseUrl, alert.id),
      link: linkUrl(baseUrl, alert.link),
    },
  };
}

/** `sha256=<hex>` of the exact body bytes, as GitHub-style receivers verify it. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
