import { notAckedEmptyText } from "@/lib/domain/progress-words";
import type { ReloadStatus } from "@/lib/domain/types";
import { isoUtc } from "@/lib/format";
import { LocalTime } from "@/components/time/local-time";
import type { ReloadTimelineModel } from "@/lib/reloads/timeline-model";

const SHOWN = 100;

/** The targets that never acked (or applied), with their last phase, and the expiry if it came. */
export function NotAckedList({
  notAcked,
  expiredAt,
  status,
  targets,
}: {
  notAcked: ReloadTimelineModel["notAcked"];
  expiredAt: Date | null;
  status: ReloadStatus;
  targets: number;
}) {
  return (
    <section className="panel" aria-label="Instances that never acked" data-not-acked={notAcked.length}>
      <h2>
        Never acked{" "}
        <span className="muted" style={{ fontWeight: 400 }}>
          · {notAcked.length}
        </span>
      </h2>
      {status === "expired" ? (
        <p className="banner" style={{ margin: "8px 14px" }}>
          The reload expired{expiredAt ? ` at ${isoUtc(expiredAt)}` : ""} with these targets unfinished.
        </p>
      ) : null}
      {notAcked.length === 0 ? (
        <p className="empty" style={{ padding: 20 }} data-not-acked-empty>
          {notAckedEmptyText(status, targets)}
        </p>
      ) : (
        <div className="table-wrap" style={{ maxHeight: 220, overflowY: "auto" }}>
          <table>
            <tbody>
              {notAcked.slice(0, SHOWN).map((t) => (
                <tr key={t.instance} data-instance={t.instance}>
                  <td className="mono">{t.instance}</td>
                  <td>
                    <span className={`badge ${t.phase === "nacked" || t.phase === "failed" ? "bad" : "neutral"}`}>
                      {t.phase.replace("_", " ")}
                    </span>
                    {t.error ? <div className="error-text">{t.error}</div> : null}
                  </td>
                  <td className="when">
                    {t.at ? <LocalTime iso={t.at.toISOString()} utcText={isoUtc(t.at)} /> : "never reported"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {notAcked.length > SHOWN ? (
            <p className="muted" style={{ padding: "6px 14px" }}>
              and {notAcked.length - SHOWN} more (see the diagnosis)
            </p>
          ) : null}
        </div>
      )}
    </section>
  );
}
