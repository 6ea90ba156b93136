// GET /api/metrics: a small fleet sent through POST /api/v1/events, scraped through the real
// route handler. The series count what the reload table and the read model hold, drift agrees
// with the fleet matrix cell by cell (one drift rule), label values are escaped, histogram
// buckets are cumulative, and Prometheus's own promtool accepts the scrape and the example
// rules file. METRICS_TOKEN, when set, is required.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { GET } from "@/app/api/metrics/route";
import { resetEnvCache } from "@/lib/env";
import { seedDemoFleet } from "@/lib/demo/seed-demo";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { driftPolicy } from "@/lib/fleet/pair-groups";
import { driftingInstances } from "@/lib/domain/drift";
import { escapeLabelValue, formatLabels } from "@/lib/metrics/exposition";
import { RELOAD_SECONDS_BUCKETS } from "@/lib/metrics/queries";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { RULES } from "@/lib/domain/alerts/rules";
import { RULE_IDS } from "@/lib/domain/alerts/types";
import { acceptEvents, event, heartbeat as beat, minutesAgo, postEvents, scopedReload } from "../support/ingest-client";
import { checkout, ledger, useDriftDefaults } from "../support/drift-fleet";
import { useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();

const PROMTOOL = "/usr/bin/promtool";
const TOKEN = "metrics-scrape-token-0001";

// On loopback, as the demo serves: the scrape is open until METRICS_TOKEN is set (beyond
// loopback it always needs a token: tests/integration/machine-endpoints.test.ts).
useDriftDefaults({ METRICS_TOKEN: undefined, HOST: "127.0.0.1" });

afterEach(() => {
  delete process.env.METRICS_TOKEN;
  resetEnvCache();
});

async function scrape(authorization?: string): Promise<{ status: number; contentType: string | null; text: string }> {
  const headers = new Headers();
  if (authorization !== undefined) headers.set("authorization", authorization);
  const response = await GET(new Request("http://127.0.0.1/api/metrics", { headers }));
  return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A small parser of the text format (enough for these tests; promtool checks the format itself). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    let l: RegExpExecArray | null;
    while ((l = re.exec(m[2] ?? "")) !== null)
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: m[1]!, labels, value: m[3] === "+Inf" ? Infinity : Number(m[3]) });
  }
  return samples;
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = find(samples, name, labels);
  expect(found.length, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

const odd = { environment: "prod", namespace: "", service: 'we"ird\\svc' };

async function buildFleet() {
  await acceptEvents([
    // checkout routes: c-4 left on r-v1 for an hour, no desired version → mixed, 1 drifting instance
    ...["c-1", "c-2", "c-3"].map((i) => beat(checkout, i, "routes", "routes.yaml", "r-v2", minutesAgo(60))),
    beat(checkout, "c-4", "routes", "routes.yaml", "r-v1", minutesAgo(61)),
    // checkout model: a rollout a minute old → mixed but inside the threshold, 0
    beat(checkout, "c-1", "model", "ranker", "m-2", minutesAgo(1)),
    beat(checkout, "c-2", "model", "ranker", "m-1", minutesAgo(90)),
    ...["l-1", "l-2", "l-3"].map((i) => beat(ledger, i, "config", "ledger.yaml", "v1", minutesAgo(120))),
    ...["w-1", "w-2"].map((i) => beat(odd, i, "flags", "flags.json", 'f"1\\x', minutesAgo(20))),
    // a pair silent for two days: gone from config_version_info
    beat(ledger, "l-gone", "cache", "warm", "w-1", new Date(Date.now() - 2 * 86_400_000).toISOString()),
  ]);
  // ledger: a reload to v2 that l-3 NACKs → partially failed, desired v2, l-3 off desired
  await acceptEvents(
    scopedReload(ledger, "rl-ledger", "config", "ledger.yaml", "v1", "v2", 30, {
      "l-1": "acked",
      "l-2": "acked",
      "l-3": "nacked",
    }),
  );
  // the odd service: a reload both instances ack, convergence 12 s (dispatch at 10 s, last ack at 22 s)
  await acceptEvents(
    scopedReload(odd, "rl-odd", "flags", "flags.json", 'f"1\\x', "f-2", 20, { "w-1": "acked", "w-2": "acked" }),
  );
}

describe("GET /api/metrics", () => {
  test("answers the text format with HELP and TYPE for every family, reload outcomes counted, config versions of live pairs only", async () => {
    await buildFleet();
    const answer = await scrape();
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    for (const [family, type] of [
      ["reload_total", "counter"],
      ["reload_duration_seconds", "histogram"],
      ["reload_convergence_seconds", "histogram"],
      ["config_version_info", "gauge"],
      ["reload_drift_instances", "gauge"],
      ["alerts_firing", "gauge"],
      ["ingest_events_total", "counter"],
      ["ingest_spans_total", "counter"],
      ["ingest_log_records_total", "counter"],
    ]) {
      expect(answer.text).toMatch(new RegExp(`^# HELP ${family} \\S`, "m"));
      expect(answer.text).toContain(`\n# TYPE ${family} ${type}\n`);
    }
    const samples = parse(answer.text);
    expect(value(samples, "reload_total", { ...ledger, kind: "config", outcome: "partially_failed" })).toBe(1);
    expect(value(samples, "reload_total", { ...odd, kind: "flags", outcome: "succeeded" })).toBe(1);
    expect(find(samples, "reload_total", {})).toHaveLength(2);
    // no alert evaluated yet: every rule is there, at 0, under its default severity
    expect(
      find(samples, "alerts_firing", {})
        .map((s) => [s.labels.rule, s.labels.severity, s.value])
        .sort(),
    ).toEqual(RULE_IDS.map((rule) => [rule, RULES[rule].defaultSeverity, 0]).sort());

    // one line per live pair: 4 routes + 2 model + 3 ledger config + 2 odd flags; the gone pair is out
    const versions = find(samples, "config_version_info", {});
    expect(versions).toHaveLength(11);
    expect(versions.every((s) => s.value === 1)).toBe(true);
    expect(
      value(samples, "config_version_info", { ...ledger, instance: "l-1", kind: "config", resource: "ledger.yaml" }),
    ).toBe(1);
    expect(
      find(samples, "config_version_info", {
        ...ledger,
        instance: "l-1",
        kind: "config",
        resource: "ledger.yaml",
        version: "v2",
      }),
    ).toHaveLength(1);
    expect(find(samples, "config_version_info", { ...ledger, instance: "l-3", version: "v1" })).toHaveLength(1);
    expect(find(samples, "config_version_info", { instance: "l-gone" })).toEqual([]);
  });

  test("alerts_firing counts the open alerts of each rule, and drops back to 0 when they resolve", async () => {
    await buildFleet();
    // ledger's l-3 NACKed its reload 30 minutes ago: one reload-failure alert
    await evaluateAlerts({ rules: ["reload_failures"] });
    let samples = parse((await scrape()).text);
    expect(value(samples, "alerts_firing", { rule: "reload_failures", severity: "critical" })).toBe(1);
    expect(value(samples, "alerts_firing", { rule: "drift", severity: "warning" })).toBe(0);
    // a day later the failure is past the rule's lookback: resolved, back to 0
    await evaluateAlerts({ now: new Date(Date.now() + 86_400_000), rules: ["reload_failures"] });
    samples = parse((await scrape()).text);
    expect(value(samples, "alerts_firing", { rule: "reload_failures", severity: "critical" })).toBe(0);
  });

  test("label values escape backslash, double quote and newline", async () => {
    await buildFleet();
    const { text } = await scrape();
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(text).toContain(`service="we\\"ird\\\\svc"`);
    expect(text).toContain(
      `config_version_info{environment="prod",namespace="",service="we\\"ird\\\\svc",instance="w-1",kind="flags",resource="flags.json",version="f-2"} 1`,
    );
    expect(text).not.toContain('service="we"ird');
  });

  test("config_version_info lines escape every label exactly as escapeLabelValue does (PostgreSQL groups, the app writes)", async () => {
    // Backslash, double quote and newline inside every free-text label (kind is a lowercase
    // word by the wire schema; ingest trims the ends), a backslash before a quote and a newline,
    // and text beyond ASCII.
    const svc = { environment: 'st\\age\n"x"', namespace: 'n"s\n\\x', service: 'svc\n\\"ü€😀' };
    const pairs = [
      { instance: 'i"1\\x\ny', resource: 'r\\"\n.yaml', version: 'v\n"2\\' },
      { instance: "plain-1", resource: "\\\\n", version: '\\"' },
      { instance: "ä\\n😀", resource: "routes.yaml", version: '1.0 "beta"\n' + "trailing\\" },
    ];
    await acceptEvents(pairs.map((p) => beat(svc, p.instance, "config", p.resource, p.version, minutesAgo(5))));
    const { text } = await scrape();
    const expected = pairs.map(
      (p) =>
        `config_version_info${formatLabels({ ...svc, instance: p.instance, kind: "config", resource: p.resource, version: p.version })} 1`,
    );
    expect(expected[0]).toContain(`instance="i\\"1\\\\x\\ny"`);
    const lines = text.split("\n").filter((line) => line.startsWith("config_version_info{"));
    expect(lines.sort()).toEqual(expected.sort());
    // and the parser reads the original values back
    const samples = parse(text);
    for (const p of pairs) expect(find(samples, "config_version_info", { ...svc, ...p })).toHaveLength(1);
    const run = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
    if (existsSync(PROMTOOL)) expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  });

  test("histogram buckets are cumulative, end in +Inf equal to _count, and place a 12 s convergence between le=10 and le=30", async () => {
    await buildFleet();
    const samples = parse((await scrape()).text);
    for (const family of ["reload_duration_seconds", "reload_convergence_seconds"]) {
      const counts = find(samples, `${family}_count`, {});
      expect(counts.length, family).toBeGreaterThan(0);
      for (const c of counts) {
        const buckets = find(samples, `${family}_bucket`, c.labels).map((b) => ({
          le: b.labels.le === "+Inf" ? Infinity : Number(b.labels.le),
          n: b.value,
        }));
        expect(buckets.map((b) => b.le)).toEqual([...RELOAD_SECONDS_BUCKETS, Infinity]);
        for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.n).toBeGreaterThanOrEqual(buckets[i - 1]!.n);
        expect(buckets.at(-1)!.n).toBe(c.value);
        expect(value(samples, `${family}_sum`, c.labels)).toBeGreaterThanOrEqual(0);
      }
    }
    const oddFlags = { ...odd, kind: "flags" };
    expect(value(samples, "reload_convergence_seconds_bucket", { ...oddFlags, le: "10" })).toBe(0);
    expect(value(samples, "reload_convergence_seconds_bucket", { ...oddFlags, le: "30" })).toBe(1);
    expect(value(samples, "reload_convergence_seconds_sum", oddFlags)).toBeCloseTo(12, 3);
    expect(value(samples, "reload_convergence_seconds_count", oddFlags)).toBe(1);
    // the partially failed reload converged too (its acked instances); both reloads have a duration
    expect(value(samples, "reload_duration_seconds_count", { ...ledger, kind: "config" })).toBe(1);
  });

  test("reload_drift_instances agrees with the fleet matrix's drift, cell by cell", async () => {
    await buildFleet();
    const now = new Date();
    const samples = parse((await scrape()).text);
    const matrix = await asViewer(() =>
      getFleetMatrix({ env: undefined, ns: undefined, kind: undefined, q: undefined, drifting: false, page: 1 }, now),
    );
    const policy = driftPolicy();
    const expected = new Map<string, number>();
    for (const group of matrix.groups) {
      for (const row of group.rows) {
        for (const [kind, cells] of Object.entries(row.cells)) {
          const key = JSON.stringify({
            environment: row.service.environment,
            namespace: row.service.namespace,
            service: row.service.name,
            kind,
          });
          let n = 0;
          for (const cell of cells) {
            const groups = cell.versions.map((v) => ({
              version: v.version,
              instances: v.instances,
              newestSince: null,
              lastReportAt: now,
            }));
            n += driftingInstances(
              cell.drift,
              groups,
              cell.desired === null ? null : { version: cell.desired },
              now,
              policy.staleMs,
            );
          }
          expected.set(key, n);
        }
      }
    }
    const scraped = new Map(
      find(samples, "reload_drift_instances", {}).map((s) => [
        JSON.stringify({
          environment: s.labels.environment,
          namespace: s.labels.namespace,
          service: s.labels.service,
          kind: s.labels.kind,
        }),
        s.value,
      ]),
    );
    expect(scraped).toEqual(expected);
    // and the fleet as built: c-4 off the majority, l-3 off the desired v2, the young rollout not yet
    expect(value(samples, "reload_drift_instances", { ...checkout, kind: "routes" })).toBe(1);
    expect(value(samples, "reload_drift_instances", { ...ledger, kind: "config" })).toBe(1);
    expect(value(samples, "reload_drift_instances", { ...checkout, kind: "model" })).toBe(0);
    expect(value(samples, "reload_drift_instances", { ...odd, kind: "flags" })).toBe(0);
  });

  test("ingest counters count accepted, duplicate and rejected events of this process", async () => {
    const before = parse((await scrape()).text);
    const count = (samples: Sample[], result: string) =>
      value(samples, "ingest_events_total", { endpoint: "events", result }) ?? 0;
    const one = event({ ...checkout, instance: "c-9" });
    expect((await postEvents([one, event({ ...checkout, instance: "c-10" })])).status).toBe(200);
    expect((await postEvents([one, event({ phase: "warp" })])).status).toBe(200);
    const after = parse((await scrape()).text);
    expect(count(after, "accepted") - count(before, "accepted")).toBe(2);
    expect(count(after, "duplicate") - count(before, "duplicate")).toBe(1);
    expect(count(after, "rejected") - count(before, "rejected")).toBe(1);
  });

  describe("METRICS_TOKEN", () => {
    test("unset: the scrape is open", async () => {
      expect((await scrape()).status).toBe(200);
    });

    test("set: no token or a wrong one is 401, the token is 200; a session cookie is not a token", async () => {
      process.env.METRICS_TOKEN = TOKEN;
      resetEnvCache();
      const none = await scrape();
      expect(none.status).toBe(401);
      expect(none.text).not.toContain("reload_total");
      expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
      expect((await scrape(`Bearer ${TOKEN.slice(0, -1)}`)).status).toBe(401);
      expect((await scrape(`Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`)).status).toBe(401);
      const cookieOnly = await GET(
        new Request("http://127.0.0.1/api/metrics", { headers: { cookie: `authjs.session-token=${TOKEN}` } }),
      );
      expect(cookieOnly.status).toBe(401);
      const ok = await scrape(`Bearer ${TOKEN}`);
      expect(ok.status).toBe(200);
      expect(ok.text).toContain("# TYPE reload_total counter");
    });
  });
});

const havePromtool = existsSync(PROMTOOL);
if (!havePromtool) {
  console.warn(
    `[tests] SKIPPED: ${PROMTOOL} is missing (Debian package "prometheus"; .ci/run installs it). promtool checks did not run.`,
  );
}

describe(
  havePromtool
    ? "promtool [real Prometheus tooling]"
    : `promtool — SKIPPED: ${PROMTOOL} missing, install Debian's "prometheus"`,
  () => {
    test.skipIf(!havePromtool)("promtool check metrics accepts a scrape of the fleet", async () => {
      await buildFleet();
      const { text } = await scrape();
      const run = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(`${run.stdout}${run.stderr}`.trim()).toBe("");
    });

    test.skipIf(!havePromtool)(
      "promtool check metrics accepts a scrape of the demo fleet (what `npm start` serves)",
      async () => {
        const { events } = await seedDemoFleet();
        expect(events).toBeGreaterThan(100);
        const { status, text } = await scrape();
        expect(status).toBe(200);
        // The demo drifts and has failed reloads, so the scrape carries every family with samples.
        for (const family of [
          "reload_total",
          "reload_duration_seconds_bucket",
          "config_version_info",
          "reload_drift_instances",
        ]) {
          expect(text, family).toMatch(new RegExp(`^${family}\\{`, "m"));
        }
        const run = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
        expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(`${run.stdout}${run.stderr}`.trim()).toBe("");
      },
    );

    test.skipIf(!havePromtool)("promtool check rules accepts docs/prometheus-rules.yml", () => {
      const out = execFileSync(
        PROMTOOL,
        ["check", "rules", path.resolve(import.meta.dirname, "../../docs/prometheus-rules.yml")],
        { encoding: "utf8" },
      );
      expect(out).toMatch(/SUCCESS: \d+ rules found/);
    });
  },
);
