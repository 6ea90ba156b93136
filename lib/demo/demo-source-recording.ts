// The embedded demo's source: samples recorded from a Prometheus scraping Alertmanager,
// itself, an Envoy sidecar and CoreDNS, replayed relative to now. No Prometheus runs in the
// demo; this shows what a source looks like (its page, the series it mapped, the reloads it
// saw) and is labelled as recorded wherever it appears. Pure: the seeding is demo-source.ts.
import type { SeriesSamples, SourceSettings } from "@/lib/domain/source-mapping";

export const DEMO_SOURCE_NAME = "demo-recorded";
export const DEMO_SOURCE_URL = "recorded://demo-prometheus (no Prometheus runs in the demo)";

export const DEMO_SOURCE_SETTINGS: Omit<SourceSettings, "id"> = {
  name: DEMO_SOURCE_NAME,
  environmentLabels: ["env", "environment"],
  defaultEnvironment: "prod",
  serviceLabel: "job",
  instanceLabel: "instance",
  rules: [],
};

/** Minutes before now at which the recording has a scrape. */
const SCRAPES = [50, 40, 34, 26, 19, 13, 8, 3, 1];

type Sample = [metric: string, labels: Record<string, string>, value: number];

/** What the targets exposed `m` minutes before `now` (the story: a rollout, a refused config, an xDS NACK). */
function exposedAt(m: number, now: number): Sample[] {
  const at = (minutesAgo: number) => (now - minutesAgo * 60_000) / 1000;
  const samples: Sample[] = [];
  for (const [i, instance] of ["alertmanager-0:9093", "alertmanager-1:9093"].entries()) {
    const reloaded = m <= 34;
    // alertmanager-1 is given a config it refuses 13 minutes ago: it keeps the previous hash.
    const refused = i === 1 && m <= 13;
    const target = { job: "alertmanager", instance, env: "prod" };
    samples.push(["alertmanager_config_hash", target, reloaded ? 203_941_877_145_093 : 187_400_236_611_905]);
    samples.push(["alertmanager_config_last_reload_successful", target, refused ? 0 : 1]);
    samples.push([
      "alertmanager_config_last_reload_success_timestamp_seconds",
      target,
      reloaded ? Math.round(at(35) + i * 2) : Math.round(at(180)),
    ]);
  }
  const prom = { job: "prometheus", instance: "prometheus-0:9090", env: "prod" };
  samples.push(["prometheus_config_last_reload_successful", prom, 1]);
  samples.push([
    "prometheus_config_last_reload_success_timestamp_seconds",
    prom,
    m <= 19 ? Math.round(at(20)) : Math.round(at(240)),
  ]);
  const sidecar = { job: "checkout-sidecar", instance: "checkout-api-7d9f-x2k1:15090", env: "prod" };
  const route = { ...sidecar, envoy_http_conn_manager_prefix: "outbound_0.0.0.0_8080", envoy_rds_route_config: "8080" };
  samples.push(["envoy_cluster_manager_cds_update_success", sidecar, m <= 26 ? 13 : 12]);
  samples.push(["envoy_cluster_manager_cds_update_rejected", sidecar, 0]);
  samples.push(["envoy_cluster_manager_cds_version", sidecar, m <= 26 ? 9_162_412_208_611_327 : 5_029_448_337_812_907]);
  samples.push(["envoy_http_rds_update_success", route, 7]);
  samples.push(["envoy_http_rds_update_rejected", route, m <= 8 ? 1 : 0]);
  samples.push(["envoy_http_rds_version", route, 3_771_906_420_118_557]);
  const dns = { job: "coredns", instance: "10.96.0.10:9153", env: "prod" };
  samples.push([
    "coredns_reload_version_info",
    { ...dns, hash: "sha512", value: m <= 40 ? "8f3a51c2e0d94b7a" : "1c07e9b44d2a6f30" },
    1,
  ]);
  samples.push(["coredns_reload_failed_total", dns, 0]);
  return samples;
}

/** The recording as a range query answers it: each series with its scrapes. */
export function demoSourceSamples(now: Date): SeriesSamples[] {
  const series = new Map<string, SeriesSamples>();
  for (const m of SCRAPES) {
    const t = now.getTime() - m * 60_000;
    for (const [metric, labels, value] of exposedAt(m, now.getTime())) {
      const key = JSON.stringify([metric, Object.entries(labels).sort()]);
      const entry = series.get(key) ?? { metric, labels, points: [] };
      entry.points.push({ at: t, value });
      series.set(key, entry);
    }
  }
  return [...series.values()];
}
