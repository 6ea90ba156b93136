import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { InstanceTable } from "@/components/services/instance-table";
import { ReloadHistory } from "@/components/services/reload-history";
import { RecentReloadsTimeline } from "@/components/services/recent-reloads-timeline";
import { alertBadge } from "@/components/fleet/matrix-view";
import { ConvergenceChart } from "@/components/services/convergence-chart";
import { ReloadsChart } from "@/components/services/reloads-chart";
import { ResourceSummary } from "@/components/services/resource-summary";
import { BehindTable } from "@/components/services/behind-table";
import { TimePicker } from "@/components/time/time-picker";
import { RequestHeaderActions, RequestPanel } from "@/components/requests/request-panel";
import { rollbackHrefFor } from "@/components/requests/rollback-link";
import { can } from "@/lib/domain/permissions";
import { getAlertBadges } from "@/lib/alerts/queries";
import { requireActor } from "@/lib/auth/require-actor";
import { getRequestFormData } from "@/lib/requests/queries";
import { relativeTime } from "@/lib/format";
import {
  parseBehindView,
  parseChartRange,
  parseInstancePage,
  parseServiceId,
  serviceViewHref,
} from "@/lib/services/params";
import { getServiceCharts } from "@/lib/services/charts";
import { getBehindPairs, getServiceDetail, getServiceHeader } from "@/lib/services/queries";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const id = parseServiceId((await params).id);
  const service = id === null ? null : await getServiceHeader(id);
  return { title: service ? `${service.name} (${service.environment})` : "Service not found" };
}

export default async function ServicePage({ params, searchParams }: Props) {
  const id = parseServiceId((await params).id);
  // The layout answered 404 already; this only covers a service deleted in between.
  if (id === null) notFound();
  const query = await searchParams;
  // ?rollback=kind/resource: the resource whose rollback pre-flight the form shows.
  const focus = typeof query.rollback === "string" && query.rollback.includes("/") ? query.rollback : null;
  // ?request=reload|rollback opens that form (the header's buttons, "roll back to this" with ?to=<version>).
  const openForm = query.request === "reload" || query.request === "rollback" ? query.request : null;
  const rollbackTo = typeof query.to === "string" && query.to ? query.to : null;
  const renderedAt = new Date();
  // ?from=&to=: the charts' range, from the one time picker (default the last 7 days).
  const range = parseChartRange(query.from, query.to, renderedAt);
  // ?behind=1&sort=: only the instance × resource pairs off the desired version.
  const behindView = parseBehindView(query.behind, query.sort);
  const [detail, requestForm, actor, charts, alerts, behind] = await Promise.all([
    getServiceDetail(id, { page: parseInstancePage(query.page), now: renderedAt }),
    getRequestFormData(id, {
      focus: focus ? { kind: focus.slice(0, focus.indexOf("/")), resource: focus.slice(focus.indexOf("/") + 1) } : null,
      rollbackTo,
    }),
    requireActor(),
    getServiceCharts(id, range),
    // the open alerts of this service, per kind × resource: one grouped statement
    getAlertBadges([id]),
    behindView.behind ? getBehindPairs(id, { sort: behindView.sort, now: renderedAt }) : null,
  ]);
  if (!detail) notFound();
  const { service, generatedAt: now } = detail;
  const rangeParams = {
    from: typeof query.from === "string" ? query.from : null,
    to: typeof query.to === "string" ? query.to : null,
  };
  const behindCount = detail.columns.reduce((sum, c) => sum + c.drift.offDesired, 0);
  const openAlerts = alerts.byService.get(service.id);
  const serviceAlerts = openAlerts ? alertBadge(openAlerts) : null;
  const resourceAlerts = new Map(
    detail.columns.flatMap((c) => {
      const badge = alerts.byResource.get(`${service.id}/${c.kind}/${c.resource}`);
      return badge ? [[c.key, alertBadge(badge)] as const] : [];
    }),
  );
  const alertsHref = `/alerts?service=${encodeURIComponent([service.environment, service.namespace, service.name].filter(Boolean).join("/"))}${openAlerts && openAlerts.firing === 0 ? "&tab=acknowledged" : ""}`;

  return (
    <main className="page">
      <div className="crumbs">
        <Link href="/fleet">Fleet</Link> /{" "}
        <Link href={`/fleet?env=${encodeURIComponent(service.environment)}`}>{service.environment}</Link>
        {service.namespace ? (
          <>
            {" "}
            /{" "}
            <Link
              href={`/fleet?env=${encodeURIComponent(service.environment)}&ns=${encodeURIComponent(service.namespace)}`}
            >
              {service.namespace}
            </Link>
          </>
        ) : null}
      </div>
      <div className="page-head">
        <h1>{service.name}</h1>
        {serviceAlerts ? (
          <Link
            href={alertsHref}
            className={`badge ${serviceAlerts.tone}`}
            title={serviceAlerts.title}
            data-alert-badge
          >
            {serviceAlerts.text}
          </Link>
        ) : null}
        <span className="muted">
          {detail.instanceCounts.live} live instances
          {detail.instanceCounts.total > detail.instanceCounts.live
            ? ` (${detail.instanceCounts.total - detail.instanceCounts.live} gone)`
            : ""}{" "}
          · {detail.columns.length} reloadable resources · last event {relativeTime(service.lastEventAt, now)}
        </span>
        {requestForm ? <RequestHeaderActions data={requestForm} role={actor?.role ?? null} /> : null}
      </div>
      {requestForm ? (
        <RequestPanel
          data={requestForm}
          role={actor?.role ?? null}
          initialKey={focus}
          open={openForm}
          rollbackTo={rollbackTo}
        />
      ) : null}
      <div className="chart-range" data-chart-range>
        <TimePicker
          from={range.fromText}
          to={range.toText}
          action={`/services/${service.id}`}
          keep={{
            page: detail.page > 1 ? String(detail.page) : null,
            behind: behindView.behind ? "1" : null,
            sort: behindView.behind && behindView.sort !== "behind" ? behindView.sort : null,
          }}
          label="Charts"
        />
        {range.problem ? (
          <span className="error-text" role="alert" data-filter-error="from">
            {range.problem}; showing the last 7 days
          </span>
        ) : null}
      </div>
      <div className="grid-2">
        <ResourceSummary
          serviceId={service.id}
          columns={detail.columns}
          alerts={resourceAlerts}
          alertsHref={alertsHref}
        />
        <ReloadsChart {...charts} />
      </div>
      <div className="grid-2">
        <ConvergenceChart {...charts} />
      </div>
      {behind ? (
        <BehindTable serviceId={service.id} view={behind} sort={behindView.sort} keep={rangeParams} />
      ) : (
        <InstanceTable
          serviceId={service.id}
          instances={detail.instances}
          columns={detail.columns}
          now={now}
          page={detail.page}
          pageCount={detail.pageCount}
          pageSize={detail.pageSize}
          total={detail.instanceCounts.total}
          behindHref={serviceViewHref(service.id, { ...rangeParams, behind: "1" })}
          behindCount={behindCount}
        />
      )}
      <RecentReloadsTimeline reloads={detail.reloads} now={now} />
      <ReloadHistory
        reloads={detail.reloads}
        now={now}
        rollbackHref={requestForm && can(actor?.role, "rollback.request") ? rollbackHrefFor(requestForm) : undefined}
      />
    </main>
  );
}
