import Link from "next/link";
import { KindLabel } from "@/components/fleet/kind-label";
import { ReloadStatusBadge } from "@/components/services/reload-status-badge";
import { formatDuration, isoUtc, relativeTime, versionChange } from "@/lib/format";
import type { ReloadSummary } from "@/lib/reloads/read-model";
import { ReloadProgress, type ReloadProgressCounts } from "./reload-progress";

/** The list's counts as the one progress cell reads them (rolled back = the rest of the finished). */
function progressOf(r: ReloadSummary): ReloadProgressCounts {
  const finished = Math.max(0, r.targets - r.pending);
  return { targets: r.targets, acked: r.acked, nacked: r.nacked, failed: r.failed, rolledBack: Math.max(0, finished - r.acked - r.nacked - r.failed) };
}

export function ReloadList({ reloads, now }: { reloads: ReloadSummary[]; now: Date }) {
  return (
    <div className="table-wrap">
      <table aria-label="Reloads">
        <thead>
          <tr>
            <th>Started</th>
            <th>Service</th>
            <th>Kind · resource</th>
            <th>From → to</th>
            <th>Initiator</th>
            <th>Status</th>
            <th>Done</th>
            <th>Convergence</th>
          </tr>
        </thead>
        <tbody>
          {reloads.map((r) => {
            const started = new Date(r.startedAt);
            return (
              <tr key={r.key} data-reload={r.reloadId} data-key={r.key} data-status={r.status}>
                <td title={isoUtc(started)}>
                  <Link href={`/reloads/${r.key}`}>{relativeTime(started, now)}</Link>
                  <div className="when mono">{r.reloadId}</div>
                </td>
                <td>
                  {r.service}
                  <div className="when">
                    {r.environment}
                    {r.namespace ? ` / ${r.namespace}` : ""}
                  </div>
                </td>
                <td>
                  <KindLabel kind={r.kind} /> · <span className="mono">{r.resource}</span>
                </td>
                <td className="mono">
                  {versionChange(r.fromVersion, r.toVersion)}
                </td>
                <td>{r.initiator ?? <span className="muted">unknown</span>}</td>
                <td>
                  <ReloadStatusBadge status={r.status} />
                </td>
                <td>
                  <ReloadProgress counts={progressOf(r)} />
                </td>
                <td>{formatDuration(r.convergenceMs)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
