import Link from "next/link";
import { KindLabel } from "@/components/fleet/kind-label";
import type { BadgeView } from "@/components/fleet/matrix-view";
import { formatDuration } from "@/lib/format";
import { plural } from "@/lib/domain/progress-words";
import { resourceHref } from "@/lib/services/params";
import type { ResourceColumn } from "@/lib/services/queries";

/** `alerts`: the open alerts about each resource (by column key), linking to `alertsHref`. */
export function ResourceSummary({
  serviceId,
  columns,
  alerts,
  alertsHref,
}: {
  serviceId: number;
  columns: ResourceColumn[];
  alerts?: ReadonlyMap<string, BadgeView>;
  alertsHref?: string;
}) {
  return (
    <section className="panel" aria-label="Resources">
      <h2>Resources</h2>
      {columns.length === 0 ? (
        <p className="empty">No instance has reported a version yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Kind</th>
              <th>Resource</th>
              <th>Desired version</th>
              <th>Instances</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => (
              <tr key={c.key} data-resource={c.key} data-drifting={c.drift.drifting ? "1" : "0"}>
                <td>
                  <KindLabel kind={c.kind} />
                </td>
                <td>
                  {/* the resource's story: its reloads, alerts, requests and version changes */}
                  <Link className="mono" href={resourceHref(serviceId, c.kind, c.resource)} data-resource-link>
                    {c.resource}
                  </Link>
                </td>
                <td className="mono">{c.desired ?? <span className="muted">none yet</span>}</td>
                <td>
                  {c.drift.livePairs}
                  {c.drift.stalePairs ? (
                    <span className="muted" title="not heard from within the stale window: left out of drift">
                      {" "}
                      (+{c.drift.stalePairs} gone)
                    </span>
                  ) : null}
                </td>
                <td>
                  {c.drift.drifting ? (
                    <span className="badge drift">
                      drift: {plural(c.drift.versionCount, "version")}
                      {c.drift.offDesired ? `, ${c.drift.offDesired} off desired` : ""} for{" "}
                      {formatDuration(c.drift.driftingForMs)}+
                    </span>
                  ) : c.drift.livePairs === 0 ? (
                    <span className="badge neutral">gone</span>
                  ) : c.drift.versionCount > 1 || c.drift.offDesired > 0 ? (
                    <span className="badge info">converging</span>
                  ) : (
                    <span className="badge ok">in sync</span>
                  )}
                  {alerts?.get(c.key) ? (
                    <>
                      {" "}
                      <Link
                        href={alertsHref ?? "/alerts"}
                        className={`badge ${alerts.get(c.key)!.tone}`}
                        title={alerts.get(c.key)!.title}
                        data-alert-badge
                      >
                        {alerts.get(c.key)!.text}
                      </Link>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
