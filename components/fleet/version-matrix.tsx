import type { ServiceAlertBadges } from "@/lib/alerts/queries";
import type { FleetFilters } from "@/lib/fleet/filters";
import type { FleetMatrix } from "@/lib/fleet/queries";
import { MatrixTable } from "./matrix-table";
import { matrixView } from "./matrix-view";

/**
 * The fleet version matrix: services × kinds, versions per resource. Rendered from the fleet
 * page (a server component: only the formatted view reaches the browser, see matrix-table.tsx)
 * and from the replay player (in the browser).
 */
export function VersionMatrix({
  matrix,
  filters,
  alerts,
}: {
  matrix: FleetMatrix;
  filters: FleetFilters;
  alerts?: ServiceAlertBadges;
}) {
  return <MatrixTable view={matrixView(matrix, filters, alerts)} />;
}
