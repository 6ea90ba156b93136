// "N of M" for a reload, the same in every table: targets with a final phase (acked,
// NACKed, failed, rolled back) of the reload's scope, with its NACKs, failures and the
// instances still on the way.

export interface ReloadProgressCounts {
  /** M: the reload's scope (reload.instances_targeted) */
  targets: number;
  acked: number;
  nacked: number;
  failed: number;
  rolledBack: number;
  inProgress?: number;
}

export function doneCount(c: ReloadProgressCounts): number {
  return Math.min(c.targets, c.acked + c.nacked + c.failed + c.rolledBack);
}

export function ReloadProgress({ counts }: { counts: ReloadProgressCounts }) {
  return (
    <>
      <span title="targets with a final phase (acked, NACKed, failed, rolled back) of the reload's scope">
        {doneCount(counts)} of {counts.targets}
      </span>
      {counts.nacked ? <span className="badge bad"> {counts.nacked} NACK</span> : null}
      {counts.failed ? <span className="badge bad"> {counts.failed} failed</span> : null}
      {counts.inProgress ? <span className="badge info"> {counts.inProgress} in progress</span> : null}
    </>
  );
}
