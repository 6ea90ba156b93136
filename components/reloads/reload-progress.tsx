// "N of M" for a reload, the same in every table: targets with a final phase (acked,
// NACKed, failed, rolled back) of the reload's scope, with its NACKs, failures and the
// instances still on the way.
import type { ProgressCounts } from "@/lib/domain/progress-words";
import { finishedTargets } from "@/lib/domain/reload-status";

export function ReloadProgress({ counts }: { counts: ProgressCounts }) {
  return (
    <>
      <span title="targets with a final phase (acked, NACKed, failed, rolled back) of the reload's scope">
        {finishedTargets(counts)} of {counts.targets}
      </span>
      {counts.nacked ? <span className="badge bad"> {counts.nacked} NACK</span> : null}
      {counts.failed ? <span className="badge bad"> {counts.failed} failed</span> : null}
      {counts.inProgress ? <span className="badge info"> {counts.inProgress} in progress</span> : null}
    </>
  );
}
