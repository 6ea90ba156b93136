import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { InstanceTable } from "@/components/services/instance-table";
import { ReloadHistory } from "@/components/services/reload-history";
import { ReloadsChart } from "@/components/services/reloads-chart";
import { ResourceSummary } from "@/components/services/resource-summary";
import { relativeTime } from "@/lib/format";
import { getServiceDetail } from "@/lib/services/queries";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

function parseId(raw: string): number | null {
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const id = parseId((await params).id);
  const detail = id === null ? null : await getServiceDetail(id);
  return { title: detail ? `${detail.service.name} (${detail.service.environment})` : "Service not found" };
}

export default async function ServicePage({ params }: Params) {
  const id = parseId((await params).id);
  if (id === null) notFound();
  const detail = await getServiceDetail(id);
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
          {detail.instances.length} instances · {detail.columns.length} reloadable resources · last event {relativeTime(service.lastEventAt, now)}
        </span>
      </div>
      <div className="grid-2">
        <ResourceSummary columns={detail.columns} />
        <ReloadsChart data={detail.reloadsByDay} />
      </div>
      <InstanceTable instances={detail.instances} columns={detail.columns} now={now} />
      <ReloadHistory reloads={detail.reloads} now={now} />
    </main>
  );
}
