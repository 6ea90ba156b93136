import Link from "next/link";
import { isoUtc, relativeTime } from "@/lib/format";
import { resourceHref, serviceHref } from "@/lib/services/params";
import type { InstanceResourceState, InstanceRow, ResourceColumn } from "@/lib/services/queries";

const OUTCOME_BADGE: Record<string, string> = {
  ok: "ok",
  in_progress: "info",
  nacked: "bad",
  failed: "bad",
  rolled_back: "neutral",
};

interface Props {
  serviceId: number;
  instances: InstanceRow[];
  columns: ResourceColumn[];
  now: Date;
  page: number;
  pageCount: number;
  pageSize: number;
  total: number;
  /** the "behind only" view of this page, and how many live pairs it would list */
  behindHref?: string;
  behindCount?: number;
}

export function InstanceTable({
  serviceId,
  instances,
  columns,
  now,
  page,
  pageCount,
  pageSize,
  total,
  behindHref,
  behindCount = 0,
}: Props) {
  const first = (page - 1) * pageSize + 1;
  return (
    <section className="panel" style={{ marginBottom: 16 }} aria-label="Instances">
      <h2>
        Instances
        {pageCount > 1 ? (
          <span className="muted" style={{ fontWeight: 400 }}>
            {" "}
            · {first}–{first + instances.length - 1} of {total}, live first
          </span>
        ) : null}
        {behindHref ? (
          <span className="muted" style={{ fontWeight: 400 }}>
            {" "}
            ·{" "}
            <Link href={behindHref} scroll={false} data-behind-link={behindCount}>
              Behind only ({behindCount})
            </Link>
          </span>
        ) : null}
      </h2>
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
                    {c.kind} ·{" "}
                    <Link className="mono" href={resourceHref(serviceId, c.kind, c.resource)}>
                      {c.resource}
                    </Link>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {instances.map((instance) => {
                const stale = instance.stale;
                return (
                  <tr
                    key={instance.id}
                    data-instance={instance.instanceKey}
                    style={stale ? { opacity: 0.55 } : undefined}
                  >
                    <td>
                      <div className="mono">{instance.instanceKey}</div>
                      <div className="when" title={isoUtc(instance.lastSeenAt)}>
                        seen {relativeTime(instance.lastSeenAt, now)}{" "}
                        {stale ? (
                          <span className="badge neutral" title="not seen for too long: gone from the matrix">
                            gone
                          </span>
                        ) : null}
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
                        <StateCell state={instance.states[c.key]} now={now} rowDimmed={stale} />
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {pageCount > 1 ? (
        <nav className="pager" aria-label="Instance pages">
          {page > 1 ? <Link href={serviceHref(serviceId, page - 1)}>← Previous</Link> : null}
          <span className="muted">
            Page {page} of {pageCount}
          </span>
          {page < pageCount ? <Link href={serviceHref(serviceId, page + 1)}>Next →</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}

function StateCell({
  state,
  now,
  rowDimmed,
}: {
  state: InstanceResourceState | undefined;
  now: Date;
  rowDimmed: boolean;
}) {
  if (!state) return <span className="muted">—</span>;
  return (
    <div
      data-live={state.live ? "1" : "0"}
      style={state.live || rowDimmed ? undefined : { opacity: 0.55 }}
      title={state.live ? undefined : "not heard from for too long: left out of drift"}
    >
      <span
        className={`version${state.offDesired ? " off" : ""}`}
        title={state.offDesired ? "not the desired version" : undefined}
      >
        {state.version ?? "unknown"}
      </span>
      <div className="when" title={isoUtc(state.since)}>
        since {relativeTime(state.since, now)}
      </div>
      <div className="when">
        <span className={`badge ${OUTCOME_BADGE[state.outcome] ?? "neutral"}`}>
          {state.lastPhase.replace("_", " ")}
        </span>{" "}
        <span title={isoUtc(state.lastPhaseAt)}>{relativeTime(state.lastPhaseAt, now)}</span>
      </div>
      {state.lastError ? <div className="error-text">{state.lastError}</div> : null}
    </div>
  );
}
