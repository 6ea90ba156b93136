import Link from "next/link";
import { barPercent } from "@/lib/domain/timeline-view";
import { formatDuration, isoUtc, relativeTime, versionChange } from "@/lib/format";
import type { ReloadSummary } from "@/lib/services/queries";

const SHOWN = 40;
const COLOR: Record<string, string> = {
  succeeded: "#1f7a3d",
  partially_failed: "#b42318",
  failed: "#b42318",
  rolled_back: "#8a5a00",
  expired: "#5d6672",
};

/** The service's recent reloads on one time axis, each linking to its timeline; a bar's width is its convergence. */
export function RecentReloadsTimeline({ reloads, now }: { reloads: ReloadSummary[]; now: Date }) {
  const shown = reloads.slice(0, SHOWN);
  if (shown.length === 0) return null;
  const oldest = Math.min(...shown.map((r) => r.firstEventAt.getTime()));
  const view = { startMs: Math.min(oldest, now.getTime() - 3_600_000), endMs: now.getTime() };
  const span = view.endMs - view.startMs;
  // One lane per kind/resource, so reloads of one resource line up.
  const lanes = [...new Set(shown.map((r) => `${r.kind} · ${r.resource}`))].sort();
  return (
    <section
      className="panel"
      aria-label="Recent reloads timeline"
      style={{ marginBottom: 16 }}
      data-recent-reloads={shown.length}
    >
      <h2>
        Recent reloads{" "}
        <span className="muted" style={{ fontWeight: 400 }}>
          · last {shown.length}, since {relativeTime(new Date(view.startMs), now)}
        </span>
      </h2>
      <div style={{ padding: "8px 14px 10px" }}>
        {lanes.map((lane) => (
          <div
            key={lane}
            style={{ display: "grid", gridTemplateColumns: "220px minmax(0, 1fr)", alignItems: "center", height: 22 }}
          >
            <span className="mono" style={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
              {lane}
            </span>
            <div style={{ position: "relative", height: 14, background: "#f3f5f8", borderRadius: 3 }}>
              {shown
                .filter((r) => `${r.kind} · ${r.resource}` === lane)
                .map((r) => {
                  const start = r.firstEventAt.getTime();
                  const end =
                    r.completedAt?.getTime() ?? (r.convergenceMs !== null ? start + r.convergenceMs : now.getTime());
                  const pos = barPercent(start, Math.max(end, start + span * 0.004), view);
                  if (!pos) return null;
                  return (
                    <Link
                      key={r.key}
                      href={`/reloads/${r.key}`}
                      title={`${r.reloadId}: ${versionChange(r.fromVersion, r.toVersion)}, ${r.status.replace("_", " ")}, ${isoUtc(r.firstEventAt)}${r.convergenceMs !== null ? `, converged in ${formatDuration(r.convergenceMs)}` : ""}`}
                      aria-label={`reload ${r.reloadId} (${r.status.replace("_", " ")})`}
                      data-reload-key={r.key}
                      style={{
                        position: "absolute",
                        top: 2,
                        height: 10,
                        left: `${pos.left}%`,
                        width: `${Math.max(pos.width, 0.6)}%`,
                        borderRadius: 2,
                        background: COLOR[r.status] ?? "#2f5fd0",
                      }}
                    />
                  );
                })}
            </div>
          </div>
        ))}
        <div className="when" style={{ display: "flex", justifyContent: "space-between", marginLeft: 220 }}>
          <span>{isoUtc(new Date(view.startMs))}</span>
          <span>now</span>
        </div>
      </div>
    </section>
  );
}
