// The diagnosis table (DESIGN's reload-format troubleshooting): where each target that did not
// converge stopped, what it usually means, its evidence; errors grouped by normalised message.
import { describe, expect, test } from "vitest";
import {
  diagnoseReload,
  errorSpanStep,
  groupErrors,
  normaliseErrorMessage,
  type DiagnosisTarget,
  type StopReason,
} from "@/lib/domain/diagnosis";
import { classifyError, type ErrorClass } from "@/lib/domain/error-class";
import type { Phase } from "@/lib/domain/types";
import { at } from "./helpers";

const NOW = at(3600);
const SILENT_MS = 5 * 60_000;

function target(phases: Phase[], overrides: Partial<DiagnosisTarget> = {}): DiagnosisTarget {
  return {
    instance: "i-1",
    converged: false,
    phase: phases.length ? phases[phases.length - 1]! : null,
    events: phases.map((phase, i) => ({
      phase,
      at: at(3500 + i),
      error: phase === "nacked" || phase === "failed" ? "boom" : null,
    })),
    // heard from a minute ago: alive
    lastHeardAt: at(3540),
    spans: [],
    ...overrides,
  };
}

function one(t: DiagnosisTarget, status: "in_progress" | "expired" = "in_progress") {
  const result = diagnoseReload({
    status,
    expiredAt: status === "expired" ? at(3000) : null,
    now: NOW,
    silentAfterMs: SILENT_MS,
    targets: [t],
  });
  return result.targets[0];
}

describe("where a target stopped and what it usually means", () => {
  test.each<[string, Phase[], StopReason, string, Phase | null]>([
    ["never received", [], "never_received", "delivery or propagation", null],
    ["received, nothing more", ["received"], "not_validated", "schema mismatch or malformed payload", "received"],
    [
      "parsed, then NACKed",
      ["received", "parsed", "nacked"],
      "not_validated",
      "schema mismatch or malformed payload",
      "parsed",
    ],
    ["validated, nothing more", ["received", "parsed", "validated"], "not_applied", "apply failure", "validated"],
    [
      "staged, then failed",
      ["received", "parsed", "validated", "staged", "failed"],
      "not_applied",
      "apply failure",
      "staged",
    ],
    ["applied, then failed (no ack)", ["received", "applied", "failed"], "not_acked", "lost ACK", "applied"],
    [
      "rolled back",
      ["received", "applied", "rolled_back"],
      "rolled_back",
      "rolled back to the previous version",
      "applied",
    ],
  ])("%s → %s", (_name, phases, reason, cause, reached) => {
    const d = one(target(phases))!;
    expect(d.reason).toBe(reason);
    expect(d.usually).toBe(cause);
    // With no error reported, the table's cause is the cause; a reported one is quoted instead.
    expect(d.cause).toBe(phases.some((p) => p === "nacked" || p === "failed") ? "boom" : cause);
    expect(d.reachedPhase).toBe(reached);
    expect(d.checks.length).toBeGreaterThan(0);
  });

  test.each<[string, Phase[], string, string]>([
    [
      "NACK after parsed quoting an apply error",
      ["received", "parsed", "nacked"],
      "apply failed: listener :8443 certificate chain incomplete",
      "stopped after parsed",
    ],
    [
      "failure after validated quoting a schema error",
      ["received", "parsed", "validated", "failed"],
      "schema mismatch: field 'a' expects integer",
      "stopped after validated",
    ],
    ["NACK with no step before it", ["nacked"], "refused: signature invalid", "stopped on receipt"],
  ])("%s: the quoted error is the cause, the phase only says where it stopped", (_name, phases, error, stoppedAt) => {
    const events = phases.map((phase, i) => ({
      phase,
      at: at(3500 + i),
      error: phase === "nacked" || phase === "failed" ? error : null,
    }));
    const d = one(target(phases, { events }))!;
    expect(d.cause).toBe(error);
    expect(d.stoppedAt).toBe(stoppedAt);
    expect(d.evidence.error).toBe(error);
  });

  test("without an error, where it stopped and the table's cause", () => {
    expect(one(target([]))).toMatchObject({ cause: "delivery or propagation", stoppedAt: "never received" });
    expect(one(target(["received", "parsed"]))).toMatchObject({
      cause: "schema mismatch or malformed payload",
      stoppedAt: "stopped after parsed",
    });
  });

  test("a target that converged is not diagnosed", () => {
    expect(one(target(["received", "applied", "acked"], { converged: true }))).toBeUndefined();
  });

  test("an unfinished target silent for longer than the threshold went silent (crash or unavailable), with how long", () => {
    const events = [
      { phase: "received" as const, at: at(2000), error: null },
      { phase: "parsed" as const, at: at(2001), error: null },
    ];
    // the last heartbeat (3000) is later than its last event: silence counts from there
    const d = one(target([], { phase: "parsed", events, lastHeardAt: at(3000) }))!;
    expect(d.reason).toBe("went_silent");
    expect(d.cause).toBe("crash or unavailable");
    expect(d.evidence.silentForMs).toBe(600_000);
  });

  test("a NACK with no earlier step reported still counts as received", () => {
    const d = one(target([], { phase: "nacked", events: [{ phase: "nacked", at: at(3500), error: "bad" }] }))!;
    expect(d.reason).toBe("not_validated");
    expect(d.reachedPhase).toBeNull();
  });

  test.each([
    ["just under the threshold", 3600 - 299, "not_validated"],
    ["just over it", 3600 - 301, "went_silent"],
  ])("silence %s", (_name, lastSeconds, reason) => {
    const t = target(["received"], {
      events: [{ phase: "received", at: at(lastSeconds), error: null }],
      lastHeardAt: null,
    });
    expect(one(t)!.reason).toBe(reason);
  });

  test("a target that NACKed is not 'silent' however old its last report", () => {
    expect(one(target(["received", "nacked"], { lastHeardAt: at(0) }))!.reason).toBe("not_validated");
  });

  test("a target that never reported stays 'never received' even when silent", () => {
    expect(one(target([], { lastHeardAt: at(0) }))!.reason).toBe("never_received");
  });

  test("evidence: the NACK text, the last heartbeat, span errors, the expiry", () => {
    const d = one(
      target(["received", "nacked"], {
        spans: [
          { name: "reload.parse", error: true, message: "unexpected token" },
          { name: "reload.fetch", error: false, message: null },
        ],
      }),
      "expired",
    )!;
    expect(d.evidence).toMatchObject({
      error: "boom",
      lastHeardAt: at(3540),
      expiredAt: at(3000),
      spanErrors: ["reload.parse: unexpected token"],
    });
    expect(d.finalPhase).toBe("nacked");
  });
});

describe("errors grouped by normalised message", () => {
  test.each([
    ["route conflict: host api.example.com port 8443", "route conflict: host api.example.com port ‹n›"],
    ['key "tenant-42" is not allowed', "key ‹…› is not allowed"],
    ["config sha 9f86d081884c7d65 rejected after 1.5s", "config sha ‹hex› rejected after ‹n›s"],
    ["request 123e4567-e89b-12d3-a456-426614174000 failed", "request ‹id› failed"],
    ["dial tcp 10.0.3.7:8080: connection refused", "dial tcp ‹ip›: connection refused"],
    ["pointer 0xDEADBEEF   nil", "pointer ‹hex› nil"],
    ["schema 'v2' expected,  got 'v3'", "schema ‹…› expected, got ‹…›"],
  ])("%s → %s", (message, pattern) => {
    expect(normaliseErrorMessage(message)).toBe(pattern);
  });

  test("forty instances failing for one reason are one line; another reason is another", () => {
    const errors = [
      ...Array.from({ length: 40 }, (_, i) => ({ instance: `i-${i}`, error: `line ${i + 1}: unknown field "x${i}"` })),
      { instance: "j", error: "out of memory" },
    ];
    const groups = groupErrors(errors);
    expect(groups.map((g) => [g.pattern, g.count])).toEqual([
      ["line ‹n›: unknown field ‹…›", 40],
      ["out of memory", 1],
    ]);
    expect(groups[0]!.example).toBe('line 1: unknown field "x0"');
    expect(groups[0]!.instances).toHaveLength(40);
  });

  test("diagnoseReload groups its targets' errors and counts by reason", () => {
    const targets = [
      target(["received", "nacked"], {
        instance: "a",
        events: [{ phase: "nacked", at: at(3500), error: "bad field 'x' at 3" }],
      }),
      target(["received", "nacked"], {
        instance: "b",
        events: [{ phase: "nacked", at: at(3500), error: "bad field 'y' at 9" }],
      }),
      target([], { instance: "c" }),
    ];
    const result = diagnoseReload({
      status: "in_progress",
      expiredAt: null,
      now: NOW,
      silentAfterMs: SILENT_MS,
      targets,
    });
    expect(result.errorGroups).toHaveLength(1);
    expect(result.errorGroups[0]).toMatchObject({ count: 2, instances: ["a", "b"] });
    expect(result.byReason).toEqual([
      { reason: "not_validated", cause: "schema mismatch or malformed payload", count: 2 },
      { reason: "never_received", cause: "delivery or propagation", count: 1 },
    ]);
  });
});

describe("checks chosen by the error's class", () => {
  test.each<[string, ErrorClass | null]>([
    ["fetch routes.yaml: 401 Unauthorized", "credentials"],
    ["permission denied reading /etc/app/secret", "credentials"],
    ["vault: token expired", "credentials"],
    ["x509: certificate signed by unknown authority", "credentials"],
    ["context deadline exceeded", "timeout"],
    ["apply timed out after 30s", "timeout"],
    ["dial tcp 10.0.3.7:8080: connection refused", "connection"],
    ["out of memory while staging model", "resources"],
    ["schema mismatch: field 'a' expects integer", "schema"],
    ['unknown field "retries" in route', "schema"],
    ["yaml: line 3: mapping values are not allowed in this context", "parse"],
    ["unexpected token } in JSON at position 41", "parse"],
    ["SyntaxError: invalid token", "parse"],
    ["unexpected EOF", "parse"],
    ["boom", "other"],
    ["", null],
  ])("%s → %s", (message, errorClass) => {
    expect(classifyError(message || null)).toBe(errorClass);
  });

  test("a credentials error after parsed is not advised to check the schema", () => {
    const events = [
      { phase: "received" as const, at: at(3500), error: null },
      { phase: "parsed" as const, at: at(3501), error: null },
      { phase: "nacked" as const, at: at(3502), error: "fetch secret: 403 Forbidden (invalid bearer token)" },
    ];
    const d = one(target([], { phase: "nacked", events }))!;
    expect(d.errorClass).toBe("credentials");
    expect(d.usually).toBe("credentials or access");
    expect(d.checks.join(" ")).not.toMatch(/schema/i);
    expect(d.checks.join(" ")).toMatch(/credential/i);
  });

  test("a schema error keeps the schema checks", () => {
    const events = [{ phase: "nacked" as const, at: at(3500), error: "schema mismatch: field 'a' expects integer" }];
    expect(one(target([], { phase: "nacked", events }))!.checks.join(" ")).toMatch(/schema version/);
  });

  test("the stage is where the error span is: stopped at validated, not after parsed", () => {
    const events = [
      { phase: "received" as const, at: at(3500), error: null },
      { phase: "parsed" as const, at: at(3501), error: null },
      { phase: "nacked" as const, at: at(3502), error: "field 'port' must be below 65536" },
    ];
    const spans = [
      { name: "reload.parsed", error: false, message: null },
      { name: "reload.validated", error: true, message: "field 'port' must be below 65536" },
    ];
    const d = one(target([], { phase: "nacked", events, spans }))!;
    expect(d.stoppedAt).toBe("stopped at validated");
    expect(d.reason).toBe("not_validated");
    expect(errorSpanStep(spans)).toBe("validated");
  });

  test("an error span not named for a step leaves the stage to the events", () => {
    expect(errorSpanStep([{ name: "GET /config", error: true }])).toBeNull();
    expect(errorSpanStep([{ name: "reload.validated", error: false }])).toBeNull();
  });
});
