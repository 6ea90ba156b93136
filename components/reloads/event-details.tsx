"use client";

import Link from "next/link";
import type { TimelineEvent, TimelineSpan } from "@/lib/domain/timeline";
import { formatDuration } from "@/lib/format";
import styles from "./waterfall.module.css";

export type Selection = { type: "event"; event: TimelineEvent; lane: string } | { type: "span"; span: TimelineSpan; lane: string };

/** Every field and attribute of the event or span clicked in the waterfall. */
export function EventDetails({ selection, reloadStartMs, onClose }: { selection: Selection; reloadStartMs: number; onClose: () => void }) {
  const at = (ms: number) => {
    const d = ms - reloadStartMs;
    return `${d < 0 ? "−" : "+"}${formatDuration(Math.abs(d))} from the reload's start`;
  };
  const fields: [string, React.ReactNode][] =
    selection.type === "event"
      ? [
          ["lane", selection.lane],
          ["phase", selection.event.phase],
          ["event id", <code key="id">{selection.event.id}</code>],
          ["occurredAt", <code key="o">{selection.event.occurredAt}</code>],
          ["when", at(selection.event.startMs)],
          ["receivedAt", <code key="r">{selection.event.receivedAt}</code>],
          ["durationMs", selection.event.durationMs ?? "—"],
          ["fromVersion", <code key="f">{selection.event.fromVersion ?? "—"}</code>],
          ["toVersion", <code key="t">{selection.event.toVersion ?? "—"}</code>],
          ["initiator", selection.event.initiator ?? "—"],
          ["sent by", selection.event.sentBy ?? "—"],
          ["error", selection.event.error ? <span className="error-text">{selection.event.error}</span> : "—"],
          ["traceId", selection.event.traceId ? <TraceLink traceId={selection.event.traceId} /> : "—"],
          ["spanId", <code key="s">{selection.event.spanId ?? "—"}</code>],
        ]
      : [
          ["lane", selection.lane],
          ["name", selection.span.name],
          ["status", selection.span.error ? <span className="error-text">error{selection.span.statusMessage ? `: ${selection.span.statusMessage}` : ""}</span> : "ok / unset"],
          ["start", <code key="s">{selection.span.start}</code>],
          ["when", at(selection.span.startMs)],
          ["end", <code key="e">{selection.span.end}</code>],
          ["duration", formatDuration(selection.span.durationMs)],
          ["traceId", <TraceLink key="t" traceId={selection.span.traceId} />],
          ["spanId", <code key="i">{selection.span.spanId}</code>],
          ["parentSpanId", <code key="p">{selection.span.parentSpanId ?? "—"}</code>],
          [
            "reload",
            selection.span.reloadKey ? <Link href={`/reloads/${selection.span.reloadKey}`}>open the reload this span names</Link> : "—",
          ],
        ];
  const attributes = selection.type === "event" ? selection.event.attributes : selection.span.attributes;
  const more = selection.type === "span" ? Object.entries(selection.span.details) : [];
  return (
    <aside className={styles.details} aria-label="Details" data-details={selection.type}>
      <h3>
        {selection.type === "event" ? `Event · ${selection.event.phase}` : `Span · ${selection.span.name}`}
        <button type="button" className="secondary" style={{ marginLeft: "auto" }} onClick={onClose}>
          Close
        </button>
      </h3>
      <table>
        <tbody>
          {fields.map(([name, value]) => (
            <tr key={name}>
              <th scope="row" style={{ width: 140 }}>
                {name}
              </th>
              <td>{value}</td>
            </tr>
          ))}
          {more.map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{typeof value === "string" || typeof value === "number" ? String(value) : <pre>{JSON.stringify(value, null, 2)}</pre>}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">attributes</th>
            <td>{Object.keys(attributes).length ? <pre>{JSON.stringify(attributes, null, 2)}</pre> : <span className="muted">none</span>}</td>
          </tr>
        </tbody>
      </table>
    </aside>
  );
}

function TraceLink({ traceId }: { traceId: string }) {
  return (
    <Link href={`?trace=${encodeURIComponent(traceId)}`} scroll={false} title="show only this trace's spans">
      <code>{traceId}</code>
    </Link>
  );
}
