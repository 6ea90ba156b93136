// A reload's spans as the timeline draws them: per lane, each trace's spans nested under their
// parents (depth-first, siblings by start), every time relative to the timeline's origin.
// Pure; ./timeline.ts calls nestSpans while it assembles the lanes.

export type SpanStatus = "unset" | "ok" | "error";

export interface TimelineSpanInput {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** service.instance.id of the span's resource; null puts it under the control plane. */
  instance: string | null;
  start: Date;
  end: Date;
  status: SpanStatus;
  statusMessage: string | null;
  attributes: Record<string, unknown>;
  /** The reload a `reload.id` attribute names, resolved to its key, when it is known. */
  reloadKey: string | null;
  /** Everything else stored with the span (resource, scope, span events, kind), shown in its details. */
  details?: Record<string, unknown>;
}

export interface TimelineSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  startMs: number;
  endMs: number;
  durationMs: number;
  start: string;
  end: string;
  /** 0 for a root within the lane; children one deeper than their parent. */
  depth: number;
  error: boolean;
  statusMessage: string | null;
  attributes: Record<string, unknown>;
  reloadKey: string | null;
  details: Record<string, unknown>;
}

/**
 * Spans per lane, nested: a span's parent is looked up among the reload's spans (a parent in
 * another lane or missing makes it a root of its own lane). Each span is visited once, so a
 * cycle of parents cannot recurse forever. `rel` turns a time into ms after the timeline's
 * origin; `laneOf` names a span's lane.
 */
export function nestSpans(
  spans: TimelineSpanInput[],
  rel: (d: Date) => number,
  laneOf: (span: TimelineSpanInput) => string,
): Map<string, TimelineSpan[]> {
  const byId = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
  const children = new Map<string, TimelineSpanInput[]>();
  const roots = new Map<string, TimelineSpanInput[]>();
  for (const s of spans) {
    const parent = s.parentSpanId ? byId.get(`${s.traceId}/${s.parentSpanId}`) : undefined;
    if (parent && parent !== s && laneOf(parent) === laneOf(s)) pushTo(children, `${s.traceId}/${parent.spanId}`, s);
    else pushTo(roots, laneOf(s), s);
  }
  const byStart = (a: TimelineSpanInput, b: TimelineSpanInput) =>
    a.start.getTime() - b.start.getTime() || (a.spanId < b.spanId ? -1 : 1);
  const result = new Map<string, TimelineSpan[]>();
  for (const [laneKey, laneRoots] of roots) {
    const out: TimelineSpan[] = [];
    const seen = new Set<TimelineSpanInput>();
    const visit = (s: TimelineSpanInput, depth: number) => {
      if (seen.has(s)) return;
      seen.add(s);
      const startMs = rel(s.start);
      const endMs = Math.max(startMs, rel(s.end));
      out.push({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId,
        name: s.name,
        startMs,
        endMs,
        durationMs: endMs - startMs,
        start: s.start.toISOString(),
        end: s.end.toISOString(),
        depth,
        error: s.status === "error",
        statusMessage: s.statusMessage,
        attributes: s.attributes,
        reloadKey: s.reloadKey,
        details: s.details ?? {},
      });
      for (const child of (children.get(`${s.traceId}/${s.spanId}`) ?? []).sort(byStart)) visit(child, depth + 1);
    };
    for (const root of laneRoots.sort(byStart)) visit(root, 0);
    result.set(laneKey, out);
  }
  return result;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
