"use client";

import { useMemo, useState, type CSSProperties } from "react";
import { CONTROL_LANE, type ReloadTimeline, type TimelineEvent, type TimelineLane, type TimelineSpan } from "@/lib/domain/timeline";
import { barPercent, fullView, panView, rowWindow, visibleRows, zoomView, type TimeView, type TimelineRow } from "@/lib/domain/timeline-view";
import { formatDuration } from "@/lib/format";
import { EventDetails, type Selection } from "./event-details";
import styles from "./waterfall.module.css";

const ROW_PX = 26;
const VIEWPORT_PX = 560;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

interface Props {
  timeline: ReloadTimeline;
  /** ?trace=: only this trace's spans. */
  traceId: string | null;
}

/**
 * The waterfall: the control plane's lane on top, one lane per target, spans under their
 * instance. The rows come from visibleRows (groups of alike lanes folded), positions from
 * the view's time → 0..1 mapping; only the rows in the scrolled window are drawn.
 */
export function ReloadWaterfall({ timeline, traceId }: Props) {
  const whole = useMemo(() => fullView(timeline), [timeline]);
  // null = the whole reload, which grows as live refreshes bring later events; a zoom or pan
  // pins a range (a view kept from the first render left later events off the axis).
  const [zoomedView, setZoomedView] = useState<TimeView | null>(null);
  const view = zoomedView ?? whole;
  const setView = (next: TimeView | ((v: TimeView) => TimeView)) =>
    setZoomedView((current) => {
      const value = typeof next === "function" ? next(current ?? whole) : next;
      return value.startMs === whole.startMs && value.endMs === whole.endMs ? null : value;
    });
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [scrollTop, setScrollTop] = useState(0);
  const [selection, setSelection] = useState<Selection | null>(null);

  const pinned = useMemo(
    () => new Set([timeline.criticalPath.instance, timeline.slowest?.instance].filter((k): k is string => !!k)),
    [timeline],
  );
  const rows = useMemo(() => visibleRows(timeline, { expandedGroups: expanded, traceId, pinned }), [timeline, expanded, traceId, pinned]);
  const criticalEvents = useMemo(() => new Set(timeline.criticalPath.eventIds), [timeline]);
  const { first, end } = rowWindow(rows.length, scrollTop, VIEWPORT_PX, ROW_PX);
  const zoomed = view.startMs !== whole.startMs || view.endMs !== whole.endMs;

  const toggleGroup = (signature: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(signature)) next.delete(signature);
      else next.add(signature);
      return next;
    });

  const label = (ms: number) => {
    const fromStart = ms - timeline.reloadStartMs;
    return `${fromStart < 0 ? "−" : "+"}${formatDuration(Math.abs(fromStart))}`;
  };

  return (
    <section className="panel" aria-label="Reload waterfall" data-waterfall data-rows={rows.length}>
      <h2>
        Waterfall{" "}
        <span className="muted" style={{ fontWeight: 400 }}>
          · {timeline.instances.length} instance lanes, {rows.length} rows shown
          {traceId ? (
            <>
              {" "}
              · spans of trace <span className="mono">{traceId.slice(0, 12)}…</span>
            </>
          ) : null}
        </span>
      </h2>
      <div className={styles.toolbar}>
        <button type="button" className="secondary" onClick={() => setView((v) => zoomView(v, 0.5, 0.5, whole))} aria-label="Zoom in">
          +
        </button>
        <button type="button" className="secondary" onClick={() => setView((v) => zoomView(v, 2, 0.5, whole))} aria-label="Zoom out" disabled={!zoomed}>
          −
        </button>
        <button type="button" className="secondary" onClick={() => setView((v) => panView(v, -0.5, whole))} aria-label="Earlier" disabled={!zoomed}>
          ←
        </button>
        <button type="button" className="secondary" onClick={() => setView((v) => panView(v, 0.5, whole))} aria-label="Later" disabled={!zoomed}>
          →
        </button>
        <button type="button" className="secondary" onClick={() => setView(whole)} disabled={!zoomed}>
          Whole reload
        </button>
        <span className="muted" style={{ fontSize: 12 }}>
          {label(view.startMs)} … {label(view.endMs)} (from the reload&apos;s start)
        </span>
        <div className={styles.legend} aria-hidden="true">
          <span><i className={`${styles.swatch} ${styles.control}`} /> control plane</span>
          <span><i className={`${styles.swatch} ${styles.progress}`} /> step</span>
          <span><i className={`${styles.swatch} ${styles.success}`} /> applied / acked</span>
          <span><i className={`${styles.swatch} ${styles.failure}`} /> NACK / failed</span>
          <span><i className={`${styles.swatch} ${styles.spanBar}`} /> span</span>
          <span><i className={styles.swatch} style={{ boxShadow: "0 0 0 2px #f59e0b" }} /> critical path</span>
        </div>
      </div>
      <div className={styles.axis}>
        <div style={{ padding: "4px 14px" }}>lane</div>
        <div className={styles.axisTrack}>
          {TICKS.map((f) => (
            <span key={f} className={styles.tick} style={{ left: `${f * 100}%` }}>
              {label(view.startMs + f * (view.endMs - view.startMs))}
            </span>
          ))}
        </div>
      </div>
      <div className={styles.scroller} style={{ height: Math.min(VIEWPORT_PX, rows.length * ROW_PX + 2) }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div style={{ position: "relative", height: rows.length * ROW_PX }}>
          {rows.slice(first, end).map((row, i) => (
            <div key={row.key} className={`${styles.row} ${row.type === "lane" && row.lane.key === timeline.criticalPath.instance ? styles.criticalLane : ""}`} style={{ top: (first + i) * ROW_PX, height: ROW_PX }} data-row={row.type}>
              <RowLabel row={row} timeline={timeline} expanded={expanded} onToggle={toggleGroup} />
              <div className={styles.track}>
                {TICKS.slice(1, -1).map((f) => (
                  <span key={f} className={styles.gridline} style={{ left: `${f * 100}%` }} />
                ))}
                <RowTrack row={row} view={view} criticalEvents={criticalEvents} selection={selection} onSelect={setSelection} />
              </div>
            </div>
          ))}
        </div>
      </div>
      {selection ? <EventDetails selection={selection} reloadStartMs={timeline.reloadStartMs} onClose={() => setSelection(null)} /> : null}
    </section>
  );
}

function laneName(key: string): string {
  return key === CONTROL_LANE ? "control plane" : key;
}

function RowLabel({ row, timeline, expanded, onToggle }: { row: TimelineRow; timeline: ReloadTimeline; expanded: ReadonlySet<string>; onToggle: (signature: string) => void }) {
  if (row.type === "span") {
    return (
      <div className={`${styles.label} ${styles.spanLabel}`} style={{ paddingLeft: 26 + row.span.depth * 12 }} title={`${row.span.name} (${formatDuration(row.span.durationMs)})`}>
        <span className={styles.name}>↳ {row.span.name}</span>
        {row.span.error ? <span className="badge bad">error</span> : null}
      </div>
    );
  }
  if (row.type === "group") {
    const g = row.group;
    return (
      <div className={styles.label} title={`${row.lanes.length} instances: ${g.phases.join(" → ")} (${g.outcome})`} data-group={g.signature}>
        <button type="button" className={`secondary ${styles.expand}`} onClick={() => onToggle(g.signature)} aria-expanded={false}>
          {row.lanes.length} alike
        </button>
        <span className={styles.name}>{g.phases.join("›") || "no report"}</span>
        <OutcomeBadge outcome={g.outcome} />
      </div>
    );
  }
  const lane = row.lane;
  const isCritical = lane.key === timeline.criticalPath.instance;
  const isSlowest = lane.key === timeline.slowest?.instance;
  return (
    <div className={styles.label} title={laneName(lane.key)} data-lane={laneName(lane.key)}>
      {lane.key !== CONTROL_LANE && expanded.has(lane.signature) && !isCritical && !isSlowest ? (
        <button type="button" className={`secondary ${styles.expand}`} onClick={() => onToggle(lane.signature)} aria-label="Fold alike instances">
          −
        </button>
      ) : null}
      <span className={styles.name} style={lane.key === CONTROL_LANE ? { fontWeight: 600, fontFamily: "inherit" } : undefined}>
        {laneName(lane.key)}
      </span>
      {isCritical ? <span className="badge drift" title="the chain that determined convergence ends here">critical</span> : null}
      {isSlowest ? <span className="badge info" title={`slowest from first report to finish: ${formatDuration(timeline.slowest!.durationMs)}`}>slowest</span> : null}
      {lane.key !== CONTROL_LANE ? <OutcomeBadge outcome={lane.outcome} /> : null}
    </div>
  );
}

function OutcomeBadge({ outcome }: { outcome: TimelineLane["outcome"] }) {
  const style = outcome === "succeeded" ? "ok" : outcome === "nacked" || outcome === "failed" ? "bad" : outcome === "in_progress" ? "info" : "neutral";
  return <span className={`badge ${style}`}>{outcome.replace("_", " ")}</span>;
}

function phaseClass(e: TimelineEvent, control: boolean): string {
  if (e.phase === "nacked" || e.phase === "failed" || e.phase === "rejected") return styles.failure!;
  if (e.phase === "acked" || e.phase === "applied") return styles.success!;
  if (e.phase === "rolled_back") return styles.rollback!;
  return control ? styles.control! : styles.progress!;
}

interface TrackProps {
  row: TimelineRow;
  view: TimeView;
  criticalEvents: ReadonlySet<string>;
  selection: Selection | null;
  onSelect: (selection: Selection) => void;
}

function RowTrack({ row, view, criticalEvents, selection, onSelect }: TrackProps) {
  if (row.type === "group") {
    const range = row.group.startMs !== null && row.group.endMs !== null ? barPercent(row.group.startMs, row.group.endMs, view) : null;
    return range ? <span className={styles.groupRange} style={{ left: `${range.left}%`, width: `${Math.max(range.width, 0.3)}%` }} title="from the group's first report to its last" /> : null;
  }
  if (row.type === "span") return <SpanBar span={row.span} laneKey={row.laneKey} view={view} selected={selection?.type === "span" && selection.span === row.span} onSelect={onSelect} />;
  const lane = row.lane;
  const line = lane.startMs !== null && lane.endMs !== null ? barPercent(lane.startMs, lane.endMs, view) : null;
  const control = lane.key === CONTROL_LANE;
  return (
    <>
      {line ? <span className={styles.laneLine} style={{ left: `${line.left}%`, width: `${line.width}%` }} /> : null}
      {lane.events.map((e) => {
        const pos = barPercent(e.startMs, e.endMs, view);
        if (!pos) return null;
        const isBar = e.endMs > e.startMs;
        const classes = [isBar ? styles.bar : styles.mark, phaseClass(e, control), criticalEvents.has(e.id) ? styles.critical : "", selection?.type === "event" && selection.event === e ? styles.selected : ""].join(" ");
        const style: CSSProperties = isBar ? { left: `${pos.left}%`, width: `${pos.width}%` } : { left: `${pos.left}%` };
        return (
          <button
            key={e.id}
            type="button"
            className={classes}
            style={style}
            title={`${e.phase}${e.durationMs ? ` (${formatDuration(e.durationMs)})` : ""}${e.error ? `: ${e.error}` : ""}`}
            aria-label={`${e.phase} event of ${laneName(lane.key)}`}
            data-event={e.id}
            data-phase={e.phase}
            onClick={() => onSelect({ type: "event", event: e, lane: laneName(lane.key) })}
          />
        );
      })}
    </>
  );
}

function SpanBar({ span, laneKey, view, selected, onSelect }: { span: TimelineSpan; laneKey: string; view: TimeView; selected: boolean; onSelect: (s: Selection) => void }) {
  const pos = barPercent(span.startMs, span.endMs, view);
  if (!pos) return null;
  return (
    <button
      type="button"
      className={[styles.bar, span.error ? styles.spanError : styles.spanBar, selected ? styles.selected : ""].join(" ")}
      style={{ left: `${pos.left}%`, width: `${pos.width}%` }}
      title={`${span.name} (${formatDuration(span.durationMs)})${span.statusMessage ? `: ${span.statusMessage}` : ""}`}
      aria-label={`span ${span.name} of ${laneName(laneKey)}`}
      data-span={span.spanId}
      onClick={() => onSelect({ type: "span", span, lane: laneName(laneKey) })}
    />
  );
}
