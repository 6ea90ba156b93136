import Link from "next/link";
import type { AuditListEntry } from "@/lib/audit/queries";
import { auditEntryNotes, auditHref } from "@/lib/audit/filters";
import styles from "./audit.module.css";
import { OutcomeBadge } from "./outcome-badge";
import { LocalTime } from "@/components/time/local-time";

// Rendered on the server: times are formatted here, in UTC with the zone written out, so
// every reader of a link sees the same instant; <LocalTime> shows the reader's zone after
// hydration when they chose local time.
const TIME_UTC = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  fractionalSecondDigits: 3,
  hourCycle: "h23",
});

function timeUtc(date: Date): string {
  const p = Object.fromEntries(TIME_UTC.formatToParts(date).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${p.fractionalSecond} UTC`;
}

export function AuditTable({ entries }: { entries: AuditListEntry[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Audit entries">
        <thead>
          <tr>
            <th>#</th>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Outcome</th>
            <th>Service</th>
            <th>Subject</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr
              key={e.id}
              className={e.outcome === "denied" ? styles.denied : undefined}
              data-entry={e.id}
              data-outcome={e.outcome}
            >
              <td className="mono">{e.id}</td>
              <td className="mono" style={{ whiteSpace: "nowrap" }}>
                <LocalTime iso={e.at.toISOString()} utcText={timeUtc(e.at)} />
              </td>
              <td>
                <Link href={auditHref({ actor: e.actor })}>{e.actor}</Link>
                <div className="when">{e.actorRole ?? "no role"}</div>
              </td>
              <td className="mono">
                <Link href={auditHref({ action: e.action })}>{e.action}</Link>
              </td>
              <td>
                <OutcomeBadge outcome={e.outcome} />
                {e.outcome !== "allowed" && typeof e.details.reason === "string" ? (
                  <div className="error-text">{e.details.reason}</div>
                ) : null}
              </td>
              <td>
                {e.service ? (
                  <>
                    {e.service.name}
                    <div className="when">
                      {[e.service.environment, e.service.namespace].filter(Boolean).join(" / ")}
                    </div>
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="mono">
                {e.subject ? (
                  <>
                    <Link href={auditHref({ subject: e.subject })} title="Every entry about this subject">
                      {e.subject}
                    </Link>
                    {e.reloadKey ? (
                      <div>
                        <Link href={`/reloads/${e.reloadKey}`}>reload →</Link>
                      </div>
                    ) : null}
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>
                {auditEntryNotes(e.details).map((note) => (
                  <p key={note.label} className={styles.note} data-note={note.label.toLowerCase()}>
                    <span className="muted">{note.label}:</span> {note.text}
                  </p>
                ))}
                <details className={styles.details}>
                  <summary>details</summary>
                  <pre>{JSON.stringify(e.details, null, 2)}</pre>
                  <div className={styles.hash}>prev {e.prevHash}</div>
                  <div className={styles.hash}>hash {e.hash}</div>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
