import { DataTable } from "@/components/data-table";
import { normaliseErrorMessage, type ReloadDiagnosis, type TargetDiagnosis } from "@/lib/domain/diagnosis";
import { formatDuration, isoUtc } from "@/lib/format";
import { LocalTime } from "@/components/time/local-time";

/** A time in the reader's choice of zone; the server's text is UTC. */
const at = (date: Date) => <LocalTime iso={date.toISOString()} utcText={isoUtc(date)} />;

const SHOWN = 50;

/** Where each target that did not converge stopped, what that usually means, the evidence and what to check. */
export function DiagnosisPanel({ diagnosis }: { diagnosis: ReloadDiagnosis }) {
  if (diagnosis.targets.length === 0) return null;
  // Targets that stopped at the same place with the same (normalised) error read as one entry.
  const entryKey = (t: TargetDiagnosis) =>
    `${t.reason}|${t.reachedPhase}|${t.finalPhase}|${normaliseErrorMessage(t.evidence.error ?? "")}`;
  const entries = new Map<string, TargetDiagnosis[]>();
  for (const t of diagnosis.targets) {
    const key = entryKey(t);
    entries.set(key, [...(entries.get(key) ?? []), t]);
  }
  return (
    <section className="panel diagnosis" aria-label="Diagnosis" style={{ marginBottom: 16 }} data-diagnosis>
      <h2>
        Diagnosis{" "}
        <span className="muted" style={{ fontWeight: 400 }}>
          · {diagnosis.targets.length} target{diagnosis.targets.length === 1 ? "" : "s"} did not converge
        </span>
      </h2>
      {diagnosis.errorGroups.length ? (
        <div style={{ padding: "8px 14px", borderBottom: "1px solid var(--line)" }}>
          <b style={{ fontSize: 13 }}>Errors, grouped by message</b>
          <ul style={{ margin: "6px 0 0", paddingLeft: 18 }}>
            {diagnosis.errorGroups.map((g) => (
              <li key={g.pattern} data-error-group={g.count}>
                <span className="badge bad">×{g.count}</span> <span className="error-text">{g.example}</span>
                {g.count > 1 ? (
                  <div className="when">
                    as <code>{g.pattern}</code> on {g.instances.slice(0, 5).join(", ")}
                    {g.instances.length > 5 ? ` and ${g.instances.length - 5} more` : ""}
                  </div>
                ) : (
                  <div className="when">on {g.instances[0]}</div>
                )}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <DataTable columns={["Stopped", "Cause", "Evidence", "Check"]}>
        {[...entries.values()].map((group) => {
          const t = group[0]!;
          return (
            <tr key={entryKey(t)} data-stop-reason={t.reason}>
              <td>
                <b>{t.stoppedAt}</b>
                {t.finalPhase ? <span className="badge bad"> {t.finalPhase.replace("_", " ")}</span> : null}
                <div className="when mono">
                  {group
                    .slice(0, SHOWN)
                    .map((d) => d.instance)
                    .join(", ")}
                  {group.length > SHOWN ? ` and ${group.length - SHOWN} more` : ""}
                </div>
              </td>
              <td data-cause>
                {/* A reported error is the cause as the instance saw it; the table's usual
                    cause for this step is only a guess, shown when nothing was reported. */}
                {t.evidence.error ? (
                  <>
                    <span className="error-text">{t.cause}</span>
                    <div className="when" data-error-class={t.errorClass ?? ""}>
                      as reported by the instance{t.errorClass && t.errorClass !== "other" ? ` · ${t.usually}` : ""}
                    </div>
                  </>
                ) : (
                  <>
                    <b>{t.cause}</b>
                    <div className="when">usually, when a target stops here</div>
                  </>
                )}
              </td>
              <td>
                {t.evidence.lastEventAt ? <div className="when">last event {at(t.evidence.lastEventAt)}</div> : null}
                <div className="when">
                  last heard from {t.evidence.lastHeardAt ? at(t.evidence.lastHeardAt) : "never"}
                </div>
                {t.evidence.silentForMs !== null ? (
                  <div className="when">silent for {formatDuration(t.evidence.silentForMs)}</div>
                ) : null}
                {t.evidence.expiredAt ? <div className="when">reload expired {at(t.evidence.expiredAt)}</div> : null}
                {t.evidence.spanErrors.map((s) => (
                  <div key={s} className="error-text">
                    span {s}
                  </div>
                ))}
              </td>
              <td>
                <ul style={{ margin: 0, paddingLeft: 16, fontSize: 12 }}>
                  {t.checks.map((c) => (
                    <li key={c}>{c}</li>
                  ))}
                </ul>
              </td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}
