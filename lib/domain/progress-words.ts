// How a reload's progress reads, in one place for the reload page, its lists and the waterfall:
// "7 of 7 finished · 1 NACK", never "done 7 of 7" beside a NACK (done read as "all went
// well"), and a reload nobody has sent yet says so instead of "Every target acked". Pure.
import { finishedTargets, type TargetCounts } from "./reload-status";
import type { ReloadStatus } from "./types";

/** The reload's targets (M, its scope) and their final phases, with those still on the way. */
export interface ProgressCounts extends TargetCounts {
  inProgress?: number;
}

export interface ProgressWords {
  /** "7 of 7 finished", or why nothing can have finished ("not sent yet: waiting for approval") */
  headline: string;
  /** the finished that did not succeed, and those still on the way: "1 NACK", "2 in progress" */
  notes: { text: string; tone: "bad" | "info" | "neutral" }[];
  /** targets with a final phase, never above the scope */
  finished: number;
  /** false before dispatch: no instance has been asked to reload */
  sent: boolean;
  /** why it was not sent ("waiting for approval"), null once sent */
  why: string | null;
}

/** Statuses in which no instance has been asked to reload yet (or ever will be), and why. */
const NOT_SENT: Partial<Record<ReloadStatus, { yet: boolean; why: string }>> = {
  pending_approval: { yet: true, why: "waiting for approval" },
  approved: { yet: true, why: "approved, waiting for dispatch" },
  rejected: { yet: false, why: "rejected" },
  cancelled: { yet: false, why: "cancelled" },
  expired: { yet: false, why: "expired" },
};

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function progressWords(c: ProgressCounts, status: ReloadStatus): ProgressWords {
  const finished = finishedTargets(c);
  const notSent = NOT_SENT[status];
  if (notSent && c.targets === 0)
    return {
      headline: `${notSent.yet ? "not sent yet" : "never sent"}: ${notSent.why}`,
      notes: [],
      finished: 0,
      sent: false,
      why: notSent.why,
    };
  const notes: ProgressWords["notes"] = [];
  if (c.nacked) notes.push({ text: `${c.nacked} NACK`, tone: "bad" });
  if (c.failed) notes.push({ text: `${c.failed} failed`, tone: "bad" });
  if (c.rolledBack) notes.push({ text: `${c.rolledBack} rolled back`, tone: "neutral" });
  if (c.inProgress) notes.push({ text: `${c.inProgress} in progress`, tone: "info" });
  return { headline: `${finished} of ${c.targets} finished`, notes, finished, sent: true, why: null };
}

/** What the "never acked" list says when it is empty: only a reload that was sent can have been acked everywhere. */
export function notAckedEmptyText(status: ReloadStatus, targets: number): string {
  const words = progressWords({ targets, succeeded: 0, nacked: 0, failed: 0, rolledBack: 0 }, status);
  if (!words.sent) return `Not sent to any instance (${words.why}), so none could ack yet.`;
  if (targets === 0) return "No target: no instance was named or heard from.";
  return "Every target acked or applied.";
}
