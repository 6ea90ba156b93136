// One alert as the list and its page show it: what fired, since when (server time), the
// affected instances, grouped errors, the link that explains it, silence and delivery.
// Server component: every time is formatted here, against the server's `now`.
import Link from "next/link";
import { linkLabel } from "@/lib/alerts/filters";
import type { AlertListItem, DeliverySummary } from "@/lib/alerts/queries";
import { RULES } from "@/lib/domain/alerts/rules";
import { notSentText } from "@/lib/domain/alert-delivery";
import { errorGroupText } from "@/lib/domain/alerts/normalise-error";
import { formatAge, formatDuration, isoUtc, relativeTime, serviceLabel } from "@/lib/format";
import { replayLinkFor } from "@/lib/replay/params";
import { AlertActions } from "./alert-actions";
import styles from "./alerts.module.css";

const INSTANCES_SHOWN = 8;

export function SeverityBadge({ severity }: { severity: string }) {
  const tone = severity === "critical" ? "bad" : severity === "warning" ? "drift" : "info";
  return (
    <span className={`badge ${tone}`} data-severity={severity}>
      {severity}
    </span>
  );
}

export function StateBadge({ state }: { state: string }) {
  const tone = state === "firing" ? "bad" : state === "acknowledged" ? "drift" : "ok";
  return (
    <span className={`badge ${tone}`} data-alert-state={state}>
      {state}
    </span>
  );
}

/** The instances a rule names, whatever its detail shape: drift, stale, out-of-band ({instance, …}), stuck (names). */
export function affectedInstances(details: Record<string, unknown>): {
  names: { instance: string; note: string | null }[];
  total: number;
} {
  const raw = Array.isArray(details.instances)
    ? details.instances
    : Array.isArray(details.silentInstances)
      ? details.silentInstances
      : [];
  const names = raw
    .map((i: unknown) => {
      if (typeof i === "string") return { instance: i, note: null };
      const o = i as { instance?: unknown; version?: unknown; from?: unknown };
      if (typeof o?.instance !== "string") return null;
      const note =
        typeof o.version === "string" ? `runs ${o.version}` : typeof o.from === "string" ? `was ${o.from}` : null;
      return { instance: o.instance, note };
    })
    .filter((x): x is { instance: string; note: string | null } => x !== null);
  const counted = [details.driftingInstances, details.count].find((n) => typeof n === "number") as number | undefined;
  return { names, total: Math.max(counted ?? 0, names.length) };
}

/** NACK/failure messages grouped by normalised text (reload failures). */
export function groupedErrors(
  details: Record<string, unknown>,
): { message: string; count: number; example: string | null; varied?: boolean }[] {
  if (!Array.isArray(details.errors)) return [];
  return (details.errors as { message?: unknown; count?: unknown; example?: unknown; varied?: unknown }[])
    .filter((e) => typeof e?.message === "string")
    .map((e) => ({
      message: e.message as string,
      count: typeof e.count === "number" ? e.count : 1,
      example: typeof e.example === "string" ? e.example : null,
      varied: typeof e.varied === "boolean" ? e.varied : undefined,
    }));
}

/** Before → after figures of a regression. */
function regressionLine(details: Record<string, unknown>): string | null {
  const before = details.before as { p95Ms?: number; errorRatio?: number; spans?: number } | undefined;
  const after = details.after as { p95Ms?: number; errorRatio?: number; spans?: number } | undefined;
  if (!before || !after || typeof before.p95Ms !== "number" || typeof after.p95Ms !== "number") return null;
  const pct = (r?: number) => (typeof r === "number" ? `${(r * 100).toFixed(1)} %` : "?");
  return `p95 ${formatDuration(before.p95Ms)} → ${formatDuration(after.p95Ms)} · errors ${pct(before.errorRatio)} → ${pct(after.errorRatio)} (${before.spans} / ${after.spans} spans)`;
}

function channelLabel(d: DeliverySummary, now: Date): string {
  const when = relativeTime(d.at, now);
  if (d.outcome === "delivered")
    return `${d.channel}: ${d.event} delivered ${when}${d.attempts > 1 ? ` (${d.attempts} attempts)` : ""}`;
  if (d.outcome === "gave_up")
    return `${d.channel}: ${d.event} given up after attempt ${d.attempt} (${d.error ?? "refused"})`;
  return `${d.channel}: ${d.event} attempt ${d.attempt} failed (${d.error ?? "error"})${d.nextAttemptAt ? `, retry ${relativeTime(d.nextAttemptAt, now)}` : ""}`;
}

export function DeliveryStatus({
  deliveries,
  now,
  channelsConfigured,
  silenced,
}: {
  deliveries: DeliverySummary[];
  now: Date;
  channelsConfigured: boolean;
  silenced: boolean;
}) {
  if (deliveries.length === 0) {
    return (
      <span className="muted" data-deliveries="none">
        {notSentText(channelsConfigured, silenced)}
      </span>
    );
  }
  return (
    <ul className={styles.deliveries} data-deliveries={deliveries.length}>
      {deliveries.map((d) => (
        <li
          key={d.channel}
          className={d.outcome === "delivered" ? "" : "error-text"}
          data-delivery={`${d.channel}:${d.outcome}`}
        >
          {channelLabel(d, now)}
        </li>
      ))}
    </ul>
  );
}

/** The side of an alert's row (the list) or head (its page): where it was delivered, and what can be done to it. */
export function AlertSide({
  alert,
  now,
  channelsConfigured,
  canAcknowledge,
  canSilence,
}: {
  alert: AlertListItem;
  now: Date;
  channelsConfigured: boolean;
  canAcknowledge: boolean;
  canSilence: boolean;
}) {
  return (
    <div className={styles.side}>
      <DeliveryStatus
        deliveries={alert.deliveries}
        now={now}
        channelsConfigured={channelsConfigured}
        silenced={alert.silence !== null}
      />
      <AlertActions
        alertId={alert.id}
        state={alert.state}
        canAcknowledge={canAcknowledge}
        canSilence={canSilence}
        silenced={alert.silence !== null}
        hasService={alert.service !== null}
      />
    </div>
  );
}

export function AlertSummary({
  alert,
  now,
  detailLink = true,
}: {
  alert: AlertListItem;
  now: Date;
  detailLink?: boolean;
}) {
  const { names, total } = affectedInstances(alert.details);
  const errors = groupedErrors(alert.details);
  const regression = alert.rule === "regression" ? regressionLine(alert.details) : null;
  // From driftingSince, against the server's now: the stored driftingForMs is as old as the
  // row's last change (evaluation does not rewrite an alert for its age alone).
  const since = typeof alert.details.driftingSince === "string" ? Date.parse(alert.details.driftingSince) : NaN;
  const driftingFor = Number.isFinite(since)
    ? now.getTime() - since
    : typeof alert.details.driftingForMs === "number"
      ? alert.details.driftingForMs
      : null;
  return (
    <div className={styles.summary}>
      <div className={styles.headline}>
        <SeverityBadge severity={alert.severity} /> <strong>{RULES[alert.rule]?.title ?? alert.rule}</strong>
        {alert.silence ? (
          <span
            className="badge neutral"
            data-silenced
            title={`${alert.silence.comment}${alert.silence.createdBy ? ` — ${alert.silence.createdBy}` : ""}`}
          >
            silenced until {isoUtc(alert.silence.expiresAt)}
          </span>
        ) : null}
      </div>
      <p>
        {detailLink ? (
          <Link href={`/alerts/${alert.id}`} data-alert-link={alert.id}>
            {alert.summary}
          </Link>
        ) : (
          alert.summary
        )}
      </p>
      <p className="muted">
        {alert.service ? (
          <>
            <Link href={`/services/${alert.service.id}`}>{serviceLabel(alert.service)}</Link>
            {alert.kind ? ` · ${alert.kind}${alert.resource ? `/${alert.resource}` : ""}` : ""} ·{" "}
          </>
        ) : null}
        <span title={isoUtc(alert.startedAt)}>since {relativeTime(alert.startedAt, now)}</span>
        {driftingFor !== null ? ` · drifting for ${formatAge(driftingFor)}` : ""}
        {alert.acknowledgedAt
          ? ` · acknowledged ${relativeTime(alert.acknowledgedAt, now)}${alert.acknowledgedBy ? ` by ${alert.acknowledgedBy}` : ""}`
          : ""}
        {alert.resolvedAt ? ` · resolved ${relativeTime(alert.resolvedAt, now)}` : ""}
        {alert.link ? (
          <>
            {" · "}
            <Link href={alert.link} data-explain-link>
              {linkLabel(alert.link)}
            </Link>
          </>
        ) : null}
        {" · "}
        <Link href={replayLinkFor({ reloadKey: alert.reloadKey, instant: alert.startedAt })} data-replay-link>
          {alert.reloadKey ? "replay the reload, from just before" : "replay the fleet just before"}
        </Link>
      </p>
      {names.length > 0 ? (
        <p data-instances={total}>
          <span className="muted">{total === 1 ? "Instance" : `${total} instances`}: </span>
          {names.slice(0, INSTANCES_SHOWN).map((n, i) => (
            <span key={n.instance}>
              {i > 0 ? ", " : ""}
              <span className="mono">{n.instance}</span>
              {n.note ? <span className="muted"> ({n.note})</span> : null}
            </span>
          ))}
          {total > INSTANCES_SHOWN ? <span className="muted">, and {total - INSTANCES_SHOWN} more</span> : null}
        </p>
      ) : null}
      {errors.length > 0 ? (
        <ul className={styles.errors} data-error-groups={errors.length}>
          {errors.slice(0, 5).map((e) => (
            // The real message is shown; the placeholder pattern it was grouped by is the tooltip.
            <li key={e.message} title={`grouped as: ${e.message}`}>
              <span className="mono">{errorGroupText(e)}</span>
            </li>
          ))}
          {errors.length > 5 ? <li className="muted">and {errors.length - 5} other messages</li> : null}
        </ul>
      ) : null}
      {regression ? <p className="mono">{regression}</p> : null}
    </div>
  );
}
