import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ReplayPlayer } from "@/components/replay/replay-player";
import { replayWindow } from "@/lib/domain/replay";
import { env } from "@/lib/env";
import { isoUtc } from "@/lib/format";
import { parseReplayParams, replayHref } from "@/lib/replay/params";
import { getFleetAt, getRecentReloads, getReplayEvents, getReplayReload } from "@/lib/replay/queries";
import { frameToWire } from "@/lib/replay/wire";
import styles from "@/components/replay/replay.module.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Replay" };

export default async function ReplayPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const now = new Date();
  const parsed = parseReplayParams(await searchParams, now, env().RETENTION_DAYS);
  if (!parsed.ok) {
    return (
      <main className="page">
        <h1>Replay</h1>
        <div className="panel empty" role="alert">
          <p>This replay link is not valid:</p>
          <ul>
            {parsed.errors.map((e) => (
              <li key={e} className="error-text">
                {e}
              </li>
            ))}
          </ul>
          <a href="/replay">Replay the last half hour</a>
        </div>
      </main>
    );
  }
  const { params } = parsed;
  const reload = params.reload ? await getReplayReload(params.reload) : null;
  if (params.reload && !reload) notFound();
  // No instant: a reload plays from its start; otherwise the last half hour, up to now.
  const at = params.at ?? (reload ? new Date(reload.firstEventAt.getTime() - 60_000) : new Date(Math.floor(now.getTime() / 1000) * 1000));
  const reloadWindow = reload && at >= new Date(reload.firstEventAt.getTime() - 60_000) && at <= new Date(reload.lastEventAt.getTime() + 60_000) ? reload : null;
  const window = replayWindow(at, reloadWindow, now);
  const [frame, { events, truncated }, recent] = await Promise.all([
    getFleetAt(at, params.page, now),
    getReplayEvents(window, reloadWindow ? { reloadId: reloadWindow.reloadId, key: reloadWindow.key } : null),
    getRecentReloads(),
  ]);

  return (
    <main className="page">
      <div className="page-head">
        <div>
          <h1>Replay</h1>
          <div className="muted">
            The fleet as it was at an instant: {reloadWindow ? `reload ${reloadWindow.reloadId} on ${reloadWindow.service}, ` : ""}
            {isoUtc(window.from)} → {isoUtc(window.to)}.
          </div>
        </div>
      </div>
      <form className={`panel ${styles.picker}`} action="/replay" method="get">
        <label>
          Instant (RFC 3339, UTC)
          <input name="at" type="text" defaultValue={at.toISOString()} spellCheck={false} />
        </label>
        <button type="submit">Go</button>
        <label>
          Or a reload
          <select name="reload" defaultValue={reload?.key ?? ""}>
            <option value="">—</option>
            {recent.map((r) => (
              <option key={r.key} value={r.key}>
                {r.reloadId} · {r.service} · {r.kind}/{r.resource} → {r.toVersion ?? "?"} ({r.status})
              </option>
            ))}
          </select>
        </label>
        {recent.length ? (
          <span className="muted">
            e.g. <a href={replayHref({ reload: recent[0]!.key })}>replay {recent[0]!.reloadId}</a>
          </span>
        ) : null}
      </form>
      <ReplayPlayer
        // A new window (another reload or instant) starts a new player.
        key={`${window.from.toISOString()}|${params.page}`}
        initialFrame={frameToWire(frame)}
        window={{ from: window.from.toISOString(), to: window.to.toISOString() }}
        events={events.map((e) => ({ ...e, occurredAt: e.occurredAt.toISOString() }))}
        truncated={truncated}
        reload={reloadWindow?.key ?? null}
        page={params.page}
      />
    </main>
  );
}
