// The words a reload's progress is read in (the responder's job, DESIGN.md): "7 of 7 finished · 1 NACK", and a
// reload nobody has sent yet never reads as "every target acked".
import { describe, expect, test } from "vitest";
import { notAckedEmptyText, plural, progressWords, type ProgressCounts } from "@/lib/domain/progress-words";
import type { ReloadStatus } from "@/lib/domain/types";

const none: ProgressCounts = { targets: 0, succeeded: 0, nacked: 0, failed: 0, rolledBack: 0 };
const counts = (c: Partial<ProgressCounts>): ProgressCounts => ({ ...none, ...c });

describe("progressWords", () => {
  test.each<[string, Partial<ProgressCounts>, ReloadStatus, string, string[]]>([
    ["all acked", { targets: 7, succeeded: 7 }, "succeeded", "7 of 7 finished", []],
    ["one NACK of seven", { targets: 7, succeeded: 6, nacked: 1 }, "partially_failed", "7 of 7 finished", ["1 NACK"]],
    [
      "failures, rollbacks, on the way",
      { targets: 9, succeeded: 3, failed: 2, rolledBack: 1, inProgress: 3 },
      "in_progress",
      "6 of 9 finished",
      ["2 failed", "1 rolled back", "3 in progress"],
    ],
    ["rollbacks finish", { targets: 4, rolledBack: 4 }, "failed", "4 of 4 finished", ["4 rolled back"]],
    ["pending approval", {}, "pending_approval", "not sent yet: waiting for approval", []],
    ["approved, not dispatched", {}, "approved", "not sent yet: approved, waiting for dispatch", []],
    ["rejected", {}, "rejected", "never sent: rejected", []],
    ["expired before dispatch", {}, "expired", "never sent: expired", []],
    ["reports beyond the scope never read above it", { targets: 2, succeeded: 3 }, "succeeded", "2 of 2 finished", []],
  ])("%s", (_label, c, status, headline, notes) => {
    const words = progressWords(counts(c), status);
    expect(words.headline).toBe(headline);
    expect(words.notes.map((n) => n.text)).toEqual(notes);
  });

  test.each<[ReloadStatus, number, string]>([
    ["pending_approval", 0, "Not sent to any instance (waiting for approval), so none could ack yet."],
    ["succeeded", 4, "Every target acked or applied."],
    ["in_progress", 0, "No target: no instance was named or heard from."],
  ])("the empty never-acked list of a %s reload with %i targets", (status, targets, text) => {
    expect(notAckedEmptyText(status, targets)).toBe(text);
    expect(notAckedEmptyText(status, targets)).not.toMatch(status === "pending_approval" ? /acked or applied/ : /^$/);
  });

  test.each([
    [1, "version", "1 version"],
    [2, "version", "2 versions"],
    [0, "instance", "0 instances"],
  ])("plural(%i, %s)", (n, word, text) => {
    expect(plural(n, word)).toBe(text);
  });
});
