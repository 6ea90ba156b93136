import type { FleetMatrix } from "@/lib/fleet/queries";
import { CrossIcon, WarnIcon } from "@/components/icons";

interface Links {
  drifting: string;
  failing: string;
  failedReloads: string;
}

/**
 * The fleet's counts, each saying what it counts and linking to the list behind it (the
 * single "failures, NACKs & drifts" sum said neither). Failing counts instance × resource
 * pairs whose last reload failed or was NACKed; drift counts resources, not instances.
 */
export function FleetStats({
  totals,
  filtered,
  links,
}: {
  totals: FleetMatrix["totals"];
  filtered: boolean;
  links: Links;
}) {
  const failing = totals.failing ?? 0;
  const driftingResources = totals.driftingResources ?? 0;
  return (
    <div className="stats" aria-label="Fleet totals">
      <div className="stat">
        <b>{filtered ? `${totals.matching} / ${totals.services}` : totals.services}</b>
        <span className="muted">services{filtered ? " shown" : ""}</span>
      </div>
      <div className="stat">
        <b>{totals.instances}</b>
        <span className="muted">instances</span>
      </div>
      <div className={`stat ${totals.drifting ? "warn" : ""}`} data-stat="drifting">
        <b>{totals.drifting}</b>
        <a href={links.drifting}>
          {totals.drifting ? <WarnIcon /> : null} drifting service{totals.drifting === 1 ? "" : "s"}
        </a>
        <span className="stat-why">
          {driftingResources} resource{driftingResources === 1 ? "" : "s"} off the desired version or on mixed versions
        </span>
      </div>
      <div className={`stat ${failing ? "bad" : ""}`} data-stat="failing">
        <b>{failing}</b>
        <a href={links.failing}>{failing ? <CrossIcon /> : null} failed or NACKed</a>
        <span className="stat-why">instances × resources whose last reload failed or was refused</span>
      </div>
      <div className="stat" data-stat="failed-reloads">
        <b aria-hidden="true">→</b>
        <a href={links.failedReloads}>failed reloads</a>
        <span className="stat-why">failed, partly failed or rolled back, newest first</span>
      </div>
    </div>
  );
}
