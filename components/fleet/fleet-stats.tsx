import type { FleetMatrix } from "@/lib/fleet/queries";

export function FleetStats({ totals, filtered, driftingHref }: { totals: FleetMatrix["totals"]; filtered: boolean; driftingHref: string }) {
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
      <div className={`stat ${totals.drifting ? "warn" : ""}`}>
        <b>{totals.drifting}</b>
        {totals.drifting ? <a href={driftingHref}>drifting services</a> : <span className="muted">drifting services</span>}
      </div>
      <div className={`stat ${totals.problems ? "bad" : ""}`}>
        <b>{totals.problems}</b>
        <span className="muted">failures, NACKs &amp; drifts</span>
      </div>
    </div>
  );
}
