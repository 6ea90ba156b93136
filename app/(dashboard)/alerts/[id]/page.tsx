import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AlertSide, AlertSummary, StateBadge } from "@/components/alerts/alert-view";
import { AlertsLiveRefresh } from "@/components/alerts/alerts-live-refresh";
import styles from "@/components/alerts/alerts.module.css";
import { DataTable } from "@/components/data-table";
import { getAlert, getAlertStatus } from "@/lib/alerts/queries";
import { alertChannelsConfigured } from "@/lib/alerts/deliver";
import { requireActor } from "@/lib/auth/require-actor";
import { can } from "@/lib/domain/permissions";
import { clockTimeUtc, isoUtc, relativeTime } from "@/lib/format";
import { LocalTime } from "@/components/time/local-time";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Alert #${(await params).id}` };
}

export default async function AlertPage({ params }: Props) {
  const id = (await params).id;
  const now = new Date();
  const channelsConfigured = alertChannelsConfigured();
  const [actor, detail, status] = await Promise.all([requireActor(), getAlert(id, now), getAlertStatus()]);
  // The layout answered 404 already; this covers an alert deleted in between.
  if (!detail) notFound();
  const { alert, attempts } = detail;
  const labels = Object.entries(alert.labels);

  return (
    <main className="page">
      <div className="crumbs">
        <Link href="/alerts">Alerts</Link> / #{alert.id}
      </div>
      <div className="page-head">
        <h1>
          Alert #{alert.id} <StateBadge state={alert.state} />
        </h1>
        <AlertsLiveRefresh renderedVersion={status.version} renderedAtLabel={clockTimeUtc(now)} />
      </div>
      <section className="panel" data-alert-detail={alert.id}>
        <div className={styles.item}>
          <AlertSummary alert={alert} now={now} detailLink={false} />
          <AlertSide
            alert={alert}
            now={now}
            channelsConfigured={channelsConfigured}
            canAcknowledge={actor ? can(actor.role, "alert.acknowledge") : false}
            canSilence={actor ? can(actor.role, "alert.silence") : false}
          />
        </div>
        <dl className={styles.facts}>
          <dt>Started</dt>
          <dd>
            <LocalTime iso={alert.startedAt.toISOString()} utcText={isoUtc(alert.startedAt)} /> (
            {relativeTime(alert.startedAt, now)})
          </dd>
          <dt>Last seen</dt>
          <dd>
            {/* An open alert is seen at every evaluation; its row is written only when it changes. */}
            {alert.resolvedAt ? (
              <>
                <LocalTime iso={alert.lastSeenAt.toISOString()} utcText={isoUtc(alert.lastSeenAt)} /> (
                {relativeTime(alert.lastSeenAt, now)})
              </>
            ) : (
              "at the last evaluation (still firing)"
            )}
          </dd>
          {alert.resolvedAt ? null : (
            <>
              <dt>Last changed</dt>
              <dd>
                <LocalTime iso={alert.lastSeenAt.toISOString()} utcText={isoUtc(alert.lastSeenAt)} /> (
                {relativeTime(alert.lastSeenAt, now)})
              </dd>
            </>
          )}
          {alert.resolvedAt ? (
            <>
              <dt>Resolved</dt>
              <dd>
                <LocalTime iso={alert.resolvedAt.toISOString()} utcText={isoUtc(alert.resolvedAt)} />
              </dd>
            </>
          ) : null}
          {alert.silence ? (
            <>
              <dt>Silenced</dt>
              <dd data-silence={alert.silence.id}>
                until {isoUtc(alert.silence.expiresAt)} by {alert.silence.createdBy ?? "someone"}:{" "}
                {alert.silence.comment}
              </dd>
            </>
          ) : null}
          <dt>Fingerprint</dt>
          <dd className="mono">{alert.fingerprint}</dd>
          <dt>Labels</dt>
          <dd className="mono">{labels.length === 0 ? "—" : labels.map(([k, v]) => `${k}="${v}"`).join(", ")}</dd>
        </dl>
      </section>

      <section className="panel" style={{ marginTop: 16 }} aria-label="Delivery attempts">
        <h2>Delivery attempts</h2>
        {attempts.length === 0 ? (
          <p className="empty" data-attempts="0">
            {alert.silence
              ? "Silenced: not delivered while the silence lasts."
              : "No delivery attempt yet (none is configured, or the next run has not come)."}
          </p>
        ) : (
          <DataTable
            data-attempts={attempts.length}
            columns={["When", "Channel", "Event", "Attempt", "Outcome", "HTTP", "Error", "Next attempt"]}
          >
            {attempts.map((a) => (
              <tr key={a.id} data-attempt={`${a.channel}:${a.event}:${a.attempt}:${a.outcome}`}>
                <td className="when" title={isoUtc(a.at)}>
                  {relativeTime(a.at, now)}
                </td>
                <td>{a.channel}</td>
                <td>{a.event}</td>
                <td>{a.attempt}</td>
                <td>
                  <span
                    className={`badge ${a.outcome === "delivered" ? "ok" : a.outcome === "failed" ? "drift" : "bad"}`}
                  >
                    {a.outcome}
                  </span>
                </td>
                <td>{a.httpStatus ?? "—"}</td>
                <td className="muted">{a.error ?? ""}</td>
                <td className="when">{a.nextAttemptAt ? relativeTime(a.nextAttemptAt, now) : ""}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
    </main>
  );
}
