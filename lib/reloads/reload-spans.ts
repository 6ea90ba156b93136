import "server-only";
import type { Sql } from "@/lib/db/client";
import type { TimelineEventInput } from "@/lib/domain/timeline";
import type { TimelineSpanInput } from "@/lib/domain/timeline-spans";

// The OTLP spans a reload's timeline draws beside its events (docs/adr/0008): called by
// ./timeline-queries.ts after the reload's events, whose trace ids it follows.

/** Spans drawn for one reload at most; a trace larger than this is cut (the answer says `truncated`). */
export const TIMELINE_SPAN_LIMIT = 20_000;

interface SpanDbRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: number;
  start_time: Date;
  end_time: Date;
  status_code: number;
  status_message: string | null;
  attributes: Record<string, unknown> | null;
  events: unknown;
  resource_attributes: Record<string, unknown> | null;
  scope_name: string;
  scope_version: string;
  service_id: number;
  instance_key: string | null;
  reload_id: string | null;
  reload_key: string | null;
}

/**
 * The spans of the reload's traces: the trace ids its events carry, and the traces of spans
 * whose reload.id names this reload (span_service_id_reload_id partial index); each trace by
 * the span primary key's leading trace_id. Spans of another service, or of an instance that
 * is not one of the reload's lanes, sit under the control plane.
 */
export async function loadReloadSpans(
  q: Sql,
  reload: { service_id: number; reload_id: string },
  events: TimelineEventInput[],
  laneKeys: ReadonlySet<string>,
): Promise<{ spans: TimelineSpanInput[]; truncated: boolean }> {
  // Two steps, so each trace is an index probe on span's primary key (trace_id leads it) in
  // every partition, whatever the planner guesses about a subquery's size.
  const named = await q.query<{ trace_id: string }[]>(
    `SELECT DISTINCT trace_id FROM span WHERE service_id = $1 AND reload_id = $2 LIMIT 1000`,
    reload.service_id,
    reload.reload_id,
  );
  const traceIds = [
    ...new Set(
      [...events.map((e) => e.traceId?.toLowerCase()), ...named.map((r) => r.trace_id)].filter((t): t is string => !!t),
    ),
  ];
  if (traceIds.length === 0) return { spans: [], truncated: false };
  const rows = await q.query<SpanDbRow[]>(
    `SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_time, s.end_time, s.status_code, s.status_message,
            s.attributes, s.events, s.resource_attributes, s.scope_name, s.scope_version, s.service_id, s.instance_key, s.reload_id,
            r.id::text AS reload_key
     FROM span s
     LEFT JOIN reload r ON r.service_id = s.service_id AND r.reload_id = s.reload_id
     WHERE s.trace_id = ANY($1::text[])
     ORDER BY s.start_time, s.trace_id, s.span_id
     LIMIT $2::int`,
    traceIds,
    TIMELINE_SPAN_LIMIT + 1,
  );
  const spans = rows.slice(0, TIMELINE_SPAN_LIMIT).map((r): TimelineSpanInput => ({
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    name: r.name,
    instance:
      r.service_id === reload.service_id && r.instance_key !== null && laneKeys.has(r.instance_key)
        ? r.instance_key
        : null,
    start: r.start_time,
    end: r.end_time,
    status: r.status_code === 2 ? "error" : r.status_code === 1 ? "ok" : "unset",
    statusMessage: r.status_message,
    attributes: r.attributes ?? {},
    reloadKey: r.reload_key,
    details: {
      kind: SPAN_KINDS[r.kind] ?? r.kind,
      instance: r.instance_key,
      scope: r.scope_version ? `${r.scope_name}@${r.scope_version}` : r.scope_name,
      resource: r.resource_attributes ?? {},
      events: r.events ?? [],
    },
  }));
  return { spans, truncated: rows.length > TIMELINE_SPAN_LIMIT };
}

const SPAN_KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"];
