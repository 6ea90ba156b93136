import Link from "next/link";
import { compositeKey } from "@/lib/domain/keys";
import type { MatrixResourceCell } from "@/lib/domain/matrix";
import { fleetHref, type FleetFilters } from "@/lib/fleet/filters";
import type { FleetMatrix } from "@/lib/fleet/queries";
import type { CellReload } from "@/lib/reloads/timeline-queries";
import { formatDuration, isoUtc, relativeTime } from "@/lib/format";
import { KindLabel } from "./kind-label";

export function VersionMatrix({ matrix, filters }: { matrix: FleetMatrix; filters: FleetFilters }) {
  const now = matrix.generatedAt;
  return (
    <div className="panel">
      <div className="table-wrap">
        <table className="matrix" aria-label="Fleet version matrix">
          <thead>
            <tr>
              <th>Service</th>
              {matrix.kinds.map((kind) => (
                <th key={kind} scope="col">
                  <KindLabel kind={kind} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.groups.map((group) => [
              <tr key={`${group.environment}/${group.namespace}`} className="group">
                <td colSpan={matrix.kinds.length + 1}>
                  {group.environment}
                  {group.namespace ? ` / ${group.namespace}` : ""}
                </td>
              </tr>,
              ...group.rows.map((row) => (
                <tr key={row.service.id} className={row.drifting ? "drifting" : undefined} data-service={row.service.name}>
                  <td className="service">
                    <Link href={`/services/${row.service.id}`}>{row.service.name}</Link>
                    <div className="when">
                      {row.service.instanceCount} instance{row.service.instanceCount === 1 ? "" : "s"} · last event{" "}
                      <span title={isoUtc(row.service.lastEventAt)}>{relativeTime(row.service.lastEventAt, now)}</span>
                    </div>
                    {row.drifting ? <span className="badge drift">drifting</span> : null}
                  </td>
                  {matrix.kinds.map((kind) => (
                    <td key={kind}>
                      <div className="cell">
                        {(row.cells[kind] ?? []).map((cell) => (
                          <ResourceCell key={cell.resource} cell={cell} now={now} lastReload={matrix.lastReloads[compositeKey(row.service.id, kind, cell.resource)]} />
                        ))}
                      </div>
                    </td>
                  ))}
                </tr>
              )),
            ])}
          </tbody>
        </table>
      </div>
      {matrix.pageCount > 1 ? (
        <nav className="pager" aria-label="Pages">
          {matrix.page > 1 ? <a href={fleetHref({ ...filters, page: matrix.page - 1 })}>← Previous</a> : null}
          <span className="muted">
            Page {matrix.page} of {matrix.pageCount}
          </span>
          {matrix.page < matrix.pageCount ? <a href={fleetHref({ ...filters, page: matrix.page + 1 })}>Next →</a> : null}
        </nav>
      ) : null}
    </div>
  );
}

function ResourceCell({ cell, now, lastReload }: { cell: MatrixResourceCell; now: Date; lastReload?: CellReload }) {
  const problem = cell.failed + cell.nacked > 0;
  const className = `resource${problem ? " problem" : cell.drift.drifting ? " drift" : ""}`;
  const driftTitle = cell.drift.drifting
    ? `${cell.drift.reasons.includes("mixed_versions") ? `${cell.drift.versionCount} versions running` : ""}${
        cell.drift.reasons.length === 2 ? "; " : ""
      }${cell.drift.reasons.includes("off_desired") ? `${cell.drift.offDesired} off the desired ${cell.desired}` : ""} for ${formatDuration(
        cell.drift.driftingForMs,
      )}+`
    : undefined;
  return (
    <div className={className} data-resource={cell.resource}>
      <div className="name">
        <span>{cell.resource}</span>
        {cell.drift.drifting ? (
          <span className="badge drift" title={driftTitle}>
            drift
          </span>
        ) : null}
        {cell.nacked ? <span className="badge bad">{cell.nacked} NACK</span> : null}
        {cell.failed ? <span className="badge bad">{cell.failed} failed</span> : null}
        {cell.inProgress ? <span className="badge info">{cell.inProgress} reloading</span> : null}
        {cell.rolledBack ? <span className="badge neutral">{cell.rolledBack} rolled back</span> : null}
      </div>
      <div className="versions">
        {cell.versions.map((v) => (
          <span
            key={String(v.version)}
            className={`version${v.isDesired ? " desired" : cell.desired && v.version ? " off" : ""}`}
            title={`${v.version ?? "unknown"} on ${v.instances} instance${v.instances === 1 ? "" : "s"}${v.isDesired ? " (desired)" : cell.desired ? `; desired is ${cell.desired}` : ""}`}
          >
            {v.version ?? "unknown"}
            <span className="count">×{v.instances}</span>
          </span>
        ))}
      </div>
      <div className="when" title={isoUtc(cell.lastChangeAt)}>
        changed {relativeTime(cell.lastChangeAt, now)}
        {lastReload ? (
          <>
            {" "}
            by{" "}
            <Link href={`/reloads/${lastReload.key}`} title="the reload that last changed this resource" data-cell-reload={lastReload.key}>
              {lastReload.reloadId}
            </Link>
          </>
        ) : null}
      </div>
    </div>
  );
}
