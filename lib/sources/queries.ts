import "server-only";
import { requireActorWith } from "@/lib/auth/require-actor";
import { db, sql } from "@/lib/db/client";
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
  const rows = await db().prometheusSource.findMany({
    orderBy: [{ demo: "asc" }, { name: "asc" }],
    // Every column but the sealed token: whether one is set is read apart, below.
    omit: { tokenCiphertext: true, createdBy: true },
  });
  const tokens = await db().prometheusSource.findMany({
    where: { tokenCiphertext: { not: null } },
    select: { id: true },
  });
  const withToken = new Set(tokens.map((r) => r.id));
  // The first SERIES_SHOWN series of each source, mapped ones first: a window Prisma cannot say.
  const series = await sql().query<
    {
      source_id: number;
      metric: string;
      labels: Record<string, string>;
      value: number;
      sampled_at: Date;
      mapping: SeriesMapping | null;
      problem: string | null;
      n: number;
      total: number;
    }[]
  >(
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
      ...r,
      hasToken: withToken.has(r.id),
      rules: formatSourceRules(r.rules as unknown as SourceRule[]),
      series: own.map((s) => ({
        series: seriesName(s.metric, s.labels),
        value: Number(s.value),
        sampledAt: s.sampled_at,
        mapping: s.mapping,
        problem: s.problem,
      })),
      moreSeries: Math.max(0, (own[0]?.total ?? 0) - own.length),
    };
  });
}
