import { describe, expect, test } from "vitest";
import { requestOutcome } from "@/lib/domain/dispatch-policy";
import { isTerminal } from "@/lib/domain/reload-status";
import { RELOAD_STATUSES } from "@/lib/domain/types";

// A dispatched request ends exactly as its reload does: the reload page's header and
// /approvals must not say "failed" of a reload that partially failed or rolled back.
describe("requestOutcome", () => {
  test.each<[string, { status: string; reason: string | null } | null]>([
    ["succeeded", { status: "succeeded", reason: null }],
    ["partially_failed", { status: "partially_failed", reason: "the reload ended partially failed" }],
    ["failed", { status: "failed", reason: "the reload ended failed" }],
    ["rolled_back", { status: "rolled_back", reason: "the reload ended rolled back" }],
    ["expired", { status: "expired", reason: "the reload ended expired" }],
    ["cancelled", { status: "cancelled", reason: "the reload ended cancelled" }],
    ["rejected", { status: "rejected", reason: "the reload ended rejected" }],
    ["in_progress", null],
    ["dispatching", null],
    ["approved", null],
    ["pending_approval", null],
  ])("a reload %s", (reloadStatus, outcome) => {
    expect(requestOutcome(reloadStatus)).toEqual(outcome);
  });

  test("every terminal reload status ends the request with that same status; no other does", () => {
    for (const status of RELOAD_STATUSES) {
      expect(requestOutcome(status)?.status ?? null).toBe(isTerminal(status) ? status : null);
    }
  });
});
