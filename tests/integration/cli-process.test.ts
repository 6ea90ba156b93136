// The `reloadscope` CLI as a process against a small HTTP server on 127.0.0.1 that answers as
// Reloadscope would, scripted request by request: what the running app cannot be made to do
// on demand (a 503 then an answer, a busy server) and what the CLI must make of it.
// tests/e2e/cli.test.ts runs the same CLI against the built app.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { runCli } from "../support/cli-process";

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers the n-th request with answers[n] (the last one again once they run out). */
async function scriptedServer(
  answers: Answer[] | ((seen: Seen, n: number) => Answer),
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    for await (const chunk of request) body += String(chunk);
    const entry = {
      method: request.method ?? "",
      url: request.url ?? "",
      authorization: request.headers.authorization,
      body,
    };
    seen.push(entry);
    const n = seen.length - 1;
    const answer = typeof answers === "function" ? answers(entry, n) : answers[Math.min(n, answers.length - 1)]!;
    response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    response.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, seen };
}

const TOKEN = "rs_cli_test_token_secret";
const envFor = (url: string) => ({ RELOADSCOPE_URL: url, RELOADSCOPE_TOKEN: TOKEN });

async function eventsFile(events: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "reloadscope-cli-"));
  const file = path.join(dir, "events.json");
  await writeFile(file, JSON.stringify(events));
  return file;
}

const EVENTS = [
  {
    environment: "prod",
    service: "checkout-api",
    instance: "pod-a",
    kind: "config",
    resource: "routes.yaml",
    phase: "applied",
    reloadId: "rl-1",
    toVersion: "v2",
  },
  {
    id: "mine-1",
    environment: "prod",
    service: "checkout-api",
    instance: "pod-b",
    kind: "config",
    resource: "routes.yaml",
    phase: "applied",
    reloadId: "rl-1",
    toVersion: "v2",
    occurredAt: "2026-01-01T00:00:00Z",
  },
];

describe("reloadscope send", () => {
  test("a 503 with Retry-After is retried with the same ids and times; exit 0 when all are accepted", async () => {
    const { url, seen } = await scriptedServer([
      {
        status: 503,
        body: { error: "unavailable", message: "the database is unavailable; retry later" },
        headers: { "Retry-After": "0" },
      },
      { status: 200, body: { accepted: 2, duplicates: 0, rejected: [] } },
    ]);
    const run = await runCli(["send", "--file", await eventsFile(EVENTS)], { env: envFor(url) });
    expect(run.code).toBe(0);
    expect(seen).toHaveLength(2);
    expect(
      seen.every((s) => s.method === "POST" && s.url === "/api/v1/events" && s.authorization === `Bearer ${TOKEN}`),
    ).toBe(true);
    const [first, second] = seen.map((s) => JSON.parse(s.body) as { id: string; occurredAt: string }[]);
    expect(second).toEqual(first);
    expect(first![0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first![0]!.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(first![1]).toMatchObject({ id: "mine-1", occurredAt: "2026-01-01T00:00:00Z" });
    expect(run.stderr).toContain("retrying in 0ms with the same event ids");
    expect(run.stdout).toBe("accepted 2, duplicates 0, rejected 0\n");
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  test("a 429 retried until --attempts runs out is exit 3, saying it gave up", async () => {
    const { url, seen } = await scriptedServer([
      {
        status: 429,
        body: { error: "overloaded", message: "too many ingest requests at once" },
        headers: { "Retry-After": "0" },
      },
    ]);
    const run = await runCli(["send", "--file", await eventsFile(EVENTS), "--attempts", "3"], { env: envFor(url) });
    expect(run.code).toBe(3);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
    expect(run.stderr).toContain("gave up after 3 attempts");
  });

  test("rejected events are exit 1, each named with its id and reason; --json gives the counts and ids", async () => {
    const { url } = await scriptedServer([
      {
        status: 200,
        body: {
          accepted: 1,
          duplicates: 0,
          rejected: [{ index: 1, reason: "toVersion: is required for phase applied" }],
        },
      },
    ]);
    const run = await runCli(["send", "--file", await eventsFile(EVENTS)], { env: envFor(url) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      "accepted 1, duplicates 0, rejected 1\n  event 2 (id mine-1): toVersion: is required for phase applied\n",
    );
    const json = await runCli(["send", "--json", "-"], { env: envFor(url), stdin: JSON.stringify(EVENTS) });
    expect(json.code).toBe(1);
    const answer = JSON.parse(json.stdout);
    expect(answer).toMatchObject({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, id: "mine-1", reason: "toVersion: is required for phase applied" }],
    });
    expect(answer.ids).toHaveLength(2);
  });

  test("none valid (400 with the same body) is exit 1 too; a refused token exit 3 with a clear message", async () => {
    const { url } = await scriptedServer((seen) =>
      seen.authorization === `Bearer ${TOKEN}`
        ? {
            status: 400,
            body: { accepted: 0, duplicates: 0, rejected: [{ index: 0, reason: "kind: must be a lowercase word" }] },
          }
        : { status: 401, body: { error: "unauthorized", message: "a valid token is required" } },
    );
    const flags = [
      "send",
      "--environment",
      "prod",
      "--service",
      "s",
      "--kind",
      "Config",
      "--resource",
      "r",
      "--phase",
      "heartbeat",
      "--to-version",
      "v1",
    ];
    expect((await runCli(flags, { env: envFor(url) })).code).toBe(1);
    const refused = await runCli(flags, { env: { RELOADSCOPE_URL: url, RELOADSCOPE_TOKEN: "rs_wrong" } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe("reloadscope: the token was refused (401): check RELOADSCOPE_TOKEN (or --token)\n");
  });

  test("no token, an unreadable file, or input that is not JSON: exit 3 before anything is sent", async () => {
    const { url, seen } = await scriptedServer([{ status: 500 }]);
    const noToken = await runCli(["send", "-"], { env: { RELOADSCOPE_URL: url }, stdin: "[]" });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toContain("no token: set RELOADSCOPE_TOKEN");
    const missing = await runCli(["send", "--file", "/nonexistent/events.json"], { env: envFor(url) });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("cannot read /nonexistent/events.json (ENOENT)");
    const notJson = await runCli(["send", "-"], { env: envFor(url), stdin: "{oops" });
    expect(notJson.code).toBe(3);
    expect(notJson.stderr).toContain("stdin is not JSON");
    expect(seen).toHaveLength(0);
  });
});

function summary(overrides: Record<string, unknown> = {}) {
  return {
    key: "42",
    reloadId: "rl-7f3a",
    environment: "prod",
    namespace: "payments",
    service: "checkout-api",
    kind: "config",
    resource: "routes.yaml",
    fromVersion: "v1",
    toVersion: "v2",
    initiator: null,
    status: "in_progress",
    targets: 2,
    acked: 0,
    nacked: 0,
    failed: 0,
    pending: 2,
    startedAt: "2026-01-01T00:00:00.000Z",
    completedAt: null,
    convergenceMs: null,
    ...overrides,
  };
}

const list = (...items: unknown[]): Answer => ({ status: 200, body: { items, nextCursor: null } });

describe("reloadscope wait", () => {
  test('prints "N of M" once per change, not per poll, and waits out a busy server', async () => {
    const { url, seen } = await scriptedServer([
      list(),
      list(summary()),
      list(summary()),
      {
        status: 503,
        body: { error: "unavailable", message: "the database is unavailable" },
        headers: { "Retry-After": "0" },
      },
      list(summary({ acked: 1, pending: 1 })),
      list(summary({ acked: 1, pending: 1 })),
      list(summary({ acked: 2, pending: 0, status: "succeeded", convergenceMs: 41_000 })),
    ]);
    const run = await runCli(["wait", "rl-7f3a", "--service", "checkout-api", "--interval", "100ms"], {
      env: envFor(url),
    });
    expect(run.code).toBe(0);
    expect(seen[0]!.url).toBe("/api/v1/reloads?reloadId=rl-7f3a&service=checkout-api&limit=500");
    expect(run.stdout.split("\n")).toEqual([
      "waiting for reload rl-7f3a to be reported…",
      "prod/payments/checkout-api config routes.yaml → v2: 0 of 2 acked, 2 pending (in_progress)",
      "prod/payments/checkout-api config routes.yaml → v2: 1 of 2 acked, 1 pending (in_progress)",
      "prod/payments/checkout-api config routes.yaml → v2: 2 of 2 acked (succeeded)",
      "reload rl-7f3a succeeded (converged in 41s)",
      "",
    ]);
    expect(run.stderr).toContain("the server answered 503: the database is unavailable; still waiting");
  });

  test("several services under one reloadId: waits for all, and exit 1 names the one that failed", async () => {
    const other = { key: "43", service: "ledger", namespace: "finance" };
    const { url, seen } = await scriptedServer((entry, n) => {
      if (entry.url === "/api/v1/reloads/43") {
        return {
          status: 200,
          body: {
            ...summary({ ...other, status: "failed", acked: 0, nacked: 1, pending: 1 }),
            instances: [
              {
                instance: "ledger-1",
                phase: "nacked",
                version: "v1",
                error: "risk model: checksum mismatch",
                at: null,
              },
              { instance: "ledger-2", phase: "pending", version: "v1", error: null, at: null },
            ],
            instancesTruncated: false,
          },
        };
      }
      if (n === 0) return list(summary({ status: "succeeded", acked: 2, pending: 0 }), summary({ ...other }));
      return list(
        summary({ status: "succeeded", acked: 2, pending: 0 }),
        summary({ ...other, status: "failed", acked: 0, nacked: 1, pending: 1 }),
      );
    });
    const run = await runCli(["wait", "rl-7f3a", "--interval", "100ms"], { env: envFor(url) });
    expect(run.code).toBe(1);
    expect(seen.map((s) => s.url)).toContain("/api/v1/reloads/43");
    expect(run.stdout).toMatch(/reload rl-7f3a did not succeed \(failed\) after \S+:\n/);
    expect(run.stdout).toContain(
      "prod/finance/ledger config routes.yaml → v2: 0 of 2 acked, 1 nacked (failed)\n  ledger-1  nacked       risk model: checksum mismatch\n  ledger-2  pending      never reported\n",
    );
    const json = await runCli(["wait", "rl-7f3a", "--json", "--interval", "100ms"], { env: envFor(url) });
    expect(json.code).toBe(1);
    const answer = JSON.parse(json.stdout);
    expect(answer).toMatchObject({ reloadId: "rl-7f3a", outcome: "failed", exitCode: 1 });
    expect(answer.reloads.map((r: { key: string; status: string }) => [r.key, r.status])).toEqual([
      ["42", "succeeded"],
      ["43", "failed"],
    ]);
    expect(answer.reloads[1].instances[0].error).toBe("risk model: checksum mismatch");
  });

  test("a reload never reported: exit 2 at the timeout, saying so", async () => {
    const { url } = await scriptedServer([list()]);
    const run = await runCli(["wait", "rl-never", "--timeout", "500ms", "--interval", "100ms"], { env: envFor(url) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("reloadscope: timed out after 500ms: reload rl-never was never reported\n");
  });

  test("a server that cannot be reached, or a token without the read scope: exit 3", async () => {
    const { url } = await scriptedServer([
      { status: 403, body: { error: "insufficient_scope", message: 'this token lacks the "read" scope' } },
    ]);
    const scope = await runCli(["wait", "rl-7f3a"], { env: envFor(url) });
    expect(scope.code).toBe(3);
    expect(scope.stderr).toBe('reloadscope: the token may not read reloads (403): this token lacks the "read" scope\n');
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const gone = await runCli(["wait", "rl-7f3a", "--json"], { env: envFor(url) });
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(
      /^reloadscope: could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); check RELOADSCOPE_URL\n$/,
    );
    expect(JSON.parse(gone.stdout)).toMatchObject({ exitCode: 3 });
  });
});

describe("reloadscope status", () => {
  test("reads every page of GET /api/v1/fleet into one table", async () => {
    const resource = (name: string, drifting: boolean) => ({
      kind: "config",
      resource: name,
      desiredVersion: "v2",
      versions: drifting
        ? [
            { version: "v2", instances: 1, desired: true },
            { version: "v1", instances: 1, desired: false },
          ]
        : [{ version: "v2", instances: 2, desired: true }],
      drifting,
      driftReasons: drifting ? ["off_desired"] : [],
      driftingForMs: drifting ? 600_000 : null,
      offDesired: drifting ? 1 : 0,
      failed: 0,
      nacked: 0,
      inProgress: 0,
      lastChangeAt: null,
    });
    const page = (n: number) => ({
      status: 200,
      body: {
        generatedAt: "2026-01-01T00:00:00.000Z",
        page: n,
        pageCount: 2,
        pageSize: 100,
        totals: { services: 2, matching: 2, drifting: 1, instances: 4, problems: 1 },
        services: [
          {
            environment: "prod",
            namespace: null,
            service: n === 1 ? "api" : "web",
            instances: 2,
            drifting: n === 1,
            resources: [resource("a.yaml", n === 1)],
          },
        ],
      },
    });
    const { url, seen } = await scriptedServer((entry) => page(entry.url.includes("page=2") ? 2 : 1));
    const run = await runCli(["status", "--drifting", "--environment", "prod"], { env: envFor(url) });
    expect(run.code).toBe(0);
    expect(seen.map((s) => s.url)).toEqual([
      "/api/v1/fleet?environment=prod&drifting=1&page=1",
      "/api/v1/fleet?environment=prod&drifting=1&page=2",
    ]);
    expect(run.stdout).toBe(
      [
        "SERVICE   KIND    RESOURCE  DESIRED  VERSIONS   STATE",
        "prod/api  config  a.yaml    v2       v2×1 v1×1  drifting 10m00s (1 off desired)",
        "",
        "2 services, 1 drifting, 1 problem",
        "",
      ].join("\n"),
    );
    const json = await runCli(["status", "--json"], { env: envFor(url) });
    expect(JSON.parse(json.stdout).services.map((s: { service: string }) => s.service)).toEqual(["api", "web"]);
  });
});
