import { describe, expect, test } from "vitest";
import { catalogueQuery, matchRow, parseSourceRules, rowsFor, SOURCE_CATALOGUE } from "@/lib/domain/source-catalogue";
import { sourceHref, sourceInitiator, sourceOfInitiator } from "@/lib/domain/source-initiator";
import {
  mapSourceSamples,
  type MappedSeries,
  type SeriesState,
  type SourceEvent,
  type SourceSettings,
} from "@/lib/domain/source-mapping";
import { parseEvents } from "@/lib/ingest/parse-events";
import { scrapes } from "@/tests/support/exposition";

const T = Date.parse("2026-12-07T10:00:00.000Z");
const s = (seconds: number) => T + seconds * 1000;

const SOURCE: SourceSettings = {
  id: 7,
  name: "prom-eu",
  environmentLabels: ["env", "environment"],
  defaultEnvironment: "prod",
  serviceLabel: "job",
  instanceLabel: "instance",
  rules: [],
};

/** What a test compares: the events without their derived ids and attributes. */
const brief = (e: SourceEvent) => [e.phase, e.instance ?? null, e.kind, e.resource, e.toVersion ?? null, e.occurredAt];

/** Maps `first`, keeps its state, then maps `second` against it (two queries in a row). */
function twoQueries(first: ReturnType<typeof scrapes>, second: ReturnType<typeof scrapes>, source = SOURCE) {
  const one = mapSourceSamples(source, [], first);
  const two = mapSourceSamples(source, stateOf(one.series), second);
  return { one, two };
}

const stateOf = (series: MappedSeries[]): SeriesState[] =>
  series.map(({ key, metric, labels, value, sampledAt }) => ({ key, metric, labels, value, sampledAt }));

const AM = { job: "alertmanager", instance: "127.0.0.1:9093" };
const amText = (hash: number, ok: number, successAt: number) => `
# HELP alertmanager_config_hash Hash of the currently loaded alertmanager configuration.
# TYPE alertmanager_config_hash gauge
alertmanager_config_hash ${hash}
alertmanager_config_last_reload_successful ${ok}
alertmanager_config_last_reload_success_timestamp_seconds ${successAt}
`;

describe("the catalogue", () => {
  test.each([
    ["prometheus_config_last_reload_successful", "Prometheus", "success_flag", "prometheus.yml"],
    ["prometheus_config_last_reload_success_timestamp_seconds", "Prometheus", "success_time", "prometheus.yml"],
    ["alertmanager_config_hash", "Alertmanager", "version", "alertmanager.yml"],
    ["envoy_cluster_manager_cds_update_rejected", "Envoy / Istio", "failure_counter", "cds"],
    ["envoy_listener_manager_lds_version", "Envoy / Istio", "version", "lds"],
    ["traefik_config_reloads_total", "Traefik", "success_counter", "dynamic configuration"],
    ["traefik_config_last_reload_success", "Traefik", "success_time", "dynamic configuration"],
    ["coredns_reload_failed_total", "CoreDNS", "failure_counter", "Corefile"],
    ["cortex_runtime_config_hash", "Loki / Mimir", "version", "$1 runtime config"],
    ["alloy_config_hash", "Alloy", "version", "$1 config"],
    ["loki_config_hash", "Config hash", "version", "$1 config"],
  ])("%s is %s's %s", (metric, family, role, resource) => {
    const m = matchRow(SOURCE_CATALOGUE, metric);
    expect(m?.row).toMatchObject({ family, role, resource });
  });

  test("metrics outside it match nothing", () => {
    expect(matchRow(SOURCE_CATALOGUE, "prometheus_http_requests_total")).toBeNull();
    expect(matchRow(SOURCE_CATALOGUE, "envoy_server_version")).toBeNull();
  });

  test("the query selects every family's metrics as raw samples over the window", () => {
    const q = catalogueQuery(SOURCE_CATALOGUE, 60);
    expect(q.startsWith('{__name__=~"prometheus_config_last_reload_successful|')).toBe(true);
    expect(q.endsWith("}[60s]")).toBe(true);
    expect(q).toContain("coredns_reload_failed_total");
  });

  test("a source's rules come first and name metrics literally", () => {
    const rows = rowsFor([{ metric: "myapp_flags_version", kind: "flags", resource: "flags.json" }]);
    expect(matchRow(rows, "myapp_flags_version")?.row).toMatchObject({
      kind: "flags",
      resource: "flags.json",
      role: "version",
    });
    expect(matchRow(rows, "myappXflags_version")).toBeNull();
  });

  test.each([
    [
      "myapp_flags_version flags flags.json",
      [{ metric: "myapp_flags_version", kind: "flags", resource: "flags.json" }],
      [],
    ],
    [
      "# comment\n\nmyapp_model_info model fraud-model sha",
      [{ metric: "myapp_model_info", kind: "model", resource: "fraud-model", versionLabel: "sha" }],
      [],
    ],
    ["myapp_flags_version flags", [], ["line 1: write “metric kind resource [versionLabel]”"]],
    ["my-app flags f", [], ["line 1: my-app is not a metric name"]],
    ["x Flags f", [], ["line 1: the kind must be a lowercase word such as config"]],
  ])("rules %j", (text, rules, problems) => {
    expect(parseSourceRules(text)).toEqual({ rules, problems });
  });
});

describe("mapping samples to reload events", () => {
  test("Alertmanager first seen: a heartbeat with its config hash, nothing else", () => {
    const { events } = mapSourceSamples(
      SOURCE,
      [],
      scrapes(AM, [s(0), amText(4242, 1, 1000)], [s(1), amText(4242, 1, 1000)]),
    );
    expect(events.map(brief)).toEqual([
      ["heartbeat", "127.0.0.1:9093", "config", "alertmanager.yml", "4242", new Date(s(1)).toISOString()],
    ]);
    expect(events[0]).toMatchObject({ environment: "prod", service: "alertmanager", initiator: "source:prom-eu" });
  });

  test("Alertmanager reloaded with a new config: applied with the new hash, when its success time says", () => {
    const reloadedAt = (T + 1500) / 1000;
    const { two } = twoQueries(
      scrapes(AM, [s(0), amText(4242, 1, 1000)]),
      scrapes(
        AM,
        [s(1), amText(4242, 1, 1000)],
        [s(2), amText(9999, 1, reloadedAt)],
        [s(3), amText(9999, 1, reloadedAt)],
      ),
    );
    expect(two.events.map(brief)).toEqual([
      ["dispatched", null, "config", "alertmanager.yml", "9999", new Date(T + 1500).toISOString()],
      ["applied", "127.0.0.1:9093", "config", "alertmanager.yml", "9999", new Date(T + 1500).toISOString()],
    ]);
    expect(two.events[0]).toMatchObject({ targets: ["127.0.0.1:9093"], reloadId: two.events[1]!.reloadId });
    expect(two.events[1]).toMatchObject({ fromVersion: "4242" });
  });

  test("Alertmanager's reload failed: nacked with the metric that said so, on the hash it still runs", () => {
    const { two } = twoQueries(scrapes(AM, [s(0), amText(4242, 1, 1000)]), scrapes(AM, [s(1), amText(4242, 0, 1000)]));
    expect(two.events.map(brief)).toEqual([
      [
        "dispatched",
        null,
        "config",
        "alertmanager.yml",
        `rejected@${new Date(s(1)).toISOString()}`,
        new Date(s(1)).toISOString(),
      ],
      [
        "nacked",
        "127.0.0.1:9093",
        "config",
        "alertmanager.yml",
        `rejected@${new Date(s(1)).toISOString()}`,
        new Date(s(1)).toISOString(),
      ],
    ]);
    expect(two.events[1]).toMatchObject({
      fromVersion: "4242",
      error: "alertmanager_config_last_reload_successful is 0: the last configuration reload failed",
    });
  });

  test("a failure already reported is not reported again at the next query", () => {
    const first = mapSourceSamples(SOURCE, [], scrapes(AM, [s(0), amText(4242, 1, 1000)]));
    const second = mapSourceSamples(SOURCE, stateOf(first.series), scrapes(AM, [s(1), amText(4242, 0, 1000)]));
    const third = mapSourceSamples(SOURCE, stateOf(second.series), scrapes(AM, [s(2), amText(4242, 0, 1000)]));
    expect(third.events.map((e) => e.phase)).toEqual(["heartbeat"]);
  });

  test("Prometheus: the version is the success time, and the same query again gives the same ids", () => {
    const P = { job: "prometheus", instance: "127.0.0.1:9090", env: "staging" };
    const text = (ok: number, at: number) =>
      `prometheus_config_last_reload_successful ${ok}\nprometheus_config_last_reload_success_timestamp_seconds ${at}\n`;
    const first = scrapes(P, [s(0), text(1, T / 1000 - 60)]);
    const second = scrapes(P, [s(1), text(1, T / 1000 - 60)], [s(2), text(1, (T + 1700) / 1000)]);
    const { two } = twoQueries(first, second);
    const again = twoQueries(first, second).two;
    expect(two.events.map(brief)).toEqual([
      [
        "dispatched",
        null,
        "config",
        "prometheus.yml",
        new Date(T + 1700).toISOString(),
        new Date(T + 1700).toISOString(),
      ],
      [
        "applied",
        "127.0.0.1:9090",
        "config",
        "prometheus.yml",
        new Date(T + 1700).toISOString(),
        new Date(T + 1700).toISOString(),
      ],
    ]);
    expect(two.events[1]).toMatchObject({ environment: "staging", fromVersion: new Date(T - 60_000).toISOString() });
    expect(again.events.map((e) => [e.id, e.reloadId])).toEqual(two.events.map((e) => [e.id, e.reloadId]));
    // Another source seeing the same: other ids.
    const other = twoQueries(first, second, { ...SOURCE, id: 8 }).two;
    expect(other.events[1]!.id).not.toBe(two.events[1]!.id);
  });

  test("Envoy: a new CDS version is applied, an RDS NACK is nacked per route config, a push of the same version is a heartbeat", () => {
    const E = { job: "istio-proxy", instance: "10.0.0.7:15090", environment: "prod-eu" };
    const envoy = (cdsSuccess: number, cdsVersion: number, rdsRejected: number, ldsSuccess: number) => `
# TYPE envoy_cluster_manager_cds_update_success counter
envoy_cluster_manager_cds_update_success{} ${cdsSuccess}
envoy_cluster_manager_cds_update_rejected{} 0
envoy_cluster_manager_cds_version{} ${cdsVersion}
envoy_listener_manager_lds_update_success{} ${ldsSuccess}
envoy_listener_manager_lds_update_rejected{} 0
envoy_listener_manager_lds_version{} 17241
envoy_http_rds_update_success{envoy_http_conn_manager_prefix="outbound_0.0.0.0_8080",envoy_rds_route_config="8080"} 4
envoy_http_rds_update_rejected{envoy_http_conn_manager_prefix="outbound_0.0.0.0_8080",envoy_rds_route_config="8080"} ${rdsRejected}
envoy_http_rds_version{envoy_http_conn_manager_prefix="outbound_0.0.0.0_8080",envoy_rds_route_config="8080"} 5550
envoy_server_version{} 1234
`;
    const { one, two } = twoQueries(scrapes(E, [s(0), envoy(3, 111, 0, 2)]), scrapes(E, [s(1), envoy(4, 222, 1, 3)]));
    expect(one.events.map(brief)).toEqual([
      ["heartbeat", "10.0.0.7:15090", "config", "cds", "111", new Date(s(0)).toISOString()],
      ["heartbeat", "10.0.0.7:15090", "routes", "lds", "17241", new Date(s(0)).toISOString()],
      ["heartbeat", "10.0.0.7:15090", "routes", "rds/8080", "5550", new Date(s(0)).toISOString()],
    ]);
    const rejectedAt = `rejected@${new Date(s(1)).toISOString()}`;
    expect(two.events.map(brief)).toEqual([
      ["dispatched", null, "config", "cds", "222", new Date(s(1)).toISOString()],
      ["applied", "10.0.0.7:15090", "config", "cds", "222", new Date(s(1)).toISOString()],
      ["heartbeat", "10.0.0.7:15090", "routes", "lds", "17241", new Date(s(1)).toISOString()],
      ["dispatched", null, "routes", "rds/8080", rejectedAt, new Date(s(1)).toISOString()],
      ["nacked", "10.0.0.7:15090", "routes", "rds/8080", rejectedAt, new Date(s(1)).toISOString()],
    ]);
    expect(two.events[4]).toMatchObject({
      environment: "prod-eu",
      error: "envoy_http_rds_update_rejected rose from 0 to 1: a configuration was refused",
    });
    expect(one.series.find((x) => x.metric === "envoy_server_version")).toMatchObject({
      mapping: null,
      problem: "not a known reload metric",
    });
  });

  test("Traefik: a new last-reload-success time is applied with that time, a failure counter that rose is nacked", () => {
    const TR = { job: "traefik", instance: "traefik-0:8080" };
    const traefik = (reloads: number, lastSuccess: number, failures: number) => `
# HELP traefik_config_reloads_total Config reloads
# TYPE traefik_config_reloads_total counter
traefik_config_reloads_total ${reloads}
traefik_config_reloads_failure_total ${failures}
traefik_config_last_reload_success ${lastSuccess}
`;
    const applied = twoQueries(
      scrapes(TR, [s(0), traefik(5, T / 1000 - 30, 0)]),
      scrapes(TR, [s(1), traefik(6, T / 1000 + 0.5, 0)]),
    ).two;
    expect(applied.events.map(brief)).toEqual([
      [
        "dispatched",
        null,
        "config",
        "dynamic configuration",
        new Date(T + 500).toISOString(),
        new Date(T + 500).toISOString(),
      ],
      [
        "applied",
        "traefik-0:8080",
        "config",
        "dynamic configuration",
        new Date(T + 500).toISOString(),
        new Date(T + 500).toISOString(),
      ],
    ]);
    const failed = twoQueries(
      scrapes(TR, [s(0), traefik(5, T / 1000 - 30, 0)]),
      scrapes(TR, [s(1), traefik(6, T / 1000 - 30, 1)]),
    ).two;
    expect(failed.events.map((e) => e.phase)).toEqual(["dispatched", "nacked"]);
    expect(failed.events[1]).toMatchObject({
      error: "traefik_config_reloads_failure_total rose from 0 to 1: a configuration was refused",
    });
  });

  test("CoreDNS: the Corefile's hash from reload_version_info's value label; reload_failed_total rising is nacked", () => {
    const C = { job: "coredns", instance: "10.96.0.10:9153", env: "prod" };
    const coredns = (hash: string, failed: number) => `
# TYPE coredns_reload_version_info gauge
coredns_reload_version_info{hash="sha512",value="${hash}"} 1
# TYPE coredns_reload_failed_total counter
coredns_reload_failed_total ${failed}
`;
    const changed = twoQueries(scrapes(C, [s(0), coredns("aaa111", 0)]), scrapes(C, [s(1), coredns("bbb222", 0)])).two;
    expect(changed.events.map(brief)).toEqual([
      ["dispatched", null, "config", "Corefile", "bbb222", new Date(s(1)).toISOString()],
      ["applied", "10.96.0.10:9153", "config", "Corefile", "bbb222", new Date(s(1)).toISOString()],
    ]);
    expect(changed.events[1]).toMatchObject({ fromVersion: "aaa111" });
    const refused = twoQueries(scrapes(C, [s(0), coredns("aaa111", 2)]), scrapes(C, [s(1), coredns("aaa111", 3)])).two;
    expect(refused.events.map((e) => [e.phase, e.fromVersion ?? null])).toEqual([
      ["dispatched", "aaa111"],
      ["nacked", "aaa111"],
    ]);
  });

  test("Alloy and Mimir: the hash from the sha256 label", () => {
    const A = { job: "alloy", instance: "alloy-0:12345" };
    const { events } = mapSourceSamples(
      SOURCE,
      [],
      scrapes(A, [
        s(0),
        'alloy_config_hash{sha256="d00d"} 1\nalloy_config_last_load_successful 1\ncortex_runtime_config_hash{sha256="beef"} 1\n',
      ]),
    );
    expect(events.map(brief)).toEqual([
      ["heartbeat", "alloy-0:12345", "config", "alloy config", "d00d", new Date(s(0)).toISOString()],
      ["heartbeat", "alloy-0:12345", "config", "cortex runtime config", "beef", new Date(s(0)).toISOString()],
    ]);
  });

  test("a source's own rule maps its metric, version from a label", () => {
    const source = {
      ...SOURCE,
      rules: [{ metric: "fraud_model_info", kind: "model", resource: "fraud-model", versionLabel: "model_version" }],
    };
    const M = { job: "scorer", instance: "scorer-1:8000" };
    const two = twoQueries(
      scrapes(M, [s(0), 'fraud_model_info{model_version="v12"} 1\n']),
      scrapes(M, [s(1), 'fraud_model_info{model_version="v13"} 1\n']),
      source,
    ).two;
    expect(two.events.map(brief)).toEqual([
      ["dispatched", null, "model", "fraud-model", "v13", new Date(s(1)).toISOString()],
      ["applied", "scorer-1:8000", "model", "fraud-model", "v13", new Date(s(1)).toISOString()],
    ]);
  });

  test("series without a service or instance label are listed with why, and map to nothing", () => {
    const { events, series } = mapSourceSamples(
      SOURCE,
      [],
      scrapes({ instance: "x:1" }, [s(0), "alertmanager_config_hash 5\n"]),
    );
    expect(events).toEqual([]);
    expect(series).toMatchObject([
      { metric: "alertmanager_config_hash", mapping: null, problem: "has no job label to name its service" },
    ]);
  });

  test("every event it writes is a valid reload event", () => {
    const { two } = twoQueries(
      scrapes(AM, [s(0), amText(4242, 1, 1000)]),
      scrapes(AM, [s(1), amText(4242, 0, 1000)], [s(2), amText(77, 1, (T + 1900) / 1000)]),
    );
    expect(two.events.map((e) => e.phase)).toEqual(["dispatched", "nacked", "dispatched", "applied"]);
    const parsed = parseEvents(two.events, "json", 100, { now: new Date(T + 10_000), retentionMs: 86_400_000 });
    expect(parsed.rejected).toEqual([]);
  });
});

describe("the initiator of what a source saw", () => {
  test.each([
    ["source:prom-eu", "prom-eu"],
    ["source:", null],
    ["pipeline:deploy", null],
    [null, null],
  ])("%j names source %j", (initiator, source) => {
    expect(sourceOfInitiator(initiator)).toBe(source);
  });

  test("round trip, and the link to its card", () => {
    expect(sourceOfInitiator(sourceInitiator("a.b_c"))).toBe("a.b_c");
    expect(sourceHref("prom eu")).toBe("/admin/sources#source-prom%20eu");
  });
});
