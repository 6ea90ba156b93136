import "server-only";
import { requireReader } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import { RULES } from "@/lib/domain/alerts/rules";
import { RULE_IDS, type Severity } from "@/lib/domain/alerts/types";
import { assessResourceDrift, driftingInstances, liveSince } from "@/lib/domain/drift";
import { compositeKey } from "@/lib/domain/keys";
import { byCell, desiredIndex } from "@/lib/domain/matrix";
import { heardSinceSql } from "@/lib/domain/presence";
import { TERMINAL_STATUSES } from "@/lib/domain/types";
import { driftPolicy, loadFleetDriftCandidates } from "@/lib/fleet/pair-groups";
import { escapeLabelValue, ExpositionWriter, HistogramShape, joinLabels, labelPairs } from "./exposition";
import { ingestCounts } from "./ingest-counters";

// GET /api/metrics's body. Everything comes from aggregates over the reload table and from
// the instance-state read model, never from event history: one scan of `reload` (counts and
// both histograms, grouped in SQL), one grouped read of the live instance states
// (config_version_info and the service × kind pairs that get a drift gauge), and the fleet's drift candidates
// through the same grouping the matrix uses, decided by the same assessResourceDrift.
//
// A service is three labels, environment, namespace and service, as OpenTelemetry names them
// (DESIGN.md, "Service"), so PromQL can match or aggregate on each; namespace is "" when the
// service has none.

/** Upper bounds (seconds) of both reload histograms: a fast config reload up to a slow fleet-wide model rollout. */
export const RELOAD_SECONDS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600] as const;

const TERMINAL = [...TERMINAL_STATUSES];

interface ServiceRow {
  id: number;
  environment: string;
  namespace: string;
  name: string;
}

interface ReloadAggregateRow {
  service_id: number;
  kind: string;
  status: string;
  n: number;
  duration_count: number;
  duration_sum: number;
  duration_buckets: number[];
  convergence_count: number;
  convergence_sum: number;
  convergence_buckets: number[];
}

const bucketColumns = (expr: string) =>
  `ARRAY[${RELOAD_SECONDS_BUCKETS.map((le) => `count(*) FILTER (WHERE ${expr} <= ${le})`).join(", ")}]::int[]`;

/** Terminal reloads per service × kind × status, with both histograms' buckets, in one pass. */
function loadReloadAggregates(): Promise<ReloadAggregateRow[]> {
  return sql().query<ReloadAggregateRow[]>(
    `WITH r AS (
       SELECT service_id, kind, status,
              CASE WHEN started_at IS NOT NULL AND completed_at IS NOT NULL
                   THEN greatest(0, extract(epoch FROM completed_at - started_at))::float8 END AS duration,
              (convergence_ms / 1000.0)::float8 AS convergence
       FROM reload WHERE status = ANY($1::text[])
     )
     SELECT service_id, kind, status, count(*)::int AS n,
            count(duration)::int AS duration_count, coalesce(sum(duration), 0)::float8 AS duration_sum, ${bucketColumns("duration")} AS duration_buckets,
            count(convergence)::int AS convergence_count, coalesce(sum(convergence), 0)::float8 AS convergence_sum, ${bucketColumns("convergence")} AS convergence_buckets
     FROM r GROUP BY service_id, kind, status`,
    TERMINAL,
  );
}

interface LiveGroupRow {
  service_id: number;
  kind: string;
  resource: string;
  /** null: live pairs whose version is not known yet (they still make the service × kind live) */
  version: string | null;
  /** the instances running it, as a JSON array (parsed by pg) */
  instances: string[];
}

/**
 * The live pairs (heard from within INSTANCE_STALE_SECONDS, the drift rule's liveness)
 * grouped per service × kind × resource × version with their instance keys: ~3,000 rows for
 * 60,000 pairs. PostgreSQL only groups; the app writes the config_version_info lines, escaping
 * each group's labels once (docs/benchmark.md has the figures of the alternatives).
 */
function loadLiveGroups(now: Date, staleMs: number): Promise<LiveGroupRow[]> {
  return sql().query<LiveGroupRow[]>(
    `SELECT st.service_id, st.kind, st.resource, st.version, json_agg(i.instance_key) AS instances
     FROM instance_state st JOIN instance i ON i.id = st.instance_id
     WHERE ${heardSinceSql("st.last_phase_at", "$1::timestamptz")}
     GROUP BY st.service_id, st.kind, st.resource, st.version
     ORDER BY st.service_id, st.kind, st.resource, st.version`,
    liveSince(now, staleMs).toISOString(),
  );
}

/** Open alerts per rule × severity from the alert table's open-alert index, with a zero for every quiet rule. */
async function loadAlertsFiring(): Promise<{ rule: string; severity: string; n: number }[]> {
  const q = sql();
  const [rows, configured] = await Promise.all([
    q.query<{ rule: string; severity: string; n: number }[]>(
      `SELECT rule, severity, count(*)::int AS n FROM alert WHERE state <> 'resolved' GROUP BY rule, severity`,
    ),
    q.query<{ rule: string; severity: Severity }[]>(`SELECT rule, severity FROM alert_rule`),
  ]);
  const severityOf = new Map(configured.map((c) => [c.rule, c.severity]));
  const out = [...rows];
  for (const rule of RULE_IDS) {
    if (!rows.some((r) => r.rule === rule))
      out.push({ rule, severity: severityOf.get(rule) ?? RULES[rule].defaultSeverity, n: 0 });
  }
  return out.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.severity < b.severity ? -1 : 1));
}

interface Histogram {
  /** the service × kind's labelPairs text */
  pairs: string;
  buckets: number[];
  sum: number;
  count: number;
}

function addHistogram(
  into: Map<string, Histogram>,
  key: string,
  pairs: string,
  buckets: number[],
  sum: number,
  count: number,
): void {
  const h = into.get(key);
  if (!h) {
    into.set(key, { pairs, buckets: [...buckets], sum, count });
    return;
  }
  for (let i = 0; i < buckets.length; i++) h.buckets[i]! += buckets[i]!;
  h.sum += sum;
  h.count += count;
}

/** One histogram family over RELOAD_SECONDS_BUCKETS, a series per service × kind. */
function writeReloadHistograms(out: ExpositionWriter, name: string, help: string, histograms: Iterable<Histogram>) {
  const shape = new HistogramShape(name, RELOAD_SECONDS_BUCKETS);
  out.family(name, "histogram", help);
  for (const h of histograms) out.histogramPairs(shape, h.pairs, h.buckets, h.sum, h.count);
}

/**
 * The scrape, Prometheus text in chunks, yielded as they are ready so the route can send the
 * first bytes while the rest is still being read and written. All reads start at once; the
 * reload families are formatted (the app's CPU) while PostgreSQL is still grouping the drift
 * candidates and the live pairs (its CPU).
 */
export async function* metricsChunks(now = new Date()): AsyncGenerator<string, void, undefined> {
  // Checked when the first chunk is asked for, inside the route's reader (later chunks are pulled by the response stream).
  await requireReader();
  const q = sql();
  const policy = driftPolicy();
  const servicesRead = q.query<ServiceRow[]>(`SELECT id, environment, namespace, name FROM service`);
  const reloadsRead = loadReloadAggregates();
  const liveRead = loadLiveGroups(now, policy.staleMs);
  const candidatesRead = loadFleetDriftCandidates(q, null, undefined, now, policy);
  const alertsRead = loadAlertsFiring();
  // Every read is awaited below; until then a rejection must not count as unhandled.
  for (const read of [servicesRead, reloadsRead, liveRead, candidatesRead, alertsRead]) read.catch(() => {});

  const [services, reloads] = await Promise.all([servicesRead, reloadsRead]);
  // A service's labels and a service × kind's, escaped once and reused for every line.
  const servicePairs = new Map<number, string>(
    services.map((s) => [s.id, labelPairs({ environment: s.environment, namespace: s.namespace, service: s.name })]),
  );
  const serviceOf = (serviceId: number) =>
    servicePairs.get(serviceId) ?? labelPairs({ environment: "", namespace: "", service: `#${serviceId}` });
  const kindPairs = new Map<string, string>();
  const pairsOf = (serviceId: number, kind: string): string => {
    const key = compositeKey(serviceId, kind);
    let pairs = kindPairs.get(key);
    if (pairs === undefined) kindPairs.set(key, (pairs = joinLabels(serviceOf(serviceId), labelPairs({ kind }))));
    return pairs;
  };
  const out = new ExpositionWriter();

  out.family(
    "reload_total",
    "counter",
    "Reloads that reached a terminal status, by that status (outcome); a reload counts once, under its current status.",
  );
  for (const r of reloads)
    out.samplePairs("reload_total", joinLabels(pairsOf(r.service_id, r.kind), labelPairs({ outcome: r.status })), r.n);

  const durations = new Map<string, Histogram>();
  const convergences = new Map<string, Histogram>();
  for (const r of reloads) {
    const key = compositeKey(r.service_id, r.kind);
    const pairs = pairsOf(r.service_id, r.kind);
    if (r.duration_count > 0) addHistogram(durations, key, pairs, r.duration_buckets, r.duration_sum, r.duration_count);
    if (r.convergence_count > 0)
      addHistogram(convergences, key, pairs, r.convergence_buckets, r.convergence_sum, r.convergence_count);
  }
  writeReloadHistograms(
    out,
    "reload_duration_seconds",
    "Terminal reloads that started, from their start to their terminal status (completed_at - started_at).",
    durations.values(),
  );
  yield* out.take();
  writeReloadHistograms(
    out,
    "reload_convergence_seconds",
    "Convergence of succeeded and partially failed reloads: first dispatch (or request) to the last instance's ack.",
    convergences.values(),
  );
  out.flush();
  yield* out.take();

  // Drift per service × kind: every live service × kind gets a gauge (0 when nothing drifts).
  const [live, candidates] = await Promise.all([liveRead, candidatesRead]);
  const drift = new Map<string, { serviceId: number; kind: string; instances: number }>();
  for (const g of live) {
    const key = compositeKey(g.service_id, g.kind);
    if (!drift.has(key)) drift.set(key, { serviceId: g.service_id, kind: g.kind, instances: 0 });
  }
  const desiredByCell = desiredIndex(candidates.desired);
  const groupsByCell = byCell(candidates.groups);
  for (const [key, groups] of groupsByCell) {
    const first = groups[0]!;
    const desired = desiredByCell.get(key) ?? null;
    const assessment = assessResourceDrift(groups, desired, now, policy);
    const n = driftingInstances(assessment, groups, desired, now, policy.staleMs);
    if (n === 0) continue;
    const cell = compositeKey(first.serviceId, first.kind);
    const entry = drift.get(cell) ?? { serviceId: first.serviceId, kind: first.kind, instances: 0 };
    entry.instances += n;
    drift.set(cell, entry);
  }
  out.family(
    "reload_drift_instances",
    "gauge",
    "Live instances of a drifting resource that run a version other than the desired one (or, with no desired version, than the most common one), summed over the kind's resources.",
  );
  for (const d of drift.values()) out.samplePairs("reload_drift_instances", pairsOf(d.serviceId, d.kind), d.instances);

  // Every rule gets a sample (0 when quiet) under its configured severity, so a PromQL
  // absent() or a rate over it does not confuse "nothing firing" with "not scraped".
  const alertsFiring = await alertsRead;
  out.family(
    "alerts_firing",
    "gauge",
    "Open alerts (firing or acknowledged, not resolved) by rule and severity; silenced ones count too, as they still fire.",
  );
  for (const a of alertsFiring) out.sample("alerts_firing", { rule: a.rule, severity: a.severity }, a.n);

  const ingest = ingestCounts();
  out.family(
    "ingest_events_total",
    "counter",
    "Reload events this process received since it started, by endpoint and result (accepted, duplicate, rejected).",
  );
  for (const [endpoint, c] of Object.entries(ingest.events)) {
    for (const [result, n] of Object.entries(c)) out.sample("ingest_events_total", { endpoint, result }, n);
  }
  out.family(
    "ingest_spans_total",
    "counter",
    "OTLP spans this process received on /v1/traces since it started, by result (stored, duplicate, rejected).",
  );
  for (const [result, n] of Object.entries(ingest.spans)) out.sample("ingest_spans_total", { result }, n);
  out.family(
    "ingest_log_records_total",
    "counter",
    "OTLP log records this process received on /v1/logs since it started, by result (reload: a reload event, accepted or duplicate; dropped: not a reload event; rejected).",
  );
  for (const [result, n] of Object.entries(ingest.logRecords)) out.sample("ingest_log_records_total", { result }, n);

  // Last and largest: one line per live instance × resource with a known version. A group's
  // labels are escaped once; only the instance label differs from line to line.
  out.family(
    "config_version_info",
    "gauge",
    "The version each live instance runs of each resource (always 1); silent for longer than INSTANCE_STALE_SECONDS is gone.",
  );
  for (const g of live) {
    if (g.version === null) continue;
    const head = `config_version_info{${serviceOf(g.service_id)},instance="`;
    const tail = `",${labelPairs({ kind: g.kind, resource: g.resource, version: g.version })}} 1\n`;
    let lines = "";
    for (const instance of g.instances) lines += head + escapeLabelValue(instance) + tail;
    out.raw(lines);
  }
  yield* out.finish();
}

/** The whole scrape as chunks (tests, scripts); the route streams metricsChunks instead. */
export async function renderMetrics(now = new Date()): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of metricsChunks(now)) chunks.push(chunk);
  return chunks;
}
