import "server-only";
import { openSecret } from "@/lib/crypto/secret-box";
import { sql, transaction, type Sql } from "@/lib/db/client";
import { column, sqlParams } from "@/lib/db/sql-params";
import { catalogueQuery, rowsFor, type SourceRule } from "@/lib/domain/source-catalogue";
import {
  mapSourceSamples,
  type MappedSeries,
  type SeriesSamples,
  type SeriesState,
  type SourceEvent,
  type SourceSettings,
} from "@/lib/domain/source-mapping";
import { env } from "@/lib/env";
import { parseEvents } from "@/lib/ingest/parse-events";
import { RELOADSCOPE_WRITER, storeEvents } from "@/lib/ingest/store-events";
import { queryPrometheus, SourceQueryError } from "./prometheus-api";

// One query of one source (DESIGN.md "Sources"): the catalogue's metrics as raw samples over a
// window, mapped against the state the last query left (lib/domain/source-mapping.ts), written
// through the ingest path as Reloadscope's own events (the app queried; no ingest token sent
// them; initiator and attributes name the source), then the new state. Events go first: a
// query repeated after a crash between the two yields the same ids, stored once. A source
// that cannot be queried records why and writes nothing.

export interface SourceRow {
  id: number;
  name: string;
  url: string;
  token_ciphertext: string | null;
  environment_labels: string[];
  default_environment: string;
  service_label: string;
  instance_label: string;
  rules: SourceRule[];
  demo: boolean;
}

export const SOURCE_COLUMNS = `id, name, url, token_ciphertext, environment_labels, default_environment, service_label, instance_label, rules, demo`;

export interface PollOutcome {
  ok: boolean;
  error: string | null;
  series: number;
  mapped: number;
  accepted: number;
  duplicates: number;
}

/** The window of raw samples a query asks for: two intervals, and at least a minute, so no scrape falls between queries. */
export function queryWindowSeconds(): number {
  return Math.max(60, 2 * env().SOURCE_INTERVAL_SECONDS);
}

export function settingsOf(row: SourceRow): SourceSettings {
  return {
    id: row.id,
    name: row.name,
    environmentLabels: row.environment_labels,
    defaultEnvironment: row.default_environment,
    serviceLabel: row.service_label,
    instanceLabel: row.instance_label,
    rules: row.rules,
  };
}

/** Queries the source once, as the worker does, and maps the answer; writes nothing. */
export async function querySource(row: SourceRow, now: Date): Promise<{ samples: SeriesSamples[] }> {
  let token: string | null = null;
  if (row.token_ciphertext !== null) {
    try {
      token = openSecret(row.token_ciphertext);
    } catch (error) {
      throw new SourceQueryError(`the source's token cannot be decrypted: ${(error as Error).message}`);
    }
  }
  const samples = await queryPrometheus(row.url, token, catalogueQuery(rowsFor(row.rules), queryWindowSeconds()), now);
  return { samples };
}

export async function pollSource(row: SourceRow, now = new Date()): Promise<PollOutcome> {
  let samples: SeriesSamples[];
  try {
    ({ samples } = await querySource(row, now));
  } catch (error) {
    const message = error instanceof SourceQueryError ? error.message : `the query failed: ${(error as Error).message}`;
    await recordFailure(sql(), row.id, now, message);
    return { ok: false, error: message, series: 0, mapped: 0, accepted: 0, duplicates: 0 };
  }
  const previous = await loadState(row.id);
  const mapped = mapSourceSamples(settingsOf(row), previous, samples);
  const { accepted, duplicates, problems } = await ingestSourceEvents(mapped.events, now);
  await saveState(row.id, mapped.series, now, problems.length > 0 ? problems.slice(0, 5).join("; ") : null, accepted);
  return {
    ok: true,
    error: problems[0] ?? null,
    series: mapped.series.length,
    mapped: mapped.series.filter((s) => s.mapping !== null).length,
    accepted,
    duplicates,
  };
}

/** Writes a source's events through the ingest path (validated as POST /api/v1/events validates); refusals come back as problems. */
export async function ingestSourceEvents(
  events: SourceEvent[],
  now: Date,
): Promise<{ accepted: number; duplicates: number; problems: string[] }> {
  const problems: string[] = [];
  if (events.length === 0) return { accepted: 0, duplicates: 0, problems };
  const settings = env();
  const parsed = parseEvents(events, "json", Math.max(settings.INGEST_MAX_EVENTS, events.length), {
    now,
    retentionMs: settings.RETENTION_DAYS * 86_400_000,
  });
  for (const r of parsed.rejected) problems.push(`event ${events[r.index]?.id ?? r.index} refused: ${r.reason}`);
  if (parsed.events.length === 0) return { accepted: 0, duplicates: 0, problems };
  const stored = await storeEvents(
    parsed.events.map((p) => p.event),
    { now, writer: RELOADSCOPE_WRITER },
  );
  for (const r of stored.rejected)
    problems.push(`event ${parsed.events[r.position]?.event.id ?? r.position} refused: ${r.reason}`);
  return { accepted: stored.accepted, duplicates: stored.duplicates, problems };
}

/** Every source, one after another (the leader's pass). A source that fails does not stop the others. */
export async function pollSources(now = () => new Date()): Promise<PollOutcome[]> {
  const rows = await sql().query<SourceRow[]>(
    `SELECT ${SOURCE_COLUMNS} FROM prometheus_source WHERE NOT demo ORDER BY id`,
  );
  const outcomes: PollOutcome[] = [];
  for (const row of rows) outcomes.push(await pollSource(row, now()));
  return outcomes;
}

async function loadState(sourceId: number): Promise<SeriesState[]> {
  const rows = await sql().query<
    { series_key: string; metric: string; labels: Record<string, string>; value: number; sampled_at: Date }[]
  >(`SELECT series_key, metric, labels, value, sampled_at FROM source_series WHERE source_id = $1`, sourceId);
  return rows.map((r) => ({
    key: r.series_key,
    metric: r.metric,
    labels: r.labels,
    value: Number(r.value),
    sampledAt: new Date(r.sampled_at),
  }));
}

/** How long a series no query has answered is kept (its target down, or gone). */
const FORGET_AFTER_MS = 86_400_000;

export async function saveState(
  sourceId: number,
  series: MappedSeries[],
  now: Date,
  error: string | null,
  events: number,
): Promise<void> {
  await transaction(async (tx) => {
    // The source may have been removed while it was queried: then nothing is kept.
    const [source] = await tx.query<{ id: number }[]>(
      `SELECT id FROM prometheus_source WHERE id = $1 FOR UPDATE`,
      sourceId,
    );
    if (!source) return;
    if (series.length > 0) {
      const q = sqlParams();
      const sourceParam = q.value(sourceId, "int");
      const rows = q.unnest({
        series_key: column.text(series.map((s) => s.key)),
        metric: column.text(series.map((s) => s.metric)),
        labels: column.jsonb(series.map((s) => JSON.stringify(s.labels))),
        value: column.float8(series.map((s) => (Number.isFinite(s.value) ? s.value : NaN))),
        sampled_at: column.timestamptz(series.map((s) => s.sampledAt)),
        mapping: column.jsonb(series.map((s) => (s.mapping ? JSON.stringify(s.mapping) : null))),
        problem: column.text(series.map((s) => s.problem)),
      });
      await tx.execute(
        `INSERT INTO source_series (source_id, ${rows.names})
         SELECT ${sourceParam}, * FROM ${rows.call}
         ON CONFLICT (source_id, series_key) DO UPDATE SET value = EXCLUDED.value, sampled_at = EXCLUDED.sampled_at,
           mapping = EXCLUDED.mapping, problem = EXCLUDED.problem, labels = EXCLUDED.labels`,
        ...q.values,
      );
    }
    await tx.execute(
      `DELETE FROM source_series WHERE source_id = $1 AND sampled_at < $2::timestamptz`,
      sourceId,
      new Date(now.getTime() - FORGET_AFTER_MS).toISOString(),
    );
    await tx.execute(
      `UPDATE prometheus_source SET last_query_at = $2, last_success_at = $2, last_error = $3, last_error_at = CASE WHEN $3::text IS NULL THEN last_error_at ELSE $2 END,
         last_series = $4, last_events = $5 WHERE id = $1`,
      sourceId,
      now.toISOString(),
      error,
      series.length,
      events,
    );
  });
}

async function recordFailure(db: Sql, sourceId: number, now: Date, message: string): Promise<void> {
  await db.execute(
    `UPDATE prometheus_source SET last_query_at = $2, last_error = $3, last_error_at = $2 WHERE id = $1`,
    sourceId,
    now.toISOString(),
    message,
  );
}
