import Link from "next/link";
import { SeverityBadge } from "@/components/alerts/alert-view";
import { RequestStatusBadge } from "@/components/approvals/request-status-badge";
import { LocalTime } from "@/components/time/local-time";
import { RULES } from "@/lib/domain/alerts/rules";
import type { StoryItem } from "@/lib/domain/resource-story";
import type { ReloadStatus } from "@/lib/domain/types";
import { isoUtc, relativeTime, versionChange } from "@/lib/format";
import { replayLinkFor } from "@/lib/replay/params";
import { ReloadStatusBadge } from "./reload-status-badge";

const TYPE_WORDS: Record<StoryItem["type"], string> = {
  reload: "Reload",
  alert: "Alert",
  request: "Request",
  version: "Version change",
};

/** One resource's reloads, alerts, requests and out-of-band version changes, newest first. */
export function ResourceStoryList({ items, now }: { items: StoryItem[]; now: Date }) {
  return (
    <div className="table-wrap">
      <table aria-label="The resource's story, newest first">
        <thead>
          <tr>
            <th>When</th>
            <th>What</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={`${item.type}:${keyOf(item)}`} data-story={item.type}>
              <td>
                <LocalTime iso={item.at.toISOString()} utcText={isoUtc(item.at)} />
                <div className="when">{relativeTime(item.at, now)}</div>
              </td>
              <td>
                <strong>{TYPE_WORDS[item.type]}</strong>
              </td>
              <td className="story-detail">
                <Detail item={item} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function keyOf(item: StoryItem): string {
  if (item.type === "reload") return item.key;
  if (item.type === "alert" || item.type === "request") return item.id;
  return `${item.instanceKey}@${item.at.toISOString()}`;
}

function Detail({ item }: { item: StoryItem }) {
  switch (item.type) {
    case "reload":
      return (
        <>
          <ReloadStatusBadge status={item.status as ReloadStatus} />{" "}
          <Link className="mono" href={`/reloads/${item.key}`}>
            {item.reloadId}
          </Link>{" "}
          <span className="mono">{versionChange(item.fromVersion, item.toVersion)}</span>
          {item.initiator ? <span className="muted"> by {item.initiator}</span> : null}
          {item.failedInstances > 0 ? (
            <span className="muted"> · {item.failedInstances} NACKed or failed</span>
          ) : null}{" "}
          · <Link href={replayLinkFor({ reloadKey: item.key })}>replay just before</Link>
          {item.lastError ? <div className="error-text">{item.lastError}</div> : null}
        </>
      );
    case "alert":
      return (
        <>
          <SeverityBadge severity={item.severity} />{" "}
          <Link href={`/alerts/${item.id}`}>{RULES[item.rule as keyof typeof RULES]?.title ?? item.rule}</Link>{" "}
          <span className="muted">
            {item.state}
            {item.resolvedAt ? ` at ${isoUtc(item.resolvedAt)}` : ""}
          </span>
          <div>{item.summary}</div>
        </>
      );
    case "request":
      return (
        <>
          <RequestStatusBadge status={item.status} />{" "}
          <Link href={`/approvals/${item.id}`}>
            {item.action === "rollback" ? "Rollback" : "Reload"} request #{item.id}
          </Link>{" "}
          <span className="mono">{versionChange(item.fromVersion, item.toVersion)}</span>{" "}
          <span className="muted">by {item.requestedBy}</span>
          {item.reason ? <div>“{item.reason}”</div> : null}
        </>
      );
    case "version":
      return (
        <>
          <span className="mono">{item.instanceKey}</span> moved{" "}
          <span className="mono">{versionChange(item.fromVersion, item.toVersion)}</span>{" "}
          <span className="muted">outside any reload (reported by its heartbeat)</span>
        </>
      );
  }
}
