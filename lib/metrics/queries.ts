import "server-only";
import { sql } from "@/lib/db/client";
import { assessResourceDrift, liveSince } from "@/lib/domain/drift";
import { compositeKey } from "@/lib/domain/keys";
import type { VersionAggregate } from "@/lib/domain/matrix";
import { TERMINAL_STATUSES } from "@/lib/domain/reload-status";
import { driftPolicy, loadFleetDriftCandidates } from "@/lib/fleet/pair-groups";
import { driftingInstances } from "./drift-instances";
import { ExpositionWriter, type Labels } from "./exposition";
import { ingestCounts } from "./ingest-counters";

// GET /api/metrics's body. Everything comes from aggregates over the reload table and from
// the instance-state read model, never from event history: one scan of `reload` (counts and
// both histograms, grouped in SQL), one read of the live instance states (config_version_info
// and the service × kind pairs that get a drift gauge), and the fleet's drift candidates
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

interface LiveStateRow {
  service_id: number;
  instance: string;
  kind: string;
  resource: string;
  version: string | null;
}

const bucketColumns = (expr: string) => `ARRAY[${RELOAD_SECONDS_BUCKETS.map((le) => `count(*) FILTER (WHERE ${expr} <= ${le})`).join(", ")}]::int[]`;

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

/** Every instance × resource pair heard from within INSTANCE_STALE_SECONDS (the drift rule's liveness). */
function loadLiveStates(now: Date, staleMs: number): Promise<LiveStateRow[]> {
  return sql().query<LiveStateRow[]>(
    `SELECT st.service_id, i.instance_key AS instance, st.kind, st.resource, st.version
     FROM instance_state st JOIN instance i ON i.id = st.instance_id
     WHERE st.last_phase_at >= $1::timestamptz`,
    liveSince(now, staleMs).toISOString(),
  );
}

interface Histogram {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

function addHistogram(into: Map<string, Histogram>, key: string, labels: Labels, buckets: number[], sum: number, count: number): void {
  const h = into.get(key);
  if (!h) {
    into.set(key, { labels, buckets: [...buckets], sum, count });
    return;
  }
  for (let i = 0; i < buckets.length; i++) h.buckets[i]! += buckets[i]!;
  h.sum += sum;
  h.count += count;
}

/** The scrape: Prometheus text, in chunks to stream. */
export async function renderMetrics(now = new Date()): Promise<string[]> {
  const q = sql();
  const policy = driftPolicy();
  const [services, reloads, states, candidates] = await Promise.all([
    q.query<ServiceRow[]>(`SELECT id, environment, namespace, name FROM service`),
    loadReloadAggregates(),
    loadLiveStates(now, policy.staleMs),
    loadFleetDriftCandidates(q, null, undefined, now, policy),
  ]);
  const serviceLabels = new Map<number, Labels>(services.map((s) => [s.id, { environment: s.environment, namespace: s.namespace, service: s.name }]));
  const labelsOf = (serviceId: number): Labels => serviceLabels.get(serviceId) ?? { environment: "", namespace: "", service: `#${serviceId}` };
  const out = new ExpositionWriter();

  out.family("reload_total", "counter", "Reloads that reached a terminal status, by that status (outcome); a reload counts once, under its current status.");
  for (const r of reloads) out.sample("reload_total", { ...labelsOf(r.service_id), kind: r.kind, outcome: r.status }, r.n);

  const durations = new Map<string, Histogram>();
  const convergences = new Map<string, Histogram>();
  for (const r of reloads) {
    const key = compositeKey(r.service_id, r.kind);
    const labels = { ...labelsOf(r.service_id), kind: r.kind };
    if (r.duration_count > 0) addHistogram(durations, key, labels, r.duration_buckets, r.duration_sum, r.duration_count);
    if (r.convergence_count > 0) addHistogram(convergences, key, labels, r.convergence_buckets, r.convergence_sum, r.convergence_count);
  }
  out.family("reload_duration_seconds", "histogram", "Terminal reloads that started, from their start to their terminal status (completed_at - started_at).");
  for (const h of durations.values()) out.histogram("reload_duration_seconds", h.labels, RELOAD_SECONDS_BUCKETS, h.buckets, h.sum, h.count);
  out.family("reload_convergence_seconds", "histogram", "Convergence of succeeded and partially failed reloads: first dispatch (or request) to the last instance's ack.");
  for (const h of convergences.values()) out.histogram("reload_convergence_seconds", h.labels, RELOAD_SECONDS_BUCKETS, h.buckets, h.sum, h.count);

  // Drift per service × kind: every live service × kind gets a gauge (0 when nothing drifts).
  const drift = new Map<string, { serviceId: number; kind: string; instances: number }>();
  for (const s of states) {
    const key = compositeKey(s.service_id, s.kind);
    if (!drift.has(key)) drift.set(key, { serviceId: s.service_id, kind: s.kind, instances: 0 });
  }
  const desiredByCell = new Map(candidates.desired.map((d) => [compositeKey(d.serviceId, d.kind, d.resource), d]));
  const groupsByCell = new Map<string, VersionAggregate[]>();
  for (const g of candidates.groups) {
    const key = compositeKey(g.serviceId, g.kind, g.resource);
    const list = groupsByCell.get(key);
    if (list) list.push(g);
    else groupsByCell.set(key, [g]);
  }
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
  out.family("reload_drift_instances", "gauge", "Live instances of a drifting resource that run a version other than the desired one (or, with no desired version, than the most common one), summed over the kind's resources.");
  for (const d of drift.values()) out.sample("reload_drift_instances", { ...labelsOf(d.serviceId), kind: d.kind }, d.instances);

  out.family("alerts_firing", "gauge", "Alerts firing, by rule and severity. No alert rules exist yet, so this family has no samples.");

  const ingest = ingestCounts();
  out.family("ingest_events_total", "counter", "Reload events this process received since it started, by endpoint and result (accepted, duplicate, rejected).");
  for (const [endpoint, c] of Object.entries(ingest.events)) {
    for (const [result, n] of Object.entries(c)) out.sample("ingest_events_total", { endpoint, result }, n);
  }
  out.family("ingest_spans_total", "counter", "OTLP spans this process received on /v1/traces since it started, by result (stored, duplicate, rejected).");
  for (const [result, n] of Object.entries(ingest.spans)) out.sample("ingest_spans_total", { result }, n);

  // Last and largest: one line per live instance × resource with a known version.
  out.family("config_version_info", "gauge", "The version each live instance runs of each resource (always 1); silent for longer than INSTANCE_STALE_SECONDS is gone.");
  for (const s of states) {
    if (s.version === null) continue;
    out.sample("config_version_info", { ...labelsOf(s.service_id), instance: s.instance, kind: s.kind, resource: s.resource, version: s.version }, 1);
  }
  return out.finish();
}
