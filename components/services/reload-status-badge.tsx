import type { ReactNode } from "react";
import { CheckIcon, CrossIcon, DotIcon, ProgressIcon, WarnIcon } from "@/components/icons";
import type { ReloadStatus } from "@/lib/domain/types";

// A word and an icon with every colour: the status is never told by its fill alone.
const STYLE: Record<ReloadStatus, [string, ReactNode]> = {
  pending_approval: ["neutral", <DotIcon key="i" />],
  approved: ["info", <CheckIcon key="i" />],
  dispatching: ["info", <ProgressIcon key="i" />],
  in_progress: ["info", <ProgressIcon key="i" />],
  succeeded: ["ok", <CheckIcon key="i" />],
  partially_failed: ["bad", <CrossIcon key="i" />],
  failed: ["bad", <CrossIcon key="i" />],
  rolled_back: ["drift", <WarnIcon key="i" />],
  rejected: ["neutral", <CrossIcon key="i" />],
  cancelled: ["neutral", <DotIcon key="i" />],
  expired: ["neutral", <WarnIcon key="i" />],
};

export function ReloadStatusBadge({ status }: { status: ReloadStatus }) {
  const [tone, icon] = STYLE[status] ?? ["neutral", null];
  return (
    <span className={`badge ${tone}`}>
      {icon}
      {status.replaceAll("_", " ")}
    </span>
  );
}
