import Link from "next/link";
import { Initiator } from "./initiator";
import { KindLabel } from "@/components/fleet/kind-label";
import { ReloadStatusBadge } from "@/components/services/reload-status-badge";
import { formatDuration, isoUtc, relativeTime, versionChange } from "@/lib/format";
import { reloadsHref } from "@/lib/reloads/list-params";
import type { ReloadSummary } from "@/lib/reloads/read-model";
import type { ProgressCounts } from "@/lib/domain/progress-words";
import { ReloadProgress } from "./reload-progress";

/**
 * The list's counts as the one progress cell reads them. The read API's summary has no
 * rolled-back count: those are the finished targets (M − pending) that neither acked, NACKed
 * nor failed.
 */
function progressOf(r: ReloadSummary): ProgressCounts {
  const finished = Math.max(0, r.targets - r.pending);
  const rolledBack = Math.max(0, finished - r.acked - r.nacked - r.failed);
  return { targets: r.targets, succeeded: r.acked, nacked: r.nacked, failed: r.failed, rolledBack };
}

export function ReloadList({ reloads, now }: { reloads: ReloadSummary[]; now: Date }) {
  return (
    <div className="table-wrap">
      <table aria-label="Reloads">
        <thead>
          <tr>
            <th>Started</th>
            <th>Status</th>
            <th>Service</th>
            <th>Kind · resource</th>
            <th className="wide-only">From → to</th>
            <th className="wide-only">Initiator</th>
            <th>Done</th>
            <th className="wide-only">Convergence</th>
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
                  <ReloadStatusBadge status={r.status} />
                </td>
                <td>
                  {r.service}
                  <div className="when">
                    {r.environment}
                    {r.namespace ? ` / ${r.namespace}` : ""}
                  </div>
                </td>
                <td>
                  <KindLabel kind={r.kind} /> · {/* the resource's story: every reload of it in this service */}
                  <Link
                    className="mono"
                    href={reloadsHref({
                      environment: r.environment,
                      namespace: r.namespace || null,
                      service: r.service,
                      resource: r.resource,
                    })}
                    title={`every reload of ${r.resource} in ${r.service}`}
                  >
                    {r.resource}
                  </Link>
                </td>
                <td className="mono wide-only">{versionChange(r.fromVersion, r.toVersion)}</td>
                <td className="wide-only">
                  <Initiator initiator={r.initiator} />
                </td>
                <td>
                  <ReloadProgress counts={progressOf(r)} />
                </td>
                <td className="wide-only">{formatDuration(r.convergenceMs)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
