import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { WarnIcon } from "@/components/icons";
import { LocalTime } from "@/components/time/local-time";
import { formatAge, isoUtc, truncateMiddle } from "@/lib/format";
import type { BehindSort } from "@/lib/domain/behind";
import { resourceHref, serviceViewHref } from "@/lib/services/params";
import type { BehindView } from "@/lib/services/queries";

const SORT_WORDS: Record<BehindSort, string> = { behind: "longest behind", instance: "instance", version: "version" };

/**
 * The service page's "behind only" view: one row per live instance × resource off its desired
 * version, sorted as the URL says, so the lagging instance is the first row rather than a
 * cell to find in the instance table.
 */
export function BehindTable({
  serviceId,
  view,
  sort,
  keep,
}: {
  serviceId: number;
  view: BehindView;
  sort: BehindSort;
  keep: Record<string, string | null>;
}) {
  const sortHref = (s: BehindSort) =>
    serviceViewHref(serviceId, { ...keep, behind: "1", sort: s === "behind" ? null : s });
  const header = (s: BehindSort, text: string) => (
    <th aria-sort={sort === s ? (s === "behind" ? "descending" : "ascending") : "none"}>
      {sort === s ? (
        <span>{text}</span>
      ) : (
        <Link href={sortHref(s)} scroll={false} data-behind-sort={s}>
          {text}
        </Link>
      )}
    </th>
  );
  return (
    <section
      className="panel"
      style={{ marginBottom: 16 }}
      aria-label="Instances behind the desired version"
      data-behind-view
    >
      <h2>
        Behind the desired version{" "}
        <span className="muted" style={{ fontWeight: 400 }}>
          ·{" "}
          {view.total === 0
            ? "none"
            : view.rows.length < view.total
              ? `${view.rows.length} of ${view.total}`
              : view.total}{" "}
          · sorted by {SORT_WORDS[sort]} ·{" "}
          <Link href={serviceViewHref(serviceId, keep)} scroll={false}>
            Show every instance
          </Link>
        </span>
      </h2>
      {view.total === 0 ? (
        <p className="empty">Every live instance runs the desired version of each resource that has one.</p>
      ) : (
        <DataTable
          columns={[
            header("instance", "Instance"),
            "Resource",
            header("version", "Runs"),
            "Desired",
            header("behind", "Behind for"),
          ]}
        >
          {view.rows.map((r) => (
            <tr key={`${r.instanceKey}/${r.kind}/${r.resource}`} data-behind-instance={r.instanceKey}>
              <td className="mono">{r.instanceKey}</td>
              <td>
                {r.kind} ·{" "}
                <Link className="mono" href={resourceHref(serviceId, r.kind, r.resource)}>
                  {r.resource}
                </Link>
              </td>
              <td>
                <span className="version off" title={r.version}>
                  <WarnIcon /> {truncateMiddle(r.version, 24)}
                </span>
              </td>
              <td className="mono" title={r.desired}>
                {truncateMiddle(r.desired, 24)}
              </td>
              <td data-behind-ms={r.behindMs}>
                <b>{formatAge(r.behindMs)}</b>{" "}
                <span className="when">
                  since <LocalTime iso={r.behindSince.toISOString()} utcText={isoUtc(r.behindSince)} />
                </span>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
