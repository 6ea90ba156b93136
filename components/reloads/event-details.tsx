"use client";

import Link from "next/link";
import { Initiator } from "./initiator";
import type { TimelineEvent } from "@/lib/domain/timeline";
import type { TimelineSpan } from "@/lib/domain/timeline-spans";
import { attributeRows } from "@/lib/domain/timeline-view";
import { formatDuration } from "@/lib/format";
import styles from "./waterfall.module.css";

export type Selection =
  { type: "event"; event: TimelineEvent; lane: string } | { type: "span"; span: TimelineSpan; lane: string };

/** Every field and attribute of the event or span clicked in the waterfall, as key/value tables; Esc or Close shuts it. */
export function EventDetails({
  selection,
  reloadStartMs,
  onClose,
}: {
  selection: Selection;
  reloadStartMs: number;
  onClose: () => void;
}) {
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
          ["initiator", <Initiator key="i" initiator={selection.event.initiator} fallback="—" />],
          ["sent by", selection.event.sentBy ?? "—"],
          ["error", selection.event.error ? <span className="error-text">{selection.event.error}</span> : "—"],
          ["traceId", selection.event.traceId ? <TraceLink traceId={selection.event.traceId} /> : "—"],
          ["spanId", <code key="s">{selection.event.spanId ?? "—"}</code>],
        ]
      : [
          ["lane", selection.lane],
          ["name", selection.span.name],
          [
            "status",
            selection.span.error ? (
              <span className="error-text">
                error{selection.span.statusMessage ? `: ${selection.span.statusMessage}` : ""}
              </span>
            ) : (
              "ok / unset"
            ),
          ],
          ["start", <code key="s">{selection.span.start}</code>],
          ["when", at(selection.span.startMs)],
          ["end", <code key="e">{selection.span.end}</code>],
          ["duration", formatDuration(selection.span.durationMs)],
          ["traceId", <TraceLink key="t" traceId={selection.span.traceId} />],
          ["spanId", <code key="i">{selection.span.spanId}</code>],
          ["parentSpanId", <code key="p">{selection.span.parentSpanId ?? "—"}</code>],
          [
            "reload",
            selection.span.reloadKey ? (
              <Link href={`/reloads/${selection.span.reloadKey}`}>open the reload this span names</Link>
            ) : (
              "—"
            ),
          ],
        ];
  const attributes = attributeRows(selection.type === "event" ? selection.event.attributes : selection.span.attributes);
  // Resource, scope, span events and links: each its own small table, keys dotted.
  const more = selection.type === "span" ? Object.entries(selection.span.details) : [];
  return (
    <aside className={styles.details} aria-label="Details" data-details={selection.type}>
      <h3>
        {selection.type === "event" ? `Event · ${selection.event.phase}` : `Span · ${selection.span.name}`}
        <button
          type="button"
          className="secondary"
          style={{ marginLeft: "auto" }}
          onClick={onClose}
          aria-keyshortcuts="Escape"
        >
          Close
        </button>
      </h3>
      <KeyValues caption="Fields" rows={fields} />
      <KeyValues caption="Attributes" rows={attributes} empty="none" />
      {more.map(([name, value]) => (
        <KeyValues
          key={name}
          caption={name}
          rows={
            value !== null && typeof value === "object"
              ? attributeRows(
                  Array.isArray(value)
                    ? Object.fromEntries(value.map((v, i) => [String(i), v]))
                    : (value as Record<string, unknown>),
                )
              : [[name, String(value)]]
          }
          empty="none"
        />
      ))}
    </aside>
  );
}

function KeyValues({ caption, rows, empty }: { caption: string; rows: [string, React.ReactNode][]; empty?: string }) {
  return (
    <table className={styles.keyValues}>
      <caption>{caption}</caption>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td className="muted">{empty ?? "—"}</td>
          </tr>
        ) : (
          rows.map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{value}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function TraceLink({ traceId }: { traceId: string }) {
  return (
    <Link href={`?trace=${encodeURIComponent(traceId)}`} scroll={false} title="show only this trace's spans">
      <code>{traceId}</code>
    </Link>
  );
}
