// One resource's story (the SRE's and the responder's jobs, DESIGN.md): its reloads, alerts,
// requests and out-of-band version changes, which otherwise live on three pages, merged into
// one list, newest first. Pure: the query reads each kind of item, this orders and cuts them.
import type { RequestStatus } from "./request-status";

export type StoryItem =
  | {
      type: "reload";
      at: Date;
      key: string;
      reloadId: string;
      status: string;
      fromVersion: string | null;
      toVersion: string | null;
      initiator: string | null;
      failedInstances: number;
      lastError: string | null;
    }
  | {
      type: "alert";
      at: Date;
      id: string;
      rule: string;
      severity: string;
      state: string;
      summary: string;
      resolvedAt: Date | null;
    }
  | {
      type: "request";
      at: Date;
      id: string;
      action: string;
      status: RequestStatus;
      fromVersion: string | null;
      toVersion: string;
      reason: string;
      requestedBy: string;
    }
  | { type: "version"; at: Date; instanceKey: string; fromVersion: string; toVersion: string };

export type StoryType = StoryItem["type"];

/**
 * At one instant, the cause before its effects in reading order (newest first, so listed
 * last-to-first): a request is made, its reload starts, an instance's version moves, an
 * alert opens. Ties are common: the app writes a request and its reload's first event at once.
 */
const SAME_TIME_ORDER: Record<StoryType, number> = { alert: 0, version: 1, reload: 2, request: 3 };

const tieKey = (item: StoryItem): string =>
  item.type === "reload"
    ? item.key
    : item.type === "alert"
      ? item.id
      : item.type === "request"
        ? item.id
        : `${item.instanceKey}\u0000${item.toVersion}`;

/** Every item newest first (ties as SAME_TIME_ORDER, then by id), at most `limit` of them. */
export function mergeStory(items: readonly StoryItem[], limit: number): { items: StoryItem[]; more: boolean } {
  const sorted = [...items].sort(
    (a, b) =>
      b.at.getTime() - a.at.getTime() ||
      SAME_TIME_ORDER[a.type] - SAME_TIME_ORDER[b.type] ||
      (tieKey(a) < tieKey(b) ? 1 : tieKey(a) > tieKey(b) ? -1 : 0),
  );
  return { items: sorted.slice(0, limit), more: sorted.length > limit };
}

/** How many of each kind a story holds, for the page's summary line. */
export function storyCounts(items: readonly StoryItem[]): Record<StoryType, number> {
  const counts: Record<StoryType, number> = { reload: 0, alert: 0, request: 0, version: 0 };
  for (const item of items) counts[item.type]++;
  return counts;
}

export interface ReportedVersion {
  instanceKey: string;
  version: string;
  /** the version the instance reported before this report; null when none is known */
  previous: string | null;
  at: Date;
  /** null for a heartbeat outside any reload */
  reloadId: string | null;
}

/**
 * Out-of-band changes among instances' reports of the version they run: a heartbeat outside
 * any reload that names another version than the instance's report before it. A reload's own
 * moves are in the reloads already; a first report changes nothing anyone knew of.
 */
export function outOfBandChanges(reports: readonly ReportedVersion[]): Extract<StoryItem, { type: "version" }>[] {
  return reports
    .filter((r) => r.reloadId === null && r.previous !== null && r.previous !== r.version)
    .map((r) => ({
      type: "version" as const,
      at: r.at,
      instanceKey: r.instanceKey,
      fromVersion: r.previous!,
      toVersion: r.version,
    }));
}
