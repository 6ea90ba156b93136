import Link from "next/link";
import { ReloadProgress } from "@/components/reloads/reload-progress";
import { formatDuration, isoUtc, relativeTime, versionChange } from "@/lib/format";
import type { ReloadSummary } from "@/lib/services/queries";
import { ReloadStatusBadge } from "./reload-status-badge";

/** `rollbackHref`: the "roll back to this" link of a row, for those who may request one (null: none for that row). */
export function ReloadHistory({
  reloads,
  now,
  rollbackHref,
}: {
  reloads: ReloadSummary[];
  now: Date;
  rollbackHref?: (reload: ReloadSummary) => string | null;
}) {
  return (
    <section className="panel" aria-label="Reload history">
      <h2>Reload history</h2>
      {reloads.length === 0 ? (
        <p className="empty">No reload has been reported for this service yet; heartbeats alone show what runs.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Started</th>
                <th>Reload</th>
                <th>Resource</th>
                <th>Version</th>
                <th>Initiator</th>
                <th>Status</th>
                <th>Instances</th>
                <th>Convergence</th>
                {rollbackHref ? <th>Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {reloads.map((r) => (
                <tr key={r.key} data-reload={r.reloadId} data-key={r.key}>
                  <td title={isoUtc(r.firstEventAt)}>{relativeTime(r.firstEventAt, now)}</td>
                  <td className="mono">
                    <Link href={`/reloads/${r.key}`}>{r.reloadId}</Link>
                  </td>
                  <td>
                    {r.kind} · <span className="mono">{r.resource}</span>
                  </td>
                  <td className="mono">{versionChange(r.fromVersion, r.toVersion)}</td>
                  <td>{r.initiator ?? <span className="muted">unknown</span>}</td>
                  <td>
                    <ReloadStatusBadge status={r.status} />
                    {r.lastError ? <div className="error-text">{r.lastError}</div> : null}
                  </td>
                  <td>
                    <ReloadProgress
                      counts={{
                        targets: r.instancesTargeted,
                        succeeded: r.instancesSucceeded,
                        nacked: r.instancesNacked,
                        failed: r.instancesFailed,
                        rolledBack: r.instancesRolledBack,
                        inProgress: r.instancesInProgress,
                      }}
                    />
                  </td>
                  <td>{formatDuration(r.convergenceMs)}</td>
                  {rollbackHref ? <td>{rollbackCell(rollbackHref(r), r)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function rollbackCell(href: string | null, r: ReloadSummary) {
  if (!href) return null;
  return (
    <Link href={href} data-rollback-to={r.toVersion} aria-label={`Roll back ${r.kind}/${r.resource} to ${r.toVersion}`}>
      Roll back to this
    </Link>
  );
}
