import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ReplayPlayer } from "@/components/replay/replay-player";
import { reloadReplayWindow, replayWindow, withinWindow } from "@/lib/domain/replay";
import { env } from "@/lib/env";
import { isoUtc } from "@/lib/format";
import { parseReplayParams } from "@/lib/replay/params";
import { getFleetAt, getRecentReloads, getReplayEvents, getReplayReload } from "@/lib/replay/queries";
import { frameToWire } from "@/lib/replay/wire";
import styles from "@/components/replay/replay.module.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Replay" };

export default async function ReplayPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
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
  // A reload opens just before it touched the fleet; otherwise the instant given, else now.
  const ofReload = reload ? reloadReplayWindow(reload, now) : null;
  const at = params.at ?? ofReload?.at ?? new Date(Math.floor(now.getTime() / 1000) * 1000);
  const reloadWindow = reload && ofReload && withinWindow(at, ofReload) ? reload : null;
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
            The fleet as it was at an instant:{" "}
            {reloadWindow ? `reload ${reloadWindow.reloadId} on ${reloadWindow.service}, ` : ""}
            {isoUtc(window.from)} → {isoUtc(window.to)}.
          </div>
        </div>
      </div>
      <ReplayPlayer
        // A new window (another reload or instant) starts a new player.
        key={`${window.from.toISOString()}|${params.page}`}
        initialFrame={frameToWire(frame)}
        window={{ from: window.from.toISOString(), to: window.to.toISOString() }}
        events={events.map((e) => ({ ...e, occurredAt: e.occurredAt.toISOString() }))}
        truncated={truncated}
        reload={reloadWindow?.key ?? null}
        page={params.page}
        reloadPicker={
          // Its own form: sent with the instant box, the instant (outside the reload) won and the
          // chosen reload was ignored. Choosing a reload opens just before it.
          <form className={styles.pickReload} action="/replay" method="get" aria-label="Replay a reload">
            <label>
              Or a reload
              <select name="reload" defaultValue={reloadWindow?.key ?? ""} required>
                <option value="" disabled>
                  Choose a reload…
                </option>
                {(reload && !recent.some((r) => r.key === reload.key) ? [reload, ...recent] : recent).map((r) => (
                  <option key={r.key} value={r.key}>
                    {r.reloadId} · {r.service} · {r.kind}/{r.resource} → {r.toVersion ?? "?"} (
                    {r.status.replaceAll("_", " ")})
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Replay it</button>
          </form>
        }
      />
    </main>
  );
}
