import type { ReplayEventWire } from "./types";
import { clockTimeUtc, versionChange } from "@/lib/format";
import styles from "./replay.module.css";

/** The window's events in the order they were folded; those after the instant are dimmed. */
export function ReplayEvents({
  events,
  truncated,
  at,
  onPick,
}: {
  events: ReplayEventWire[];
  truncated: boolean;
  at: number;
  onPick: (index: number) => void;
}) {
  let current = -1;
  events.forEach((e, i) => {
    if (Date.parse(e.occurredAt) <= at) current = i;
  });
  return (
    <section className={`panel ${styles.events}`} aria-label="Events in the window">
      <h2>
        Events{" "}
        <span className="muted">
          ({events.length}
          {truncated ? "+, the first shown" : ""})
        </span>
      </h2>
      {events.length === 0 ? <p className="empty">No reload events in this window.</p> : null}
      <ol>
        {events.map((e, i) => (
          <li key={e.id}>
            <button
              type="button"
              className={`${styles.event} ${i > current ? styles.future : ""} ${i === current ? styles.current : ""}`}
              data-event-index={i}
              aria-current={i === current ? "step" : undefined}
              onClick={() => onPick(i)}
            >
              <span className="mono">{clockTimeUtc(new Date(e.occurredAt))}</span> <b>{e.phase}</b> {e.service}
              {e.instance ? <> · {e.instance}</> : null}
              <div className="muted">
                {e.kind}/{e.resource} {versionChange(e.fromVersion, e.toVersion)}
                {e.reloadId ? <> · {e.reloadId}</> : null}
              </div>
              {e.error ? <div className="error-text">{e.error}</div> : null}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
