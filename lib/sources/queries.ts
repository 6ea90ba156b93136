import "server-only";
import { requireActorWith } from "@/lib/auth/require-actor";
import { sql } from "@/lib/db/client";
import { formatSourceRules, type SourceRule } from "@/lib/domain/source-catalogue";
import { seriesName, type SeriesMapping } from "@/lib/domain/source-mapping";

// Reads for /admin/sources (admins only, like the other admin lists). The token is never
// read: only whether one is set.

export interface SourceView {
  id: number;
  name: string;
  url: string;
  hasToken: boolean;
  environmentLabels: string[];
  defaultEnvironment: string;
  serviceLabel: string;
  instanceLabel: string;
  rules: string;
  demo: boolean;
  createdAt: Date;
  lastQueryAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  lastSeries: number | null;
  lastEvents: number | null;
  series: SourceSeriesView[];
  /** series this source has, beyond the ones listed */
  moreSeries: number;
}

export interface SourceSeriesView {
  series: string;
  value: number;
  sampledAt: Date;
  mapping: SeriesMapping | null;
  problem: string | null;
}

const SERIES_SHOWN = 200;

export async function listSources(): Promise<SourceView[]> {
  await requireActorWith("source.manage");
  const rows = await sql().query<
    {
      id: number;
      name: string;
      url: string;
      has_token: boolean;
      environment_labels: string[];
      default_environment: string;
      service_label: string;
      instance_label: string;
      rules: SourceRule[];
      demo: boolean;
      created_at: Date;
      last_query_at: Date | null;
      last_success_at: Date | null;
      last_error: string | null;
      last_error_at: Date | null;
      last_series: number | null;
      last_events: number | null;
    }[]
  >(
    `SELECT id, name, url, token_ciphertext IS NOT NULL AS has_token, environment_labels, default_environment, service_label, instance_label,
            rules, demo, created_at, last_query_at, last_success_at, last_error, last_error_at, last_series, last_events
     FROM prometheus_source ORDER BY demo, name`,
  );
  const series = await sql().query<{ source_id: number; metric: string; labels: Record<string, string>; value: number; sampled_at: Date; mapping: SeriesMapping | null; problem: string | null; n: number; total: number }[]>(
    `SELECT * FROM (
       SELECT source_id, metric, labels, value, sampled_at, mapping, problem,
              row_number() OVER (PARTITION BY source_id ORDER BY mapping IS NULL, metric, series_key) AS n,
              count(*) OVER (PARTITION BY source_id)::int AS total
       FROM source_series) s
     WHERE n <= $1 ORDER BY source_id, n`,
    SERIES_SHOWN,
  );
  return rows.map((r) => {
    const own = series.filter((s) => s.source_id === r.id);
    return {
      id: r.id,
      name: r.name,
      url: r.url,
      hasToken: r.has_token,
      environmentLabels: r.environment_labels,
      defaultEnvironment: r.default_environment,
      serviceLabel: r.service_label,
      instanceLabel: r.instance_label,
      rules: formatSourceRules(r.rules),
      demo: r.demo,
      createdAt: r.created_at,
      lastQueryAt: r.last_query_at,
      lastSuccessAt: r.last_success_at,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      lastSeries: r.last_series,
      lastEvents: r.last_events,
      series: own.map((s) => ({ series: seriesName(s.metric, s.labels), value: Number(s.value), sampledAt: s.sampled_at, mapping: s.mapping, problem: s.problem })),
      moreSeries: Math.max(0, (own[0]?.total ?? 0) - own.length),
    };
  });
}

