import type { ReloadStatus } from "@/lib/domain/types";

const STYLE: Record<ReloadStatus, string> = {
  pending_approval: "neutral",
  approved: "info",
  dispatching: "info",
  in_progress: "info",
  succeeded: "ok",
  partially_failed: "bad",
  failed: "bad",
  rolled_back: "drift",
  rejected: "neutral",
  cancelled: "neutral",
  expired: "neutral",
};

export function ReloadStatusBadge({ status }: { status: ReloadStatus }) {
  return <span className={`badge ${STYLE[status] ?? "neutral"}`}>{status.replace("_", " ")}</span>;
}
