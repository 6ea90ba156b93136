"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { VersionMatrix } from "@/components/fleet/version-matrix";
import { stepIndex } from "@/lib/domain/replay";
import { NO_FLEET_FILTERS } from "@/lib/fleet/filters";
import { isoUtc } from "@/lib/format";
import { replayHref } from "@/lib/replay/params";
import { replayKeys } from "@/lib/replay/query-keys";
import { frameFromWire, type ReplayFrameWire } from "@/lib/replay/wire";
import { ReplayEvents } from "./replay-events";
import type { ReplayEventWire } from "./types";
import styles from "./replay.module.css";

/** How long playback shows each event before moving to the next. */
const PLAY_STEP_MS = 900;

interface Props {
  initialFrame: ReplayFrameWire;
  window: { from: string; to: string };
  events: ReplayEventWire[];
  truncated: boolean;
  reload: string | null;
  page: number;
  /** the page's "or a reload" form, shown beside the instant box */
  reloadPicker?: ReactNode;
}

async function fetchFrame(at: string, page: number): Promise<ReplayFrameWire> {
  const response = await fetch(`/api/replay?at=${encodeURIComponent(at)}&page=${page}`);
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { message?: string } | null;
    throw new Error(body?.message ?? `status ${response.status}`);
  }
  return response.json();
}

/**
 * Plays the fleet through a window: scrub, step event by event, play and pause. The instant
 * is kept in the URL (replaceState, no navigation), so the address bar is always a link to
 * what is on screen; each instant's matrix comes from GET /api/replay through react-query.
 */
export function ReplayPlayer({ initialFrame, window: range, events, truncated, reload, page, reloadPicker }: Props) {
  const initialAt = initialFrame.at;
  const [at, setAt] = useState(() => Date.parse(initialAt));
  const [playing, setPlaying] = useState(false);
  // What the person is typing in the instant box; null = the box shows the player's instant,
  // so it follows the slider, the steps and playback.
  const [typed, setTyped] = useState<string | null>(null);
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  const atIso = new Date(at).toISOString();
  const eventTimes = events.map((e) => new Date(e.occurredAt));

  const frame = useQuery({
    queryKey: replayKeys.frame(atIso, page),
    queryFn: () => fetchFrame(atIso, page),
    initialData: atIso === initialAt ? initialFrame : undefined,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });

  useEffect(() => {
    const href = replayHref({ at: atIso, reload, page });
    if (href !== `${location.pathname}${location.search}`) history.replaceState(history.state, "", href);
  }, [atIso, reload, page]);

  const moveTo = (ms: number) => {
    setTyped(null);
    setAt(ms);
  };
  const step = (direction: 1 | -1) => {
    const i = stepIndex(eventTimes, new Date(at), direction);
    if (i !== null) moveTo(eventTimes[i]!.getTime());
    return i;
  };

  useEffect(() => {
    if (!playing) return;
    const timer = setTimeout(() => {
      if (step(1) === null) setPlaying(false);
    }, PLAY_STEP_MS);
    return () => clearTimeout(timer);
    // step reads the current `at`; re-arming on each change of it is the point
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [playing, at]);

  const shown = frame.data ? frameFromWire(frame.data) : null;
  const showing = shown?.at.toISOString() ?? "";
  const basis = shown?.basis;
  return (
    <>
      <div className={`panel ${styles.picker}`}>
        {/* A plain GET form: typing an instant and pressing Go loads its window (a new page). */}
        <form action="/replay" method="get" className={styles.pickInstant} aria-label="Replay an instant">
          <label>
            Instant (RFC 3339, UTC)
            <input
              name="at"
              type="text"
              value={typed ?? atIso}
              onChange={(e) => setTyped(e.target.value)}
              spellCheck={false}
              data-instant-box
            />
          </label>
          {reload ? <input type="hidden" name="reload" value={reload} /> : null}
          <button type="submit">Go</button>
        </form>
        {reloadPicker}
      </div>
      <div className={`panel ${styles.controls}`} role="group" aria-label="Playback">
        <button
          type="button"
          className="secondary"
          onClick={() => (setPlaying(false), step(-1))}
          aria-label="Step back one event"
        >
          ◀ Step
        </button>
        <button type="button" onClick={() => setPlaying((p) => !p)} aria-pressed={playing}>
          {playing ? "Pause" : "Play"}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => (setPlaying(false), step(1))}
          aria-label="Step forward one event"
        >
          Step ▶
        </button>
        <input
          className={styles.scrubber}
          type="range"
          aria-label="Instant"
          min={from}
          max={to}
          step="any"
          value={Math.min(Math.max(at, from), to)}
          onChange={(e) => {
            setPlaying(false);
            moveTo(Math.round(Number(e.target.value)));
          }}
        />
        <span className={styles.instant} data-replay-instant={atIso}>
          {isoUtc(new Date(at)).replace(" UTC", `.${String(at % 1000).padStart(3, "0")} UTC`)}
        </span>
        {frame.isFetching ? <span className="badge info">loading…</span> : null}
        {frame.isError ? <span className="badge bad">{(frame.error as Error).message}</span> : null}
      </div>
      <div className={styles.layout}>
        <div aria-busy={frame.isFetching} data-replay-showing={showing}>
          {basis ? (
            <p className={styles.basis} data-replay-basis={basis.snapshotAt ? "snapshot" : "history"}>
              {basis.snapshotAt
                ? `Rebuilt from the snapshot of ${isoUtc(basis.snapshotAt)} and ${basis.eventsFolded} event${basis.eventsFolded === 1 ? "" : "s"} after it.`
                : `No snapshot precedes this instant: rebuilt from the start of retained history (${isoUtc(basis.historyFrom)}), ${basis.eventsFolded} event${basis.eventsFolded === 1 ? "" : "s"} folded.`}{" "}
              Drift is judged at this instant.
            </p>
          ) : null}
          {shown ? (
            shown.matrix.groups.length === 0 ? (
              <div className="panel empty">No instance had reported anything by this instant.</div>
            ) : (
              // The replay pages by its own links (below): the matrix's pager points at /fleet.
              <VersionMatrix matrix={{ ...shown.matrix, pageCount: 1 }} filters={NO_FLEET_FILTERS} />
            )
          ) : null}
          {shown && shown.matrix.pageCount > 1 ? (
            <nav className="pager" aria-label="Pages">
              {shown.matrix.page > 1 ? (
                <a href={replayHref({ at: atIso, reload, page: shown.matrix.page - 1 })}>← Previous</a>
              ) : null}
              <span className="muted">
                Page {shown.matrix.page} of {shown.matrix.pageCount}
              </span>
              {shown.matrix.page < shown.matrix.pageCount ? (
                <a href={replayHref({ at: atIso, reload, page: shown.matrix.page + 1 })}>Next →</a>
              ) : null}
            </nav>
          ) : null}
        </div>
        <ReplayEvents
          events={events}
          truncated={truncated}
          at={at}
          onPick={(i) => {
            setPlaying(false);
            moveTo(eventTimes[i]!.getTime());
          }}
        />
      </div>
    </>
  );
}
