import type { Metadata } from "next";
import { EmptyFleet } from "@/components/fleet/empty-fleet";
import { FleetFiltersForm } from "@/components/fleet/fleet-filters";
import { FleetStats } from "@/components/fleet/fleet-stats";
import { LiveRefresh } from "@/components/fleet/live-refresh";
import { VersionMatrix } from "@/components/fleet/version-matrix";
import { getAlertBadges } from "@/lib/alerts/queries";
import { fleetHref, parseFleetFilters } from "@/lib/fleet/filters";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { getFleetStatus } from "@/lib/fleet/status";
import { clockTimeUtc } from "@/lib/format";
import { FAILED_STATUSES } from "@/lib/domain/types";
import { reloadsHref } from "@/lib/reloads/list-params";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Fleet" };

export default async function FleetPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const filters = parseFleetFilters(await searchParams);
  // The latest change is read before the matrix: a change in between then shows as "changed"
  // (a harmless refresh) instead of being missed.
  const status = await getFleetStatus();
  const matrix = await getFleetMatrix(filters);
  // The open alerts of this page's services: one grouped statement over the open-alert index.
  const alerts = await getAlertBadges(matrix.groups.flatMap((g) => g.rows.map((r) => r.service.id)));
  const filtered = Boolean(
    filters.env || filters.ns || filters.kind || filters.q || filters.drifting || filters.failing,
  );

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Fleet versions</h1>
          <div className="muted">What every instance of every service runs, per kind of reloadable thing.</div>
        </div>
        <LiveRefresh
          renderedChangeAt={status.latestChangeAt?.toISOString() ?? null}
          renderedAt={matrix.generatedAt.toISOString()}
          renderedAtLabel={clockTimeUtc(matrix.generatedAt)}
        />
      </div>
      <FleetStats
        totals={matrix.totals}
        filtered={filtered}
        links={{
          drifting: fleetHref({ ...filters, drifting: true, failing: false, page: 1 }),
          failing: fleetHref({ ...filters, failing: true, drifting: false, page: 1 }),
          failedReloads: reloadsHref({ status: FAILED_STATUSES.join(","), environment: filters.env }),
        }}
      />
      {/* keyed by the URL: a count's link changes the filters, and the form's boxes follow */}
      <FleetFiltersForm key={fleetHref(filters)} filters={filters} facets={matrix.facets} />
      {matrix.totals.services === 0 ? (
        <EmptyFleet />
      ) : matrix.totals.matching === 0 ? (
        <div className="panel empty">
          No service matches these filters. <a href="/fleet">Clear the filters</a>
        </div>
      ) : (
        <VersionMatrix matrix={matrix} filters={filters} alerts={alerts} />
      )}
    </main>
  );
}
