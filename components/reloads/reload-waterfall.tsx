"use client";

import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type PointerEvent as ReactPointerEvent,
} from "react";
import { CONTROL_LANE, type ReloadTimeline, type TimelineEvent, type TimelineLane } from "@/lib/domain/timeline";
import type { TimelineSpan } from "@/lib/domain/timeline-spans";
import {
  axisTicks,
  barPercent,
  dragView,
  laneLabel,
  panView,
  prefixOf,
  rowWindow,
  timeToFraction,
  viewFromParams,
  viewToParams,
  visibleRows,
  wholeView,
  workView,
  zoomView,
  type TimeView,
  type TimelineRow,
} from "@/lib/domain/timeline-view";
import { FAILURE_PHASES, SUCCESS_PHASES } from "@/lib/domain/phases";
import { formatDuration } from "@/lib/format";
import { EventDetails, type Selection } from "./event-details";
import styles from "./waterfall.module.css";

const ROW_PX = 26;
const VIEWPORT_PX = 560;
/** Room the details beside a row need: a short list of rows still opens them whole. */
const DETAILS_PX = 420;
const LANE_CHARS = 30;

interface Props {
  timeline: ReloadTimeline;
  /** ?trace=: only this trace's spans. */
  traceId: string | null;
  /** ?from=&to= (epoch ms) and ?span= / ?event= of the link that opened the page. */
  initial?: { from: string | null; to: string | null; span: string | null; event: string | null };
  /**
   * How many spans the read loaded when it left later ones out (ReloadTimelineData.spansTruncated,
   * lib/reloads/reload-spans.ts); null when every span of the reload's traces is drawn.
   */
  spansCut?: number | null;
}

type Pick = { kind: "span"; id: string } | { kind: "event"; id: string };

/**
 * The waterfall: the control plane's lane on top, one lane per target, spans under their
 * instance. The rows come from visibleRows (failed lanes first, groups of alike lanes folded),
 * positions from the view's time → 0..1 mapping; only the rows in the scrolled window are
 * drawn. The view opens on the work (dispatch → last report); the request and approval before
 * it are a collapsed prefix. Zoom (drag on the axis or the minimap) and the selected span live
 * in the URL (?from=&to=&span=), as jaeger-ui keeps its uiFind.
 */
export function ReloadWaterfall({ timeline, traceId, initial, spansCut = null }: Props) {
  const whole = useMemo(() => wholeView(timeline), [timeline]);
  const work = useMemo(() => workView(timeline), [timeline]);
  const prefix = useMemo(() => prefixOf(timeline), [timeline]);
  // null = the work, which grows as live refreshes bring later events; a zoom pins a range.
  const [zoomedView, setZoomedView] = useState<TimeView | null>(() =>
    viewFromParams(initial?.from, initial?.to, timeline.originEpochMs, wholeView(timeline)),
  );
  const view = zoomedView ?? work;
  const setView = (next: TimeView | ((v: TimeView) => TimeView)) =>
    setZoomedView((current) => {
      const value = typeof next === "function" ? next(current ?? work) : next;
      return value.startMs === work.startMs && value.endMs === work.endMs ? null : value;
    });
  const [pick, setPick] = useState<Pick | null>(() =>
    initial?.span ? { kind: "span", id: initial.span } : initial?.event ? { kind: "event", id: initial.event } : null,
  );
  const selection = useMemo(() => findSelection(timeline, pick), [timeline, pick]);

  const pinned = useMemo(
    () => new Set([timeline.criticalPath.instance, timeline.slowest?.instance].filter((k): k is string => !!k)),
    [timeline],
  );
  // A linked span's lane is opened out of its group, so the row it names is on screen.
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => {
    const lane = selection ? timeline.instances.find((l) => l.key === selection.laneKey) : undefined;
    return new Set(lane ? [lane.signature] : []);
  });
  const rows = useMemo(
    () => visibleRows(timeline, { expandedGroups: expanded, traceId, pinned }),
    [timeline, expanded, traceId, pinned],
  );
  const criticalEvents = useMemo(() => new Set(timeline.criticalPath.eventIds), [timeline]);
  const [scrollTop, setScrollTop] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const { first, end } = rowWindow(rows.length, scrollTop, VIEWPORT_PX, ROW_PX);
  const selectedRow = selection ? rows.findIndex((r) => rowHolds(r, selection)) : -1;
  const zoomed = zoomedView !== null;

  // The URL follows the view and the selection (replaceState: no navigation, no history entry).
  useEffect(() => {
    const params = new URLSearchParams(location.search);
    for (const name of ["from", "to", "span", "event"]) params.delete(name);
    if (zoomedView) {
      const { from, to } = viewToParams(zoomedView, timeline.originEpochMs);
      params.set("from", String(from));
      params.set("to", String(to));
    }
    if (pick) params.set(pick.kind, pick.id);
    const href = `${location.pathname}${params.size ? `?${params}` : ""}${location.hash}`;
    if (href !== `${location.pathname}${location.search}${location.hash}`)
      history.replaceState(history.state, "", href);
  }, [zoomedView, pick, timeline.originEpochMs]);

  // A linked selection scrolls its row into the box once.
  const scrolled = useRef(false);
  useEffect(() => {
    if (scrolled.current || selectedRow < 0 || !scroller.current) return;
    scrolled.current = true;
    scroller.current.scrollTop = Math.max(0, selectedRow * ROW_PX - ROW_PX * 2);
  }, [selectedRow]);

  // Esc closes the details and gives focus back to the bar that opened them.
  useEffect(() => {
    if (!pick) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setPick(null);
      opener.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [pick]);

  const select = (next: Pick, from: HTMLElement) => {
    opener.current = from;
    setPick((current) => (current && current.kind === next.kind && current.id === next.id ? null : next));
  };
  const toggleGroup = (signature: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(signature)) next.delete(signature);
      else next.add(signature);
      return next;
    });

  const ticks = axisTicks(view, timeline.reloadStartMs);
  const labels = useMemo(
    () =>
      new Map(
        rows.flatMap((r) => (r.type === "lane" ? [[r.lane.key, laneLabel(r.lane.key, LANE_CHARS)] as const] : [])),
      ),
    [rows],
  );
  const contentPx = Math.max(
    rows.length * ROW_PX,
    selection ? Math.min(rows.length * ROW_PX + DETAILS_PX, selectedRow * ROW_PX + DETAILS_PX) : 0,
  );

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
      {spansCut !== null ? <SpansCutNotice shown={spansCut} /> : null}
      <div className={styles.toolbar}>
        <button
          type="button"
          className="secondary"
          onClick={() => setView((v) => zoomView(v, 0.5, 0.5, whole))}
          aria-label="Zoom in"
        >
          +
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setView((v) => zoomView(v, 2, 0.5, whole))}
          aria-label="Zoom out"
          disabled={view.startMs <= whole.startMs && view.endMs >= whole.endMs}
        >
          −
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setView((v) => panView(v, -0.5, whole))}
          aria-label="Earlier"
          disabled={view.startMs <= whole.startMs}
        >
          ←
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setView((v) => panView(v, 0.5, whole))}
          aria-label="Later"
          disabled={view.endMs >= whole.endMs}
        >
          →
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setZoomedView(null)}
          disabled={!zoomed}
          data-fit-work
        >
          Fit to the work
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setView(whole)}
          disabled={view.startMs <= whole.startMs && view.endMs >= whole.endMs}
        >
          {prefix ? "Whole reload, request included" : "Whole reload"}
        </button>
        <span className="muted" style={{ fontSize: 12 }} data-view-range>
          {ticks.length ? `${ticks[0]!.label} … ${ticks[ticks.length - 1]!.label}` : ""} from the{" "}
          {timeline.reloadStartMs > 0 ? "dispatch" : "reload's start"} · drag on the axis to zoom
        </span>
        <Legend />
      </div>
      <p className={styles.why}>
        <span className="badge drift">critical</span> the instance whose finish set the convergence time (the last to
        ack) · <span className="badge info">slowest</span> the one that took longest from its first report to its
        finish. A late starter can finish last without being slow, so the two may sit on different lanes.
      </p>
      <Minimap timeline={timeline} rows={rows} whole={whole} view={view} onView={setView} />
      <Axis view={view} ticks={ticks} onZoom={(v) => setView(v)} whole={whole} />
      {prefix ? (
        <div className={styles.prefix} data-prefix>
          <span>
            Before the dispatch: {prefix.phases.join(" → ")} · {formatDuration(prefix.endMs - prefix.startMs)}
          </span>
          {view.startMs > prefix.startMs ? (
            <button type="button" className="secondary" onClick={() => setView(whole)}>
              Show
            </button>
          ) : (
            <button type="button" className="secondary" onClick={() => setZoomedView(null)}>
              Hide
            </button>
          )}
        </div>
      ) : null}
      <div
        className={styles.scroller}
        ref={scroller}
        style={{ height: Math.min(VIEWPORT_PX, contentPx + 2) }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        <div className={selection ? styles.withDetails : undefined} style={{ position: "relative", height: contentPx }}>
          <div style={{ position: "relative", height: contentPx }}>
            {rows.slice(first, end).map((row, i) => (
              <div
                key={row.key}
                className={`${styles.row} ${row.type === "lane" && row.lane.key === timeline.criticalPath.instance ? styles.criticalLane : ""} ${first + i === selectedRow ? styles.selectedRow : ""}`}
                style={{ top: (first + i) * ROW_PX, height: ROW_PX }}
                data-row={row.type}
              >
                <RowLabel
                  row={row}
                  timeline={timeline}
                  expanded={expanded}
                  onToggle={toggleGroup}
                  label={row.type === "lane" ? labels.get(row.lane.key)! : ""}
                />
                <div className={styles.track}>
                  {ticks.map((t) => (
                    <span key={t.label} className={styles.gridline} style={{ left: `${t.fraction * 100}%` }} />
                  ))}
                  <RowTrack
                    row={row}
                    view={view}
                    criticalEvents={criticalEvents}
                    selection={selection}
                    onSelect={select}
                  />
                </div>
              </div>
            ))}
          </div>
          {selection ? (
            // Beside the clicked row, in the same scroll box, so it opens where the eye is.
            <div className={styles.detailsColumn}>
              <div style={{ height: Math.max(0, Math.min(selectedRow, Math.max(0, rows.length - 1)) * ROW_PX) }} />
              <EventDetails
                selection={selection.selection}
                reloadStartMs={timeline.reloadStartMs}
                onClose={() => (setPick(null), opener.current?.focus())}
              />
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
}

/** The waterfall is not the whole story: the read stopped at its span limit. */
function SpansCutNotice({ shown }: { shown: number }) {
  return (
    <p className="banner" role="note" style={{ margin: "8px 14px" }} data-spans-cut={shown}>
      Only the first {shown.toLocaleString("en-US")} spans of this reload&apos;s traces (by start time) are shown; the
      later ones were not loaded.
    </p>
  );
}

interface Found {
  selection: Selection;
  laneKey: string;
}

function findSelection(timeline: ReloadTimeline, pick: Pick | null): Found | null {
  if (!pick) return null;
  for (const lane of [timeline.control, ...timeline.instances]) {
    if (pick.kind === "span") {
      const span = lane.spans.find((s) => s.spanId === pick.id);
      if (span) return { selection: { type: "span", span, lane: laneName(lane.key) }, laneKey: lane.key };
    } else {
      const event = lane.events.find((e) => e.id === pick.id);
      if (event) return { selection: { type: "event", event, lane: laneName(lane.key) }, laneKey: lane.key };
    }
  }
  return null;
}

function rowHolds(row: TimelineRow, found: Found): boolean {
  if (found.selection.type === "span") return row.type === "span" && row.span === found.selection.span;
  return row.type === "lane" && row.lane.key === found.laneKey;
}

function laneName(key: string): string {
  return key === CONTROL_LANE ? "control plane" : key;
}

function Legend() {
  return (
    <div className={styles.legend}>
      <span>
        <i className={`${styles.swatch} ${styles.control}`} aria-hidden="true" /> control plane
      </span>
      <span>
        <i className={`${styles.swatch} ${styles.progress}`} aria-hidden="true" /> step
      </span>
      <span>
        <i className={`${styles.swatch} ${styles.success}`} aria-hidden="true" /> applied / acked
      </span>
      <span>
        <i className={`${styles.swatch} ${styles.failure}`} aria-hidden="true" /> NACK / failed
      </span>
      <span>
        <i className={`${styles.swatch} ${styles.spanBar}`} aria-hidden="true" /> span
      </span>
      <span>
        <i className={`${styles.swatch} ${styles.critical}`} aria-hidden="true" /> critical path
      </span>
    </div>
  );
}

/** Drag across a track to choose a range; `toView` maps the drag (fractions of the track) to a view. */
function useDragRange(toView: (a: number, b: number) => TimeView | null, onView: (v: TimeView) => void) {
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const fraction = (e: ReactPointerEvent<HTMLElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    return box.width > 0 ? (e.clientX - box.left) / box.width : 0;
  };
  return {
    drag,
    handlers: {
      onPointerDown: (e: ReactPointerEvent<HTMLElement>) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        const f = fraction(e);
        setDrag({ a: f, b: f });
      },
      onPointerMove: (e: ReactPointerEvent<HTMLElement>) => {
        if (drag) setDrag({ a: drag.a, b: fraction(e) });
      },
      onPointerUp: (e: ReactPointerEvent<HTMLElement>) => {
        if (!drag) return;
        const next = toView(drag.a, fraction(e));
        setDrag(null);
        if (next) onView(next);
      },
      onPointerCancel: () => setDrag(null),
    },
  };
}

function DragShade({ drag }: { drag: { a: number; b: number } | null }) {
  if (!drag) return null;
  const left = Math.max(0, Math.min(drag.a, drag.b));
  const right = Math.min(1, Math.max(drag.a, drag.b));
  return <span className={styles.dragShade} style={{ left: `${left * 100}%`, width: `${(right - left) * 100}%` }} />;
}

function Axis({
  view,
  whole,
  ticks,
  onZoom,
}: {
  view: TimeView;
  whole: TimeView;
  ticks: { fraction: number; label: string }[];
  onZoom: (v: TimeView) => void;
}) {
  const { drag, handlers } = useDragRange((a, b) => dragView(view, a, b, whole), onZoom);
  return (
    <div className={styles.axis}>
      <div style={{ padding: "4px 14px" }}>lane</div>
      <div className={styles.axisTrack} {...handlers} title="drag to zoom into a range" data-axis>
        {/* Before the ticks: the phone layout keeps only the first and last tick by position. */}
        <DragShade drag={drag} />
        {ticks.map((t) => (
          <span key={t.label} className={styles.tick} style={{ left: `${t.fraction * 100}%` }}>
            {t.label}
          </span>
        ))}
      </div>
    </div>
  );
}

/** The whole reload in one strip: every row's range, the current view boxed; drag to choose another. */
function Minimap({
  timeline,
  rows,
  whole,
  view,
  onView,
}: {
  timeline: ReloadTimeline;
  rows: TimelineRow[];
  whole: TimeView;
  view: TimeView;
  onView: (v: TimeView) => void;
}) {
  const { drag, handlers } = useDragRange((a, b) => dragView(whole, a, b, whole, 0.002), onView);
  const bars = rows.slice(0, 120);
  const box = barPercent(view.startMs, view.endMs, whole);
  return (
    <div className={styles.minimapRow}>
      <div className={styles.minimapLabel}>whole reload</div>
      <div className={styles.minimap} {...handlers} title="the whole reload: drag to zoom to a range" data-minimap>
        {timeline.control.events.map((e) => (
          <span
            key={e.id}
            className={`${styles.miniMark} ${phaseClass(e, true)}`}
            style={{ left: `${timeToFraction(e.startMs, whole) * 100}%` }}
          />
        ))}
        {bars.map((row, i) => {
          const range = rowRange(row);
          const pos = range ? barPercent(range[0], range[1], whole) : null;
          if (!pos) return null;
          const failed =
            (row.type === "lane" && (row.lane.outcome === "nacked" || row.lane.outcome === "failed")) ||
            (row.type === "span" && row.span.error);
          return (
            <span
              key={row.key}
              className={`${styles.miniBar} ${failed ? styles.failure : styles.spanBar}`}
              style={{
                left: `${pos.left}%`,
                width: `${Math.max(pos.width, 0.2)}%`,
                top: 2 + (i * 34) / Math.max(1, bars.length),
              }}
            />
          );
        })}
        {box ? (
          <span className={styles.miniView} style={{ left: `${box.left}%`, width: `${Math.max(box.width, 0.3)}%` }} />
        ) : null}
        <DragShade drag={drag} />
      </div>
    </div>
  );
}

function rowRange(row: TimelineRow): [number, number] | null {
  if (row.type === "span") return [row.span.startMs, row.span.endMs];
  if (row.type === "group")
    return row.group.startMs !== null && row.group.endMs !== null ? [row.group.startMs, row.group.endMs] : null;
  return row.lane.startMs !== null && row.lane.endMs !== null ? [row.lane.startMs, row.lane.endMs] : null;
}

function RowLabel({
  row,
  timeline,
  expanded,
  onToggle,
  label,
}: {
  row: TimelineRow;
  timeline: ReloadTimeline;
  expanded: ReadonlySet<string>;
  onToggle: (signature: string) => void;
  label: string;
}) {
  if (row.type === "span") {
    return (
      <div
        className={`${styles.label} ${styles.spanLabel}`}
        style={{ paddingLeft: 26 + row.span.depth * 12 }}
        title={`${row.span.name} (${formatDuration(row.span.durationMs)})`}
      >
        <span className={styles.name}>↳ {row.span.name}</span>
        {row.span.error ? <span className="badge bad">error</span> : null}
      </div>
    );
  }
  if (row.type === "group") {
    const g = row.group;
    return (
      <div
        className={styles.label}
        title={`${row.lanes.length} instances: ${g.phases.join(" → ")} (${g.outcome})`}
        data-group={g.signature}
      >
        <button
          type="button"
          className={`secondary ${styles.expand}`}
          onClick={() => onToggle(g.signature)}
          aria-expanded={false}
        >
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
  const full = laneName(lane.key);
  return (
    <div className={styles.label} title={full} data-lane={full}>
      {lane.key !== CONTROL_LANE && expanded.has(lane.signature) && !isCritical && !isSlowest ? (
        <button
          type="button"
          className={`secondary ${styles.expand}`}
          onClick={() => onToggle(lane.signature)}
          aria-label="Fold alike instances"
        >
          −
        </button>
      ) : null}
      <span
        className={styles.name}
        style={lane.key === CONTROL_LANE ? { fontWeight: 600, fontFamily: "inherit" } : undefined}
      >
        {/* The cut name for the eye, the whole id for a screen reader. */}
        <span aria-hidden="true" data-lane-label>
          {lane.key === CONTROL_LANE ? full : label}
        </span>
        <span className={styles.srOnly}>{full}</span>
      </span>
      {isCritical ? (
        <span className="badge drift" title="its finish set the convergence time">
          critical
        </span>
      ) : null}
      {isSlowest ? (
        <span
          className="badge info"
          title={`slowest from first report to finish: ${formatDuration(timeline.slowest!.durationMs)}`}
        >
          slowest
        </span>
      ) : null}
      {lane.key !== CONTROL_LANE ? <OutcomeBadge outcome={lane.outcome} /> : null}
    </div>
  );
}

function OutcomeBadge({ outcome }: { outcome: TimelineLane["outcome"] }) {
  const style =
    outcome === "succeeded"
      ? "ok"
      : outcome === "nacked" || outcome === "failed"
        ? "bad"
        : outcome === "in_progress"
          ? "info"
          : "neutral";
  return <span className={`badge ${style}`}>{outcome.replace("_", " ")}</span>;
}

function phaseClass(e: TimelineEvent, control: boolean): string {
  if (FAILURE_PHASES.has(e.phase) || e.phase === "rejected") return styles.failure!;
  if (SUCCESS_PHASES.has(e.phase)) return styles.success!;
  if (e.phase === "rolled_back") return styles.rollback!;
  return control ? styles.control! : styles.progress!;
}

interface TrackProps {
  row: TimelineRow;
  view: TimeView;
  criticalEvents: ReadonlySet<string>;
  selection: Found | null;
  onSelect: (pick: Pick, from: HTMLElement) => void;
}

function RowTrack({ row, view, criticalEvents, selection, onSelect }: TrackProps) {
  if (row.type === "group") {
    const range =
      row.group.startMs !== null && row.group.endMs !== null
        ? barPercent(row.group.startMs, row.group.endMs, view)
        : null;
    return range ? (
      <span
        className={styles.groupRange}
        style={{ left: `${range.left}%`, width: `${Math.max(range.width, 0.3)}%` }}
        title="from the group's first report to its last"
      />
    ) : null;
  }
  if (row.type === "span") {
    return (
      <SpanBar
        span={row.span}
        laneKey={row.laneKey}
        view={view}
        selected={selection?.selection.type === "span" && selection.selection.span === row.span}
        onSelect={onSelect}
      />
    );
  }
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
        const selected = selection?.selection.type === "event" && selection.selection.event === e;
        const classes = [
          isBar ? styles.bar : styles.mark,
          phaseClass(e, control),
          criticalEvents.has(e.id) ? styles.critical : "",
          selected ? styles.selected : "",
        ].join(" ");
        const style: CSSProperties = isBar
          ? { left: `${pos.left}%`, width: `${pos.width}%` }
          : { left: `${pos.left}%` };
        return (
          <button
            key={e.id}
            type="button"
            className={classes}
            style={style}
            title={`${e.phase}${e.durationMs ? ` (${formatDuration(e.durationMs)})` : ""}${e.error ? `: ${e.error}` : ""}`}
            aria-label={`${e.phase} event of ${laneName(lane.key)}`}
            aria-pressed={selected}
            data-event={e.id}
            data-phase={e.phase}
            onClick={(click) => onSelect({ kind: "event", id: e.id }, click.currentTarget)}
          />
        );
      })}
    </>
  );
}

function SpanBar({
  span,
  laneKey,
  view,
  selected,
  onSelect,
}: {
  span: TimelineSpan;
  laneKey: string;
  view: TimeView;
  selected: boolean;
  onSelect: (pick: Pick, from: HTMLElement) => void;
}) {
  const pos = barPercent(span.startMs, span.endMs, view);
  if (!pos) return null;
  return (
    <button
      type="button"
      className={[styles.bar, span.error ? styles.spanError : styles.spanBar, selected ? styles.selected : ""].join(
        " ",
      )}
      style={{ left: `${pos.left}%`, width: `${pos.width}%` }}
      title={`${span.name} (${formatDuration(span.durationMs)})${span.statusMessage ? `: ${span.statusMessage}` : ""}`}
      aria-label={`span ${span.name} of ${laneName(laneKey)}`}
      aria-pressed={selected}
      data-span={span.spanId}
      onClick={(click) => onSelect({ kind: "span", id: span.spanId }, click.currentTarget)}
    />
  );
}
