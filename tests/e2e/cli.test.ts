// DESIGN.md "The CLI": the `reloadscope` CLI as a pipeline runs it — a process (node
// bin/reloadscope.mjs) against the built app — and its exit codes: a succeeded reload 0, a
// failed one 1 naming the instance's error, one that never finishes 2 at --timeout, a bad
// token 3. The events are sent with the CLI's own `send`.
import { describe, expect, inject, test } from "vitest";
import { runCli, startCli } from "../support/cli-process";

const baseUrl = inject("baseUrl");
const env = { RELOADSCOPE_URL: baseUrl, RELOADSCOPE_TOKEN: inject("ingestToken") };
const SERVICE = { environment: "prod", namespace: "cli", service: "cli-e2e" };

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();

function reloadEvents(reloadId: string, resource: string, targets: string[], reports: Record<string, unknown>[]) {
  const common = { ...SERVICE, kind: "config", resource, reloadId, fromVersion: "v1", toVersion: "v2" };
  return [
    { ...common, phase: "dispatched", targets, initiator: "pipeline:cli-e2e", occurredAt: secondsAgo(20) },
    ...reports.map((report, i) => ({ ...common, occurredAt: secondsAgo(10 - i), ...report })),
  ];
}

describe("reloadscope wait against the running app", () => {
  test("a reload not yet reported is waited for; once it succeeds, exit 0 after '2 of 2'", async () => {
    const wait = startCli(["wait", "rl-cli-ok", "--service", "cli-e2e", "--timeout", "60s", "--interval", "200ms"], {
      env,
    });
    const sent = await runCli(["send", "-"], {
      env,
      stdin: JSON.stringify(
        reloadEvents(
          "rl-cli-ok",
          "ok.yaml",
          ["pod-a", "pod-b"],
          [
            { instance: "pod-a", phase: "acked" },
            { instance: "pod-b", phase: "acked" },
          ],
        ),
      ),
    });
    expect(sent.stderr).toBe("");
    expect(sent).toMatchObject({ code: 0, stdout: "accepted 3, duplicates 0, rejected 0\n" });
    const run = await wait.done;
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("prod/cli/cli-e2e config ok.yaml → v2: 2 of 2 acked (succeeded)\n");
    expect(run.stdout).toMatch(/reload rl-cli-ok succeeded/);
  });

  test("a NACK fails the reload: exit 1, naming the instance and its error", async () => {
    const dispatched = await runCli(["send", "-"], {
      env,
      stdin: JSON.stringify(reloadEvents("rl-cli-bad", "bad.yaml", ["pod-c"], [])),
    });
    expect(dispatched.code).toBe(0);
    // The instance's report from send's flags, as a shell step would send it.
    const flags = [
      "--environment",
      "prod",
      "--namespace",
      "cli",
      "--service",
      "cli-e2e",
      "--kind",
      "config",
      "--resource",
      "bad.yaml",
      "--reload-id",
      "rl-cli-bad",
    ];
    const nacked = await runCli(
      [
        "send",
        ...flags,
        "--phase",
        "nacked",
        "--instance",
        "pod-c",
        "--from-version",
        "v1",
        "--to-version",
        "v2",
        "--error",
        "bad.yaml: line 3: unknown field 'retries'",
      ],
      { env },
    );
    expect(nacked).toMatchObject({ code: 0, stdout: "accepted 1, duplicates 0, rejected 0\n" });
    const run = await runCli(["wait", "rl-cli-bad", "--timeout", "60s", "--interval", "200ms"], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/reload rl-cli-bad did not succeed \(failed\)/);
    expect(run.stdout).toMatch(/\n {2}pod-c +nacked +bad\.yaml: line 3: unknown field 'retries'\n/);
    const json = await runCli(["wait", "rl-cli-bad", "--json"], { env });
    expect(json.code).toBe(1);
    const answer = JSON.parse(json.stdout);
    expect(answer).toMatchObject({ outcome: "failed", exitCode: 1 });
    expect(answer.reloads[0].instances).toEqual([
      expect.objectContaining({
        instance: "pod-c",
        phase: "nacked",
        error: "bad.yaml: line 3: unknown field 'retries'",
      }),
    ]);
  });

  test("a reload that never finishes: exit 2 at --timeout 3s, with where it stood", async () => {
    const sent = await runCli(["send", "-"], {
      env,
      stdin: JSON.stringify(
        reloadEvents("rl-cli-stuck", "stuck.yaml", ["pod-d", "pod-e"], [{ instance: "pod-d", phase: "acked" }]),
      ),
    });
    expect(sent.code).toBe(0);
    const run = await runCli(["wait", "rl-cli-stuck", "--timeout", "3s", "--interval", "500ms"], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("1 of 2 acked, 1 pending (in_progress)");
    expect(run.stderr).toMatch(
      /^reloadscope: timed out after 3s: prod\/cli\/cli-e2e config stuck\.yaml → v2: 1 of 2 acked/,
    );
  });

  test("a bad token: exit 3 with a message naming RELOADSCOPE_TOKEN, for wait, send and status", async () => {
    const bad = { RELOADSCOPE_URL: baseUrl, RELOADSCOPE_TOKEN: "rs_nosuchtoken_nosuchsecret000000000" };
    const wait = await runCli(["wait", "rl-cli-ok"], { env: bad });
    expect(wait.code).toBe(3);
    expect(wait.stderr).toBe("reloadscope: the token was refused (401): check RELOADSCOPE_TOKEN (or --token)\n");
    const send = await runCli(["send", "-"], {
      env: bad,
      stdin: JSON.stringify({
        ...SERVICE,
        kind: "config",
        resource: "x",
        phase: "heartbeat",
        instance: "pod-x",
        toVersion: "v1",
      }),
    });
    expect(send.code).toBe(3);
    expect(send.stderr).toContain("(401)");
    const status = await runCli(["status"], { env: bad });
    expect(status.code).toBe(3);
    expect(status.stderr).toContain("(401)");
  });
});

describe("reloadscope status against the running app", () => {
  test("prints the fleet as a table and as JSON, the CLI's service among the demo's", async () => {
    const run = await runCli(["status", "--namespace", "cli"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toMatch(/^SERVICE +KIND +RESOURCE +DESIRED +VERSIONS +STATE$/);
    expect(run.stdout).toMatch(/\nprod\/cli\/cli-e2e +config +ok\.yaml +v2 +v2×2 /);
    const json = await runCli(["status", "--json"], { env });
    expect(json.code).toBe(0);
    const fleet = JSON.parse(json.stdout);
    expect(fleet.services.length).toBeGreaterThan(1);
    expect(fleet.services.map((s: { service: string }) => s.service)).toContain("cli-e2e");
  });
});
