// The `reloadscope` CLI's pure rules (bin/cli/core.mjs): arguments, durations, progress,
// how a wait ends, the events send builds, retry delays and the drift table.
import { describe, expect, test } from "vitest";
import {
  assessWait,
  CliError,
  completeEvents,
  describeHttpError,
  driftTable,
  EXIT,
  failureLines,
  formatDuration,
  mergeSendAnswers,
  parseCommandLine,
  parseDuration,
  progressLine,
  retryDelayMs,
  sendLines,
  TERMINAL_STATUSES,
  type ReloadSummaryLike,
} from "@/bin/cli/core.mjs";
import { isTerminal } from "@/lib/domain/reload-status";
import { RELOAD_STATUSES, TERMINAL_STATUSES as DOMAIN_TERMINAL } from "@/lib/domain/types";

const env = { RELOADSCOPE_URL: "http://reloadscope.internal:3000/", RELOADSCOPE_TOKEN: "rs_x_y" };

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.USAGE);
    return (error as Error).message;
  }
  throw new Error("expected a usage error");
}

function reload(overrides: Partial<ReloadSummaryLike> = {}): ReloadSummaryLike {
  return {
    key: "42",
    environment: "prod",
    namespace: "payments",
    service: "checkout-api",
    kind: "config",
    resource: "routes.yaml",
    toVersion: "b7d2f11",
    status: "in_progress",
    targets: 20,
    acked: 12,
    nacked: 1,
    failed: 0,
    pending: 7,
    ...overrides,
  };
}

describe("terminal statuses", () => {
  test("are the domain's, so the CLI ends a wait exactly when the reload has ended", () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual([...DOMAIN_TERMINAL].sort());
  });
});

describe("parseDuration", () => {
  test.each([
    ["90s", 90_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["1.5s", 1500],
    ["30", 30_000],
    [" 2s ", 2000],
  ])("%s → %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(["", "ten minutes", "10 m", "-5s", "0s", "5d", "m"])("%j is refused, naming the option", (text) => {
    expect(usageError(() => parseDuration(text, "--timeout"))).toMatch(/^--timeout: /);
  });
});

test.each([
  [400, "400ms"],
  [41_000, "41s"],
  [185_000, "3m05s"],
  [3_720_000, "1h02m"],
])("formatDuration(%d) = %s", (ms, text) => expect(formatDuration(ms)).toBe(text));

describe("parseCommandLine", () => {
  test("wait takes the reloadId, filters, timeout and interval; the URL and token come from the environment", () => {
    expect(
      parseCommandLine(
        ["wait", "rl-7f3a", "--service", "checkout-api", "--timeout", "90s", "--interval", "500ms"],
        env,
      ),
    ).toEqual({
      command: "wait",
      url: "http://reloadscope.internal:3000",
      token: "rs_x_y",
      json: false,
      reloadId: "rl-7f3a",
      filters: { service: "checkout-api" },
      timeoutMs: 90_000,
      intervalMs: 500,
    });
  });

  test("flags win over the environment; defaults: localhost:3000, 10m, 2s", () => {
    const parsed = parseCommandLine(
      ["wait", "rl", "--url", "https://rs.example.com", "--token", "rs_flag", "--json"],
      env,
    );
    expect(parsed).toMatchObject({ url: "https://rs.example.com", token: "rs_flag", json: true });
    expect(parseCommandLine(["wait", "rl"], {})).toMatchObject({
      url: "http://localhost:3000",
      token: "",
      timeoutMs: 600_000,
      intervalMs: 2000,
    });
  });

  test.each([
    [[], "main"],
    [["--help"], "main"],
    [["wait", "--help"], "wait"],
    [["send", "-h"], "send"],
    [["help", "status"], "status"],
  ])("%j asks for help on %s", (argv, topic) =>
    expect(parseCommandLine(argv, env)).toEqual({ command: "help", topic }),
  );

  test.each([
    [["deploy"], /unknown command "deploy"/],
    [["wait"], /exactly one reloadId/],
    [["wait", "a", "b"], /exactly one reloadId/],
    [["wait", "rl", "--timeout", "soon"], /--timeout: "soon" is not a duration/],
    [["wait", "rl", "--interval", "10ms"], /--interval: at least 100ms/],
    [["wait", "rl", "--bogus"], /Unknown option '--bogus'/],
    [["status", "extra"], /unexpected argument "extra"/],
    [["send", "--service", "a"], /missing --environment, --kind, --resource, --phase/],
    [["send", "--file", "x.json", "--service", "a"], /--service cannot be combined with a file/],
    [["send", "--file", "x.json", "--attempts", "0"], /--attempts/],
    [["send", "file.json"], /unexpected argument "file.json"/],
    [
      [
        "send",
        "--environment",
        "p",
        "--service",
        "s",
        "--kind",
        "config",
        "--resource",
        "r",
        "--phase",
        "applied",
        "--label",
        "novalue",
      ],
      /"novalue" is not key=value/,
    ],
    [["wait", "rl", "--url", "reloadscope:3000"], /must start with http/],
    [["wait", "rl", "--url", "not a url"], /is not a URL/],
  ])("%j is a usage error", (argv, message) => {
    expect(usageError(() => parseCommandLine(argv, env))).toMatch(message);
  });

  test("send builds one event from its flags, labels as key=value", () => {
    const parsed = parseCommandLine(
      [
        "send",
        ...["--environment", "prod", "--namespace", "payments", "--service", "checkout-api", "--instance", "pod-a"],
        ...[
          "--kind",
          "config",
          "--resource",
          "routes.yaml",
          "--phase",
          "nacked",
          "--to-version",
          "v2",
          "--from-version",
          "v1",
        ],
        ...["--reload-id", "rl-1", "--error", "line 3: bad", "--label", "region=eu-west-1", "--label", "zone=a=b"],
      ],
      env,
    );
    expect(parsed).toMatchObject({
      command: "send",
      attempts: 5,
      source: {
        from: "flags",
        event: {
          environment: "prod",
          namespace: "payments",
          service: "checkout-api",
          instance: "pod-a",
          kind: "config",
          resource: "routes.yaml",
          phase: "nacked",
          toVersion: "v2",
          fromVersion: "v1",
          reloadId: "rl-1",
          error: "line 3: bad",
          labels: { region: "eu-west-1", zone: "a=b" },
        },
      },
    });
  });

  test("send reads a file with --file, stdin with - or --file -", () => {
    expect(parseCommandLine(["send", "--file", "events.json"], env)).toMatchObject({
      source: { from: "file", path: "events.json" },
    });
    expect(parseCommandLine(["send", "-"], env)).toMatchObject({ source: { from: "stdin" } });
    expect(parseCommandLine(["send", "--file", "-"], env)).toMatchObject({ source: { from: "stdin" } });
  });

  test("status takes --drifting and the fleet's filters", () => {
    expect(parseCommandLine(["status", "--drifting", "--environment", "prod", "--kind", "config"], env)).toEqual({
      command: "status",
      url: "http://reloadscope.internal:3000",
      token: "rs_x_y",
      json: false,
      drifting: true,
      filters: { environment: "prod", kind: "config" },
    });
  });
});

describe("progress and how a wait ends", () => {
  test('a line says "N of M" with what is moving where', () => {
    expect(progressLine(reload())).toBe(
      "prod/payments/checkout-api config routes.yaml → b7d2f11: 12 of 20 acked, 1 nacked, 7 pending (in_progress)",
    );
    expect(progressLine(reload({ namespace: null, status: "succeeded", acked: 20, nacked: 0, pending: 0 }))).toBe(
      "prod/checkout-api config routes.yaml → b7d2f11: 20 of 20 acked (succeeded)",
    );
    // an ended reload's unreported targets are not "pending" any more
    expect(progressLine(reload({ status: "expired", failed: 2 }))).toBe(
      "prod/payments/checkout-api config routes.yaml → b7d2f11: 12 of 20 acked, 1 nacked, 2 failed (expired)",
    );
  });

  test("nothing reported yet, or anything still moving: keep waiting", () => {
    expect(assessWait([])).toEqual({ done: false });
    for (const status of RELOAD_STATUSES.filter((s) => !isTerminal(s))) {
      expect(assessWait([reload({ key: "1", status: "succeeded" }), reload({ key: "2", status })])).toEqual({
        done: false,
      });
    }
  });

  test("every reload succeeded → 0; any other end → 1, naming those that did not succeed", () => {
    expect(assessWait([reload({ status: "succeeded" })])).toMatchObject({ done: true, exitCode: 0, failed: [] });
    for (const status of [...DOMAIN_TERMINAL].filter((s) => s !== "succeeded")) {
      const outcome = assessWait([reload({ key: "1", status: "succeeded" }), reload({ key: "2", status })]);
      expect(outcome).toMatchObject({ done: true, exitCode: 1 });
      expect(outcome.done && outcome.failed.map((r) => r.key)).toEqual(["2"]);
    }
  });

  test("a failure names the instances that did not ack, with their errors", () => {
    const lines = failureLines({
      ...reload({ status: "partially_failed", targets: 3, acked: 1, nacked: 1, pending: 0, failed: 0 }),
      instances: [
        { instance: "pod-b", phase: "nacked", error: "routes.yaml: line 3:\n unknown field" },
        { instance: "pod-long-name", phase: "pending", error: null },
        { instance: "pod-a", phase: "acked", error: null },
      ],
      instancesTruncated: false,
    });
    expect(lines).toEqual([
      "prod/payments/checkout-api config routes.yaml → b7d2f11: 1 of 3 acked, 1 nacked (partially_failed)",
      "  pod-b          nacked       routes.yaml: line 3: unknown field",
      "  pod-long-name  pending      never reported",
    ]);
  });

  test("a reload that ended without an instance failing says how it ended", () => {
    const lines = failureLines({
      ...reload({ status: "rejected", targets: 0, acked: 0, nacked: 0, pending: 0 }),
      instances: [],
    });
    expect(lines[1]).toBe("  no instance reported a failure; the reload ended as rejected");
  });
});

describe("send", () => {
  const fill = () => {
    let n = 0;
    return { newId: () => `id-${++n}`, now: () => new Date("2026-01-02T03:04:05.000Z") };
  };

  test("fills in id and occurredAt only where absent", () => {
    expect(
      completeEvents([{ phase: "applied" }, { id: "mine", occurredAt: "2026-01-01T00:00:00Z" }, { id: null }], fill()),
    ).toEqual([
      { phase: "applied", id: "id-1", occurredAt: "2026-01-02T03:04:05.000Z" },
      { id: "mine", occurredAt: "2026-01-01T00:00:00Z" },
      { id: "id-2", occurredAt: "2026-01-02T03:04:05.000Z" },
    ]);
    expect(completeEvents({ phase: "heartbeat" }, fill())).toHaveLength(1);
  });

  test.each([[[]], [[1]], [["x"]], [[[{}]]], [null]])("%j is refused", (payload) => {
    expect(usageError(() => completeEvents(payload, fill()))).toMatch(/^send: /);
  });

  test.each([
    ["0", 1, 0],
    ["3", 1, 3000],
    ["600", 1, 60_000],
    [null, 1, 1000],
    [null, 3, 4000],
    [null, 10, 60_000],
    ["Fri, 02 Jan 2026 03:04:15 GMT", 1, 10_000],
    ["Fri, 02 Jan 2026 03:00:00 GMT", 1, 0],
    ["soon", 2, 2000],
  ])("Retry-After %j on retry %d waits %d ms", (header, attempt, ms) => {
    expect(retryDelayMs(header, attempt, new Date("2026-01-02T03:04:05.000Z"))).toBe(ms);
  });

  test("batches' answers add up, rejected indexes counted over the whole list and named by id", () => {
    const result = mergeSendAnswers([
      { answer: { accepted: 2, duplicates: 0, rejected: [] }, offset: 0, events: [{ id: "a" }, { id: "b" }] },
      {
        answer: {
          accepted: 0,
          duplicates: 1,
          rejected: [{ index: 1, reason: "toVersion: is required for phase applied" }],
        },
        offset: 2,
        events: [{ id: "c" }, { id: "d" }],
      },
    ]);
    expect(result).toEqual({
      accepted: 2,
      duplicates: 1,
      rejected: [{ index: 3, id: "d", reason: "toVersion: is required for phase applied" }],
    });
    expect(sendLines(result)).toEqual([
      "accepted 2, duplicates 1, rejected 1",
      "  event 4 (id d): toVersion: is required for phase applied",
    ]);
  });
});

test.each([
  [401, null, "the token was refused (401): check RELOADSCOPE_TOKEN (or --token)"],
  [
    403,
    { message: 'this token lacks the "read" scope' },
    'the token may not read reloads (403): this token lacks the "read" scope',
  ],
  [400, { message: "status: unknown" }, "the server refused the request (400): status: unknown"],
  [404, null, "read reloads: not found (404); is RELOADSCOPE_URL a Reloadscope server?"],
  [500, { message: "internal error" }, "read reloads: the server answered 500: internal error"],
])("HTTP %d reads as a sentence", (status, body, message) => {
  expect(describeHttpError(status, body, "read reloads")).toBe(message);
});

describe("the drift table", () => {
  const resource = {
    kind: "config",
    resource: "routes.yaml",
    desiredVersion: "v2",
    versions: [
      { version: "v2", instances: 18 },
      { version: "v1", instances: 2 },
    ],
    drifting: true,
    driftReasons: ["off_desired"],
    driftingForMs: 25 * 60_000,
    offDesired: 2,
    failed: 0,
    nacked: 1,
    inProgress: 0,
  };
  const calm = {
    ...resource,
    kind: "model",
    resource: "risk",
    desiredVersion: null,
    versions: [{ version: "m7", instances: 3 }],
    drifting: false,
    driftReasons: [],
    driftingForMs: null,
    offDesired: 0,
    nacked: 0,
  };
  const services = [
    { environment: "prod", namespace: "payments", service: "checkout-api", resources: [resource] },
    { environment: "prod", namespace: null, service: "ledger", resources: [calm] },
  ];

  test("one row per service × kind × resource, columns aligned", () => {
    expect(driftTable(services)).toEqual([
      "SERVICE                     KIND    RESOURCE     DESIRED  VERSIONS    STATE",
      "prod/payments/checkout-api  config  routes.yaml  v2       v2×18 v1×2  drifting 25m00s (2 off desired), 1 nacked",
      "prod/ledger                 model   risk         -        m7×3        ok",
    ]);
  });

  test("--drifting keeps the drifting resources; nothing drifting says so", () => {
    expect(driftTable(services, { driftingOnly: true })).toHaveLength(2);
    expect(driftTable([services[1]!], { driftingOnly: true })).toEqual(["nothing drifts"]);
    expect(driftTable([])).toEqual(["no services have reported"]);
  });
});
