import Link from "next/link";
import styles from "@/components/requests/requests.module.css";
import type { ReactNode } from "react";
import type { ChangePreview } from "@/lib/domain/change-preview";
import type { PreflightRow as PreflightInstance } from "@/lib/domain/rollback";

// The operator's pre-flight as the approver sees it (the approver's job, DESIGN.md): a warning in words when the
// target version was never reported anywhere or some movers never ran it, where else it ran,
// and each instance in scope with the version it runs now. In the queue the table folds
// under its one-line summary; on the request's page it is open.

export function ChangeWarning({ preview }: { preview: ChangePreview }) {
  if (!preview.warning) return null;
  return (
    <p
      className={styles.warning}
      role="note"
      data-change-warning={preview.neverReported ? "never-reported" : "never-ran"}
    >
      <span aria-hidden="true">⚠ </span>
      <b>Check before deciding:</b> {preview.warning}
    </p>
  );
}

export function ReportedOn({ preview }: { preview: ChangePreview }) {
  if (preview.neverReported)
    return (
      <span className="muted" data-reported-on="none">
        nowhere yet
      </span>
    );
  const shown = preview.reportedOn.slice(0, 5);
  return (
    <span data-reported-on={preview.reportedOn.length}>
      {shown.map((s, i) => (
        <span key={s.serviceId}>
          {i > 0 ? ", " : ""}
          <Link href={`/services/${s.serviceId}`}>{s.service}</Link>
        </span>
      ))}
      {preview.reportedOn.length > shown.length ? ` and ${preview.reportedOn.length - shown.length} more` : ""}
    </span>
  );
}

export function PreflightSummary({ preview }: { preview: ChangePreview }) {
  const p = preview.preflight;
  const staying = preview.total - p.moving;
  return (
    <>
      {p.moving} of {preview.total} instance{preview.total === 1 ? "" : "s"} in scope would move to{" "}
      <b className="mono">{preview.toVersion}</b>
      {staying > 0 ? `, ${staying} run${staying === 1 ? "s" : ""} it already` : ""}
      {p.moving > 0 ? (
        p.movingUnconfirmed > 0 ? (
          <span className="error-text"> · {p.movingUnconfirmed} of the movers never ran it</span>
        ) : (
          " · every mover ran it before"
        )
      ) : null}
    </>
  );
}

export function PreflightRows({ preview, moreHref }: { preview: ChangePreview; moreHref?: string }) {
  const p = preview.preflight;
  return (
    <>
      <div className="table-wrap" style={{ maxHeight: 280, overflowY: "auto" }}>
        <table data-preflight={preview.toVersion} aria-label={`Instances in scope and ${preview.toVersion}`}>
          <thead>
            <tr>
              <th>Instance</th>
              <th>Runs now</th>
              <th>Would move</th>
              <th>Ever ran {preview.toVersion}</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((row) => (
              <PreflightRow
                key={row.instance}
                row={row}
                noVersion={<span className="muted">no longer reports it</span>}
                never={<span className="error-text">✗ never</span>}
              />
            ))}
          </tbody>
        </table>
      </div>
      {preview.total > preview.shown ? (
        <p className={styles.hint} data-preflight-more>
          Showing {preview.shown} of {preview.total} instances
          {moreHref ? (
            <>
              ; <Link href={moreHref}>all of them on the request&apos;s page</Link>
            </>
          ) : null}
          .
        </p>
      ) : null}
    </>
  );
}

interface PreflightRowProps {
  row: PreflightInstance;
  noVersion: ReactNode;
  never: ReactNode;
}

/**
 * One instance of a pre-flight, as the operator's form and the approver's view both list it:
 * what it runs now (`noVersion` when it no longer reports the resource), whether it would
 * move, and whether it ever ran the version (`never` when not).
 */
export function PreflightRow({ row, noVersion, never }: PreflightRowProps) {
  return (
    <tr data-preflight-row={row.instance} data-moves={row.moves} data-ever-acked={row.everAcked}>
      <td className="mono">{row.instance}</td>
      <td className="mono">{row.version ?? noVersion}</td>
      <td>{row.moves ? "yes" : "no (runs it)"}</td>
      <td>{row.everAcked ? "yes" : never}</td>
    </tr>
  );
}
