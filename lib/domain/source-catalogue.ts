// The catalogue of reload-metric families (DESIGN.md, "Sources"): which Prometheus metrics say
// that a server reloaded its configuration, and what each one says. One table, read by the
// source poller (the query it sends and the mapping of what comes back), the admin page and
// the README. A source may add rules of its own (metric → kind, resource, version).
//
// A row gives a metric (an anchored regular expression that RE2 and JavaScript read alike,
// since it goes into the PromQL `__name__` matcher too) the role its samples play:
//   success_flag     1 after a reload that worked, 0 after one that failed   (…_successful)
//   success_time     unix seconds of the last successful reload               (…_success_timestamp_seconds)
//   version          the running configuration's hash: the sample's value, or `versionLabel`'s value
//   success_counter  counts reloads that worked; a rise is a reload when nothing else says so
//   failure_counter  counts refused or failed reloads; a rise is a NACK      (…_rejected, …_failed)
// `resource` is a template: $1 is the metric's first capture, {label} a label's value.

export type SignalRole = "success_flag" | "success_time" | "version" | "success_counter" | "failure_counter";

export interface CatalogueRow {
  family: string;
  metric: string;
  role: SignalRole;
  kind: string;
  resource: string;
  /** version rows: the label whose value is the version (else the sample's value) */
  versionLabel?: string;
}

export const SOURCE_CATALOGUE: readonly CatalogueRow[] = [
  {
    family: "Prometheus",
    metric: "prometheus_config_last_reload_successful",
    role: "success_flag",
    kind: "config",
    resource: "prometheus.yml",
  },
  {
    family: "Prometheus",
    metric: "prometheus_config_last_reload_success_timestamp_seconds",
    role: "success_time",
    kind: "config",
    resource: "prometheus.yml",
  },

  {
    family: "Alertmanager",
    metric: "alertmanager_config_last_reload_successful",
    role: "success_flag",
    kind: "config",
    resource: "alertmanager.yml",
  },
  {
    family: "Alertmanager",
    metric: "alertmanager_config_last_reload_success_timestamp_seconds",
    role: "success_time",
    kind: "config",
    resource: "alertmanager.yml",
  },
  {
    family: "Alertmanager",
    metric: "alertmanager_config_hash",
    role: "version",
    kind: "config",
    resource: "alertmanager.yml",
  },

  // Envoy and Istio sidecars: xDS ACK (update_success) and NACK (update_rejected) per API,
  // and the hash of the version_info the control plane sent. Route configs are told apart by
  // Envoy's own tag extractor label.
  {
    family: "Envoy / Istio",
    metric: "envoy_cluster_manager_cds_update_success",
    role: "success_counter",
    kind: "config",
    resource: "cds",
  },
  {
    family: "Envoy / Istio",
    metric: "envoy_cluster_manager_cds_update_rejected",
    role: "failure_counter",
    kind: "config",
    resource: "cds",
  },
  {
    family: "Envoy / Istio",
    metric: "envoy_cluster_manager_cds_version",
    role: "version",
    kind: "config",
    resource: "cds",
  },
  {
    family: "Envoy / Istio",
    metric: "envoy_listener_manager_lds_update_success",
    role: "success_counter",
    kind: "routes",
    resource: "lds",
  },
  {
    family: "Envoy / Istio",
    metric: "envoy_listener_manager_lds_update_rejected",
    role: "failure_counter",
    kind: "routes",
    resource: "lds",
  },
  {
    family: "Envoy / Istio",
    metric: "envoy_listener_manager_lds_version",
    role: "version",
    kind: "routes",
    resource: "lds",
  },
  {
    family: "Envoy / Istio",
    metric: "envoy_http_rds_update_success",
    role: "success_counter",
    kind: "routes",
    resource: "rds/{envoy_rds_route_config}",
  },
  {
    family: "Envoy / Istio",
    metric: "envoy_http_rds_update_rejected",
    role: "failure_counter",
    kind: "routes",
    resource: "rds/{envoy_rds_route_config}",
  },
  {
    family: "Envoy / Istio",
    metric: "envoy_http_rds_version",
    role: "version",
    kind: "routes",
    resource: "rds/{envoy_rds_route_config}",
  },

  {
    family: "Traefik",
    metric: "traefik_config_last_reload_success",
    role: "success_time",
    kind: "config",
    resource: "dynamic configuration",
  },
  {
    family: "Traefik",
    metric: "traefik_config_reloads_total",
    role: "success_counter",
    kind: "config",
    resource: "dynamic configuration",
  },
  {
    family: "Traefik",
    metric: "traefik_config_reloads_failure_total",
    role: "failure_counter",
    kind: "config",
    resource: "dynamic configuration",
  },

  {
    family: "CoreDNS",
    metric: "coredns_reload_failed_total",
    role: "failure_counter",
    kind: "config",
    resource: "Corefile",
  },
  {
    family: "CoreDNS",
    metric: "coredns_reload_version_info",
    role: "version",
    kind: "config",
    resource: "Corefile",
    versionLabel: "value",
  },

  // Loki and Mimir (dskit's runtime config: loki_…, cortex_…), Alloy and Grafana Agent.
  {
    family: "Loki / Mimir",
    metric: "(loki|cortex)_runtime_config_last_reload_successful",
    role: "success_flag",
    kind: "config",
    resource: "$1 runtime config",
  },
  {
    family: "Loki / Mimir",
    metric: "(loki|cortex)_runtime_config_hash",
    role: "version",
    kind: "config",
    resource: "$1 runtime config",
    versionLabel: "sha256",
  },
  {
    family: "Alloy",
    metric: "(alloy|agent)_config_last_load_successful",
    role: "success_flag",
    kind: "config",
    resource: "$1 config",
  },
  {
    family: "Alloy",
    metric: "(alloy|agent)_config_last_load_success_timestamp_seconds",
    role: "success_time",
    kind: "config",
    resource: "$1 config",
  },
  {
    family: "Alloy",
    metric: "(alloy|agent)_config_load_failures_total",
    role: "failure_counter",
    kind: "config",
    resource: "$1 config",
  },
  {
    family: "Alloy",
    metric: "(alloy|agent)_config_hash",
    role: "version",
    kind: "config",
    resource: "$1 config",
    versionLabel: "sha256",
  },
  // Any other server's config hash (Loki's, Mimir's own): the label sha256, else the value.
  {
    family: "Config hash",
    metric: "([a-z][a-z0-9_]*)_config_hash",
    role: "version",
    kind: "config",
    resource: "$1 config",
    versionLabel: "sha256",
  },
];

/** A source's own rule: metric → kind, resource, version (its value, or a label's). */
export interface SourceRule {
  metric: string;
  kind: string;
  resource: string;
  versionLabel?: string;
}

/** The rows a source maps with: its own rules first (they win), then the catalogue. */
export function rowsFor(rules: readonly SourceRule[]): CatalogueRow[] {
  return [
    ...rules.map((r): CatalogueRow => ({
      family: "source rule",
      metric: escapeMetric(r.metric),
      role: "version",
      kind: r.kind,
      resource: r.resource,
      versionLabel: r.versionLabel,
    })),
    ...SOURCE_CATALOGUE,
  ];
}

/** A rule's metric is a plain name: nothing in it is a pattern. */
function escapeMetric(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The PromQL selector of every metric the rows name, over the last `windowSeconds` (raw samples with their scrape times). */
export function catalogueQuery(rows: readonly CatalogueRow[], windowSeconds: number): string {
  const names = [...new Set(rows.map((r) => r.metric))].join("|");
  return `{__name__=~${JSON.stringify(names)}}[${Math.max(1, Math.round(windowSeconds))}s]`;
}

/** The first row whose metric matches `name`, with its captures. */
export function matchRow(
  rows: readonly CatalogueRow[],
  name: string,
): { row: CatalogueRow; captures: string[] } | null {
  for (const row of rows) {
    const m = new RegExp(`^(?:${row.metric})$`).exec(name);
    if (m) return { row, captures: m.slice(1).map((c) => c ?? "") };
  }
  return null;
}

/** A row's resource for one series: $n from the metric, {label} from its labels. */
export function resourceOf(template: string, captures: string[], labels: Record<string, string>): string {
  return template
    .replace(/\$(\d)/g, (_, n: string) => captures[Number(n) - 1] ?? "")
    .replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (_, label: string) => labels[label] ?? "")
    .trim();
}

/** Parses a source's rules as an admin writes them: one per line, `metric kind resource [versionLabel]`. */
export function parseSourceRules(text: string): { rules: SourceRule[]; problems: string[] } {
  const rules: SourceRule[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [metric, kind, resource, versionLabel, ...rest] = line.split(/\s+/);
    const where = `line ${i + 1}`;
    if (!metric || !kind || !resource || rest.length > 0)
      problems.push(`${where}: write “metric kind resource [versionLabel]”`);
    else if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric)) problems.push(`${where}: ${metric} is not a metric name`);
    else if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(kind))
      problems.push(`${where}: the kind must be a lowercase word such as config`);
    else if (versionLabel !== undefined && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(versionLabel))
      problems.push(`${where}: ${versionLabel} is not a label name`);
    else rules.push({ metric, kind, resource, ...(versionLabel ? { versionLabel } : {}) });
  });
  return { rules, problems };
}

/** The rules as the admin wrote them (the form shows them again). */
export function formatSourceRules(rules: readonly SourceRule[]): string {
  return rules.map((r) => [r.metric, r.kind, r.resource, r.versionLabel].filter(Boolean).join(" ")).join("\n");
}

/** The catalogue by family, as the page and the README list it. */
export function catalogueFamilies(): { family: string; rows: CatalogueRow[] }[] {
  const families = new Map<string, CatalogueRow[]>();
  for (const row of SOURCE_CATALOGUE) families.set(row.family, [...(families.get(row.family) ?? []), row]);
  return [...families].map(([family, rows]) => ({ family, rows }));
}
