import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { InstanceTable } from "@/components/services/instance-table";
import { ReloadHistory } from "@/components/services/reload-history";
import { RecentReloadsTimeline } from "@/components/services/recent-reloads-timeline";
import { ReloadsChart } from "@/components/services/reloads-chart";
import { ResourceSummary } from "@/components/services/resource-summary";
import { relativeTime } from "@/lib/format";
import { parseInstancePage, parseServiceId } from "@/lib/services/params";
import { getServiceDetail, getServiceHeader } from "@/lib/services/queries";

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
  const detail = await getServiceDetail(id, { page: parseInstancePage((await searchParams).page) });
  if (!detail) notFound();
  const { service, generatedAt: now } = detail;

  return (
    <main className="page">
      <div className="crumbs">
        <Link href="/fleet">Fleet</Link> / <Link href={`/fleet?env=${encodeURIComponent(service.environment)}`}>{service.environment}</Link>
        {service.namespace ? (
          <>
            {" "}
            / <Link href={`/fleet?env=${encodeURIComponent(service.environment)}&ns=${encodeURIComponent(service.namespace)}`}>{service.namespace}</Link>
          </>
        ) : null}
      </div>
      <div className="page-head">
        <h1>{service.name}</h1>
        <span className="muted">
          {detail.instanceCounts.live} live instances
          {detail.instanceCounts.total > detail.instanceCounts.live ? ` (${detail.instanceCounts.total - detail.instanceCounts.live} gone)` : ""} ·{" "}
          {detail.columns.length} reloadable resources · last event {relativeTime(service.lastEventAt, now)}
        </span>
      </div>
      <div className="grid-2">
        <ResourceSummary columns={detail.columns} />
        <ReloadsChart data={detail.reloadsByDay} />
      </div>
      <InstanceTable
        serviceId={service.id}
        instances={detail.instances}
        columns={detail.columns}
        now={now}
        page={detail.page}
        pageCount={detail.pageCount}
        pageSize={detail.pageSize}
        total={detail.instanceCounts.total}
      />
      <RecentReloadsTimeline reloads={detail.reloads} now={now} />
      <ReloadHistory reloads={detail.reloads} now={now} />
    </main>
  );
}
