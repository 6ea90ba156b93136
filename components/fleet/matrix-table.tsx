"use client";

// A client component with no state, on purpose. A server component's output travels twice in
// the page: as HTML, and again as the RSC payload the browser hydrates from, where every
// element of 100 rows × their cells is spelled out as JSON inside a JS string (2.3× the
// table's own HTML). As a client component, the payload carries only its props — the
// formatted text of the cells (MatrixView) — and React renders the table once on the server
// instead of serialising it and parsing it back. GET /fleet, 1,000 services × 20 instances ×
// 3 resources, a page of 100: 442 KB → 197 KB of HTML (payload 293 KB → 81 KB), app CPU
// ~65 → ~42 ms per request. Do not turn it back into a server component.
import Link from "next/link";
import { replayLinkFor } from "@/lib/replay/params";
import { resourceHref } from "@/lib/services/params";
import type { BadgeView, CellView, MatrixView } from "./matrix-view";
import { truncateMiddle } from "@/lib/format";
import { KindLabel } from "./kind-label";
import { CheckIcon, CrossIcon, ProgressIcon, WarnIcon } from "@/components/icons";

/** Characters of a version that fit its width in a cell (.matrix .version > span). */
const FITS_CHARS = 14;
/** The desired version on the drift line, short enough to leave "· drifting 13m" room on it. */
const DESIRED_FITS_CHARS = 10;

export function MatrixTable({ view }: { view: MatrixView }) {
  return (
    <div className="panel">
      <p className="matrix-legend when" data-matrix-legend>
        <span className="version desired">
          <CheckIcon /> desired
        </span>{" "}
        the version reloads target ·{" "}
        <span className="version off">
          <WarnIcon /> off desired
        </span>{" "}
        another version while one is desired · <span className="version">no desired yet</span> · ×N instances running it
        ·{" "}
        <span className="badge drift">
          <WarnIcon /> drift
        </span>{" "}
        off desired or mixed for longer than the threshold ·{" "}
        <span className="badge bad">
          <CrossIcon /> NACK / failed
        </span>{" "}
        instances that refused or failed the reload. Times in UTC.
      </p>
      <div className="table-wrap">
        <table className="matrix" aria-label="Fleet version matrix">
          <thead>
            <tr>
              <th>Service</th>
              {view.kinds.map((kind) => (
                <th key={kind} scope="col">
                  <KindLabel kind={kind} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {view.groups.map((group) => [
              <tr key={group.label} className="group">
                <td colSpan={view.kinds.length + 1}>{group.label}</td>
              </tr>,
              ...group.rows.map((row) => (
                <tr key={row.serviceId} className={row.drifting ? "drifting" : undefined} data-service={row.name}>
                  <td className="service">
                    <Link href={`/services/${row.serviceId}`}>{row.name}</Link>
                    <div className="when" title={`last event ${row.lastEventAt}`}>
                      {row.summary}
                    </div>
                    {row.drifting ? (
                      <span className="badge drift">
                        <WarnIcon /> drifting
                      </span>
                    ) : null}
                    {row.alerts ? (
                      <>
                        {" "}
                        <Link
                          href={row.alerts.href}
                          className={`badge ${row.alerts.tone}`}
                          title={row.alerts.title}
                          data-alert-badge
                        >
                          {row.alerts.text}
                        </Link>
                      </>
                    ) : null}
                  </td>
                  {row.cells.map((cells, k) => (
                    <td key={view.kinds[k]}>
                      {cells.map((cell) => (
                        <ResourceCell
                          key={cell.resource}
                          cell={cell}
                          href={resourceHref(row.serviceId, view.kinds[k]!, cell.resource)}
                        />
                      ))}
                    </td>
                  ))}
                </tr>
              )),
            ])}
          </tbody>
        </table>
      </div>
      {view.pager ? (
        <nav className="pager" aria-label="Pages">
          {view.pager.previous ? <a href={view.pager.previous}>← Previous</a> : null}
          <span className="muted">{view.pager.label}</span>
          {view.pager.next ? <a href={view.pager.next}>Next →</a> : null}
        </nav>
      ) : null}
    </div>
  );
}

/** `href`: the resource's story (its reloads, alerts, requests and version changes). */
function ResourceCell({ cell, href }: { cell: CellView; href: string }) {
  return (
    <div className={cell.state ? `resource ${cell.state}` : "resource"} data-resource={cell.resource}>
      <div className="name">
        <Link href={href} data-resource-link>
          {cell.resource}
        </Link>
        {cell.badges?.map((badge) => (
          <span key={badge.text} className={`badge ${badge.tone}`} title={badge.title}>
            <BadgeIcon tone={badge.tone} />
            {badge.text}
          </span>
        ))}
      </div>
      <div className="versions">
        {cell.versions.map((v) => (
          // A long version is cut in the middle to the cell's width (its end tells versions of a
          // series apart), never its count; the full text is always its title.
          <span key={v.text} className={v.tone ? `version ${v.tone}` : "version"}>
            {v.tone === "desired" ? <CheckIcon /> : v.tone === "off" ? <WarnIcon /> : null}
            <span title={v.text} data-version={v.text}>
              {truncateMiddle(v.text, FITS_CHARS)}
            </span>
            <i>{`×${v.instances}`}</i>
          </span>
        ))}
      </div>
      {cell.desired || cell.driftAge ? (
        <div className="cell-drift" data-cell-desired={cell.desired ?? ""} title={cell.driftWhy}>
          {cell.desired ? (
            <>
              desired{" "}
              <span className="mono" title={cell.desired}>
                {truncateMiddle(cell.desired, DESIRED_FITS_CHARS)}
              </span>
            </>
          ) : null}
          {cell.desired && cell.driftAge ? " · " : null}
          {cell.driftAge ? (
            <b data-cell-drift-age>
              <WarnIcon /> {cell.driftAge}
            </b>
          ) : null}
          {cell.driftWhy ? <span className="sr-only">{` (${cell.driftWhy})`}</span> : null}
        </div>
      ) : null}
      <div className="when" title={cell.changedAt}>
        {/* One line in a narrow column: "35m ago by rl-7f…", the reload's id cut by CSS (.when a[data-cell-reload]). */}
        {cell.reload ? `${cell.changed} by ` : `changed ${cell.changed}`}
        {cell.reload ? (
          <>
            <Link href={`/reloads/${cell.reload.key}`} data-cell-reload={cell.reload.key}>
              {cell.reload.reloadId}
            </Link>{" "}
            <Link
              href={replayLinkFor({ reloadKey: cell.reload.key })}
              data-cell-replay={cell.reload.key}
              title={`replay ${cell.reload.reloadId} from just before it`}
            >
              replay
            </Link>
          </>
        ) : null}
      </div>
    </div>
  );
}

function BadgeIcon({ tone }: { tone: BadgeView["tone"] }) {
  if (tone === "drift") return <WarnIcon />;
  if (tone === "bad") return <CrossIcon />;
  if (tone === "info") return <ProgressIcon />;
  return null;
}
