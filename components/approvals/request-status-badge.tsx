// A request's status (reload_request.status), in the same badge colours as a reload's.
import type { RequestStatus } from "@/lib/domain/request-status";

const STYLE: Record<RequestStatus, string> = {
  pending_approval: "neutral",
  approved: "info",
  dispatching: "info",
  canary: "info",
  dispatched: "info",
  succeeded: "ok",
  partially_failed: "bad",
  failed: "bad",
  rolled_back: "drift",
  rejected: "bad",
  invalidated: "drift",
  expired: "neutral",
  cancelled: "neutral",
};

export function RequestStatusBadge({ status }: { status: RequestStatus }) {
  return (
    <span className={`badge ${STYLE[status] ?? "neutral"}`} data-request-status={status}>
      {status.replaceAll("_", " ")}
    </span>
  );
}
