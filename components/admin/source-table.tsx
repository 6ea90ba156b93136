"use client";
import { isoUtc, relativeTime } from "@/lib/format";
import { removeSource } from "@/lib/sources/actions/remove-source";
import type { SourceView } from "@/lib/sources/queries";
import { ConfirmButton } from "./form-kit";
import { SourceTestButton } from "./source-test-button";

export function SourceTable({ sources, now }: { sources: SourceView[]; now: Date }) {
  return (
    <div style={{ display: "grid", gap: 16 }}>
      {sources.map((source) => (
        <article
          key={source.id}
          id={`source-${source.name}`}
          className="panel"
          aria-label={`Source ${source.name}`}
          data-source={source.name}
        >
          <h3 style={{ margin: "12px 14px 4px" }}>
            {source.name}{" "}
            {source.demo ? <span className="badge warn">demo: recorded samples, no Prometheus is queried</span> : null}
          </h3>
          <div className="table-wrap">
            <table aria-label={`Source ${source.name}`}>
              <tbody>
                <tr>
                  <th scope="row">Query API</th>
                  <td>
                    <code style={{ wordBreak: "break-all" }}>{source.url}</code> ·{" "}
                    {source.hasToken ? <span className="badge ok">token set</span> : "no token"}
                  </td>
                </tr>
                <tr>
                  <th scope="row">Labels</th>
                  <td>
                    environment from <code>{source.environmentLabels.join(", ")}</code> (else “
                    {source.defaultEnvironment}”), service from <code>{source.serviceLabel}</code>, instance from{" "}
                    <code>{source.instanceLabel}</code>
                    {source.rules ? (
                      <>
                        ; rules: <code style={{ whiteSpace: "pre-wrap" }}>{source.rules}</code>
                      </>
                    ) : null}
                  </td>
                </tr>
                <tr>
                  <th scope="row">Last query</th>
                  <td>
                    {source.lastQueryAt ? (
                      <span title={isoUtc(source.lastQueryAt)}>{relativeTime(source.lastQueryAt, now)}</span>
                    ) : (
                      <span className="muted">not queried yet</span>
                    )}
                    {source.lastSuccessAt && source.lastSeries !== null ? (
                      <span className="muted">
                        {" "}
                        · last answered {relativeTime(source.lastSuccessAt, now)} with {source.lastSeries} series,{" "}
                        {source.lastEvents ?? 0} events written
                      </span>
                    ) : null}
                  </td>
                </tr>
                <tr>
                  <th scope="row">Errors</th>
                  <td>
                    {source.lastError ? (
                      <span className="error-text" role="alert" data-source-error>
                        {source.lastError}
                        {source.lastErrorAt ? (
                          <span className="when"> ({relativeTime(source.lastErrorAt, now)})</span>
                        ) : null}
                      </span>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                </tr>
              </tbody>
            </table>
          </div>
          <details style={{ margin: "8px 14px" }}>
            <summary>
              Series it mapped ({source.series.filter((s) => s.mapping).length} of{" "}
              {source.series.length + source.moreSeries})
            </summary>
            {source.series.length === 0 ? (
              <div className="empty">No series yet.</div>
            ) : (
              <div className="table-wrap">
                <table aria-label={`Series of ${source.name}`}>
                  <thead>
                    <tr>
                      <th>Series</th>
                      <th>Value</th>
                      <th>Maps to</th>
                    </tr>
                  </thead>
                  <tbody>
                    {source.series.map((s) => (
                      <tr key={s.series}>
                        <td>
                          <code style={{ wordBreak: "break-all" }}>{s.series}</code>
                        </td>
                        <td title={isoUtc(s.sampledAt)}>{s.value}</td>
                        <td>
                          {s.mapping ? (
                            <>
                              {s.mapping.environment}/{s.mapping.service} · {s.mapping.instance} · {s.mapping.kind}{" "}
                              {s.mapping.resource}{" "}
                              <span className="muted">
                                ({s.mapping.family}, {s.mapping.role.replace("_", " ")})
                              </span>
                            </>
                          ) : (
                            <span className="muted">{s.problem}</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {source.moreSeries > 0 ? <div className="muted">and {source.moreSeries} more</div> : null}
              </div>
            )}
          </details>
          <div style={{ display: "flex", gap: 8, alignItems: "start", margin: "8px 14px 12px" }}>
            {source.demo ? null : <SourceTestButton sourceId={source.id} />}
            <ConfirmButton
              label="Remove"
              question={`Remove source ${source.name} and its token? The reloads it saw stay in history.`}
              confirmLabel="Remove"
              pendingText="Removing…"
              run={() => removeSource({ sourceId: source.id })}
            />
          </div>
        </article>
      ))}
    </div>
  );
}
