import Link from "next/link";
import { KindLabel } from "@/components/fleet/kind-label";
import { ReloadStatusBadge } from "@/components/services/reload-status-badge";
import { formatDuration, isoUtc, relativeTime, versionChange } from "@/lib/format";
import type { ReloadSummary } from "@/lib/reloads/read-model";

/** "N of M" done: targets with a final phase (acked/applied, nacked, failed, rolled back) of the reload's scope. */
export function doneCount(r: Pick<ReloadSummary, "targets" | "pending">): number {
  return Math.max(0, r.targets - r.pending);
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
                  <span title="targets with a final phase (acked, NACKed, failed, rolled back) of the reload's scope">
                    {doneCount(r)} of {r.targets}
                  </span>
                  {r.nacked ? <span className="badge bad"> {r.nacked} NACK</span> : null}
                  {r.failed ? <span className="badge bad"> {r.failed} failed</span> : null}
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
