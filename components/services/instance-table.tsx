import type { InstanceResourceState, InstanceRow, ResourceColumn } from "@/lib/services/queries";
import { isoUtc, relativeTime } from "@/lib/format";

const OUTCOME_BADGE: Record<string, string> = {
  ok: "ok",
  in_progress: "info",
  nacked: "bad",
  failed: "bad",
  rolled_back: "neutral",
};

export function InstanceTable({ instances, columns, now }: { instances: InstanceRow[]; columns: ResourceColumn[]; now: Date }) {
  return (
    <section className="panel" style={{ marginBottom: 16 }} aria-label="Instances">
      <h2>Instances</h2>
      {instances.length === 0 ? (
        <p className="empty">No instance has reported yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Instance</th>
                {columns.map((c) => (
                  <th key={c.key}>
                    {c.kind} · <span className="mono">{c.resource}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {instances.map((instance) => {
                const stale = instance.stale;
                return (
                  <tr key={instance.id} data-instance={instance.instanceKey} style={stale ? { opacity: 0.55 } : undefined}>
                    <td>
                      <div className="mono">{instance.instanceKey}</div>
                      <div className="when" title={isoUtc(instance.lastSeenAt)}>
                        seen {relativeTime(instance.lastSeenAt, now)} {stale ? <span className="badge neutral" title="silent too long: left out of the matrix and drift">gone</span> : null}
                      </div>
                      <div className="labels">
                        {Object.entries(instance.labels).map(([k, v]) => (
                          <span key={k} className="label">
                            {k}={v}
                          </span>
                        ))}
                      </div>
                    </td>
                    {columns.map((c) => (
                      <td key={c.key}>
                        <StateCell state={instance.states[c.key]} now={now} />
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function StateCell({ state, now }: { state: InstanceResourceState | undefined; now: Date }) {
  if (!state) return <span className="muted">—</span>;
  return (
    <div>
      <span className={`version${state.offDesired ? " off" : ""}`} title={state.offDesired ? "not the desired version" : undefined}>
        {state.version ?? "unknown"}
      </span>
      <div className="when" title={isoUtc(state.since)}>
        since {relativeTime(state.since, now)}
      </div>
      <div className="when">
        <span className={`badge ${OUTCOME_BADGE[state.outcome] ?? "neutral"}`}>{state.lastPhase.replace("_", " ")}</span>{" "}
        <span title={isoUtc(state.lastPhaseAt)}>{relativeTime(state.lastPhaseAt, now)}</span>
      </div>
      {state.lastError ? <div className="error-text">{state.lastError}</div> : null}
    </div>
  );
}
