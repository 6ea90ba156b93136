// What a canary's instances say (lib/domain/dispatch-policy.ts): every phase of the one
// canary instance read through the domain's phase sets, and the words of a stop.
import { describe, expect, test } from "vitest";
import { canaryVerdict } from "@/lib/domain/dispatch-policy";
import { SUCCESS_PHASES, UNSUCCESSFUL_PHASES } from "@/lib/domain/phases";
import { PHASES, type Phase } from "@/lib/domain/types";

describe("canaryVerdict", () => {
  test.each(PHASES.map((p) => [p] as const))("a canary instance at %s", (phase) => {
    const verdict = canaryVerdict(["a"], [{ instance: "a", phase, error: null }]);
    const expected = UNSUCCESSFUL_PHASES.has(phase) ? "failed" : SUCCESS_PHASES.has(phase) ? "acked" : "waiting";
    expect(verdict.kind).toBe(expected);
  });

  test("a canary instance that never reported is waited for", () => {
    expect(canaryVerdict(["a", "b"], [{ instance: "a", phase: "acked", error: null }])).toEqual({
      kind: "waiting",
      pending: ["b"],
    });
  });

  test.each<[Phase, string | null, string]>([
    ["nacked", "bad config", "canary failed: a refused: bad config"],
    ["failed", null, "canary failed: a failed"],
    ["rolled_back", "health check", "canary failed: a rolled back: health check"],
  ])("a stop says why: %s", (phase, error, reason) => {
    expect(canaryVerdict(["a"], [{ instance: "a", phase, error }])).toEqual({ kind: "failed", reason });
  });
});
