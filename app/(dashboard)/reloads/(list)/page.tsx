import type { Metadata } from "next";
import { CursorPager, FilterError } from "@/components/filters/list-page";
import { PageHead } from "@/components/page-head";
import { ReloadFilters } from "@/components/reloads/reload-filters";
import { ReloadList } from "@/components/reloads/reload-list";
import { reloadsHref, parseReloadsPageParams, type PageSearchParams } from "@/lib/reloads/list-params";
import { formValue } from "@/lib/query-params";
import { listEnvironments, listReloads } from "@/lib/reloads/queries";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reloads" };

export default async function ReloadsPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const raw = await searchParams;
  const parsed = parseReloadsPageParams(raw);
  const text = (name: string) => formValue(raw, name);
  const values = {
    reloadId: text("reloadId"),
    environment: text("environment"),
    service: text("service"),
    q: text("q"),
    kind: text("kind"),
    resource: text("resource"),
    status: text("status"),
    initiator: text("initiator"),
    from: text("from"),
    to: text("to"),
  };
  const environments = await listEnvironments();
  const head = (
    <PageHead title="Reloads">
      Every reload, newest first: who started it, how far it got, how long it took to converge.
    </PageHead>
  );
  if (!parsed.ok) {
    return (
      <main className="page">
        {head}
        <ReloadFilters values={values} environments={environments} />
        <FilterError parameter={parsed.parameter} message={parsed.message} clearHref="/reloads" />
      </main>
    );
  }
  const { filters } = parsed;
  const now = new Date();
  const page = await listReloads(filters);
  const filtered = Boolean(
    filters.reloadId ||
    filters.environment ||
    filters.namespace ||
    filters.service ||
    filters.q ||
    filters.resource ||
    filters.kind ||
    filters.status ||
    filters.initiator ||
    filters.from ||
    filters.to,
  );
  const keep = { ...values, namespace: text("namespace"), limit: text("limit") };
  return (
    <main className="page">
      {head}
      <ReloadFilters values={values} environments={environments} />
      <section className="panel" aria-label="Reload list">
        {page.items.length === 0 ? (
          <div className="empty">
            {filters.cursor ? (
              <>
                No more reloads. <a href={reloadsHref({ ...keep, cursor: null })}>Back to the newest</a>
              </>
            ) : filtered ? (
              <>
                No reload matches these filters. <a href="/reloads">Clear the filters</a>
              </>
            ) : (
              <>No reload has been reported yet. Reloads appear here as soon as a service sends their events.</>
            )}
          </div>
        ) : (
          <ReloadList reloads={page.items} now={now} />
        )}
        <CursorPager
          newestHref={filters.cursor ? reloadsHref({ ...keep, cursor: null }) : null}
          olderHref={page.nextCursor ? reloadsHref({ ...keep, cursor: page.nextCursor }) : null}
        />
      </section>
    </main>
  );
}
