// The demo endpoint's refusals: the error an instance quotes fits where it stopped and the
// resource's kind, so the reload's diagnosis and the error beside it agree.
import { describe, expect, test } from "vitest";
import { simulatedEvents, simulatedNack } from "@/lib/demo/simulated-target";
import { diagnoseReload } from "@/lib/domain/diagnosis";
import type { WebhookBody } from "@/lib/dispatch/webhook";

const PREFIX = {
  received: /^parse error: /,
  parsed: /^(schema mismatch|validation failed): /,
  validated: /^apply failed: /,
} as const;

describe("simulatedNack", () => {
  test.each(["config", "routes", "flags", "certificate", "model", "data", "code", "anything"])(
    "%s: the error names the resource and fits the step it stopped after",
    (kind) => {
      const seen = new Set<string>();
      for (const pick of [0, 0.2, 0.4, 0.5, 0.7, 0.99]) {
        const { stopAfter, error } = simulatedNack(kind, "res.yaml", pick);
        seen.add(stopAfter);
        expect(error).toMatch(PREFIX[stopAfter]);
        expect(error).toContain("res.yaml");
      }
      expect([...seen].sort()).toEqual(["parsed", "received", "validated"]);
    },
  );

  test("a certificate error only for certificates; no certificate error on a config file", () => {
    for (const pick of [0, 0.4, 0.7]) {
      expect(simulatedNack("config", "routes.yaml", pick).error).not.toMatch(/certificate|listener/);
      expect(simulatedNack("certificate", "wildcard-tls", pick).error).toMatch(/certificate|PEM/);
    }
  });

  test("the events stop at that step, and the diagnosis quotes the error with the same step", () => {
    const body = {
      reloadId: "rl-sim-1",
      service: { environment: "prod", namespace: "edge", name: "ingress" },
      kind: "config",
      resource: "gateway.yaml",
      fromVersion: "v1",
      toVersion: "v2",
      scope: { stage: "all", instances: ["a", "b", "c", "d", "e", "f"] },
    } as unknown as WebhookBody;
    const instances = simulatedEvents(body, null, new Date(Date.UTC(2026, 10, 24)), 1);
    const d = diagnoseReload({
      status: "failed",
      expiredAt: null,
      now: new Date(Date.UTC(2026, 10, 24, 0, 1)),
      silentAfterMs: 300_000,
      targets: instances.map((i) => ({
        instance: i.instance,
        converged: false,
        phase: "nacked",
        events: i.events.map((e) => ({ phase: e.phase, at: e.occurredAt, error: e.error })),
        lastHeardAt: null,
        spans: [],
      })),
    });
    expect(d.targets).toHaveLength(6);
    for (const t of d.targets) {
      const stopAfter = t.reachedPhase as keyof typeof PREFIX;
      expect(Object.keys(PREFIX)).toContain(stopAfter);
      expect(t.cause).toMatch(PREFIX[stopAfter]);
      expect(t.stoppedAt).toBe(`stopped after ${stopAfter}`);
    }
  });
});
