import type { Metadata } from "next";
import { Initiator } from "@/components/reloads/initiator";
import Link from "next/link";
import { notFound } from "next/navigation";
import { KindLabel } from "@/components/fleet/kind-label";
import { DiagnosisPanel } from "@/components/reloads/diagnosis-panel";
import { LiveTimeline } from "@/components/reloads/live-timeline";
import { NotAckedList } from "@/components/reloads/not-acked-list";
import { ReloadWaterfall } from "@/components/reloads/reload-waterfall";
import { ReloadHealth } from "@/components/reloads/reload-health";
import { TimeToAckChart } from "@/components/reloads/time-to-ack-chart";
import { ReloadStatusBadge } from "@/components/services/reload-status-badge";
import { resourceHref } from "@/lib/services/params";
import { LocalTime } from "@/components/time/local-time";
import { RequestPanel } from "@/components/requests/request-panel";
import { requireActor } from "@/lib/auth/require-actor";
import { getRequestForReload, getRequestFormData } from "@/lib/requests/queries";
import { FINAL_PHASES } from "@/lib/domain/phases";
import { progressWords } from "@/lib/domain/progress-words";
import { isTerminal } from "@/lib/domain/reload-status";
import { formatDuration, isoUtc, serviceLabel, versionChange } from "@/lib/format";
import { buildTimelineModel } from "@/lib/reloads/timeline-model";
import { getReloadHealth } from "@/lib/reloads/health-queries";
import { getReloadHeader, getReloadTimelineData } from "@/lib/reloads/timeline-queries";
import { replayLinkFor } from "@/lib/replay/params";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const header = await getReloadHeader((await params).id);
  return { title: header ? `${header.reloadId} · ${header.service} (${header.environment})` : "Reload not found" };
}

export default async function ReloadPage({ params, searchParams }: Props) {
  const data = await getReloadTimelineData((await params).id);
  // The layout answered 404 already; this only covers a reload deleted in between.
  if (!data) notFound();
  const query = await searchParams;
  const trace = query.trace;
  const traceId = typeof trace === "string" && /^[0-9a-f]{1,64}$/i.test(trace) ? trace.toLowerCase() : null;
  const now = new Date();
  const { reload } = data;
  const model = buildTimelineModel(data, now);
  const { timeline, diagnosis, timeToAck } = model;
  const inProgress = data.targets.filter((t) => t.phase !== null && !FINAL_PHASES.has(t.phase)).length;
  const { targets, succeeded, nacked, failed, rolledBack } = reload;
  const progress = progressWords({ targets, succeeded, nacked, failed, rolledBack, inProgress }, reload.status);
  // Prefilled with this reload's service and resource; a rollback proposes the rule's version for it.
  const [requestForm, actor, request, health] = await Promise.all([
    getRequestFormData(reload.serviceId, {
      focus: rollbackFocus(query.rollback) ?? { kind: reload.kind, resource: reload.resource },
      now,
    }),
    requireActor(),
    getRequestForReload(reload.serviceId, reload.reloadId),
    getReloadHealth(reload.key, now),
  ]);
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : null);

  return (
    <main className="page">
      <div className="crumbs">
        <Link href="/reloads">Reloads</Link> /{" "}
        <Link href={`/services/${reload.serviceId}`}>
          {serviceLabel({ environment: reload.environment, namespace: reload.namespace, name: reload.service })}
        </Link>
      </div>
      <div className="page-head">
        <h1>
          <span className="mono" style={{ fontSize: 18 }}>
            {reload.reloadId}
          </span>{" "}
          <ReloadStatusBadge status={reload.status} />
        </h1>
        <div style={{ display: "flex", gap: 12, alignItems: "baseline" }}>
          <LiveTimeline reloadKey={reload.key} renderedLastArrivalAt={reload.lastArrivalAt} open={reload.live} />
          <Link className="button secondary" href={replayLinkFor({ reloadKey: reload.key })} data-replay-link>
            Replay: the fleet just before → just after
          </Link>
          {/* A plain link: the route answers a JSON attachment (request, approvals, acks, audit entries). */}
          <a className="button secondary" href={`/api/reloads/${reload.key}/evidence`} download data-evidence>
            Evidence bundle
          </a>
        </div>
      </div>
      <p className="muted" style={{ marginTop: 0 }}>
        <KindLabel kind={reload.kind} /> ·{" "}
        <Link
          className="mono"
          href={resourceHref(reload.serviceId, reload.kind, reload.resource)}
          title={`${reload.resource}'s story: its reloads, alerts, requests and version changes`}
        >
          {reload.resource}
        </Link>{" "}
        · <span className="mono">{versionChange(reload.fromVersion, reload.toVersion)}</span> · by{" "}
        <Initiator initiator={reload.initiator} /> · started{" "}
        <LocalTime
          iso={(reload.startedAt ?? reload.firstEventAt).toISOString()}
          utcText={isoUtc(reload.startedAt ?? reload.firstEventAt)}
        />
        {reload.lastError ? <span className="error-text"> · last error: {reload.lastError}</span> : null}
        {request ? (
          <>
            {" "}
            ·{" "}
            <Link href={`/approvals/${request.id}`} data-request-link>
              request #{request.id}
            </Link>{" "}
            ({request.status.replaceAll("_", " ")})
          </>
        ) : null}
      </p>
      {requestForm ? (
        <RequestPanel data={requestForm} role={actor?.role ?? null} initialKey={`${reload.kind}/${reload.resource}`} />
      ) : null}
      <div className="stats">
        <div className={`stat${progress.notes.some((n) => n.tone === "bad") ? " bad" : ""}`} data-stat="done">
          <span className="muted">progress</span>
          <b style={progress.sent ? undefined : { fontSize: 14 }}>{progress.headline}</b>
          {progress.notes.length ? (
            <span className="muted">{progress.notes.map((n) => n.text).join(" · ")}</span>
          ) : null}
        </div>
        <div className="stat" data-stat="acked">
          <span className="muted">acked</span>
          <b>{reload.succeeded}</b>
        </div>
        <div className={`stat${reload.nacked + reload.failed ? " bad" : ""}`}>
          <span className="muted">NACK / failed</span>
          <b>
            {reload.nacked} / {reload.failed}
          </b>
        </div>
        <div className="stat" data-stat="convergence">
          <span className="muted">convergence</span>
          <b>{formatDuration(reload.convergenceMs)}</b>
        </div>
        <div className="stat">
          <span className="muted">time to ack p50 / p95</span>
          <b>
            {formatDuration(timeToAck.p50)} / {formatDuration(timeToAck.p95)}
          </b>
        </div>
        {reload.status === "expired" || (reload.deadlineAt && !isTerminal(reload.status)) ? (
          <div className={`stat${reload.status === "expired" ? " warn" : ""}`}>
            <span className="muted">{reload.status === "expired" ? "expired" : "deadline"}</span>
            <b style={{ fontSize: 14 }}>
              {timeOrNothing(reload.status === "expired" ? reload.expiredAt : reload.deadlineAt)}
            </b>
          </div>
        ) : null}
      </div>
      {timeline.traceIds.length ? (
        <p className="muted" data-traces>
          Traces:{" "}
          {timeline.traceIds.slice(0, 20).map((t) => (
            <span key={t}>
              <Link href={`/reloads/${reload.key}?trace=${t}`} className="mono" data-trace={t}>
                {t}
              </Link>{" "}
            </span>
          ))}
          {traceId ? <Link href={`/reloads/${reload.key}`}>(all spans)</Link> : null}
        </p>
      ) : null}
      <div className="grid-2">
        <section className="panel" aria-label="Time to ack">
          <h2>
            Time to ack{" "}
            <span className="muted" style={{ fontWeight: 400 }}>
              · {timeToAck.count} instance{timeToAck.count === 1 ? "" : "s"} · slowest {formatDuration(timeToAck.max)}
            </span>
          </h2>
          {timeToAck.count ? (
            <TimeToAckChart bins={timeToAck.bins} />
          ) : (
            <p className="empty">No instance has acked yet.</p>
          )}
        </section>
        <NotAckedList
          notAcked={model.notAcked}
          expiredAt={reload.expiredAt}
          status={reload.status}
          targets={reload.targets}
        />
      </div>
      <DiagnosisPanel diagnosis={diagnosis} />
      {health ? (
        <ReloadHealth
          comparison={health.comparison}
          buckets={health.buckets}
          before={{ from: health.windows.before.from.toISOString(), to: health.windows.before.to.toISOString() }}
          after={
            health.windows.after
              ? { from: health.windows.after.from.toISOString(), to: health.windows.after.to.toISOString() }
              : null
          }
          afterPartial={health.windows.afterPartial}
          bucketMs={health.windows.chart.bucketMs}
        />
      ) : null}
      <ReloadWaterfall
        timeline={timeline}
        traceId={traceId}
        initial={{ from: one(query.from), to: one(query.to), span: one(query.span), event: one(query.event) }}
        spansCut={data.spansTruncated ? data.spans.length : null}
      />
    </main>
  );
}

/** ?rollback=kind/resource: another resource of the service whose rollback pre-flight the form shows. */
function rollbackFocus(value: string | string[] | undefined): { kind: string; resource: string } | null {
  if (typeof value !== "string") return null;
  const slash = value.indexOf("/");
  return slash > 0 ? { kind: value.slice(0, slash), resource: value.slice(slash + 1) } : null;
}

/** A time in the reader's choice of zone (UTC as rendered), or nothing. */
function timeOrNothing(date: Date | null | undefined) {
  return date ? <LocalTime iso={date.toISOString()} utcText={isoUtc(date)} /> : null;
}
