"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { fleetChangedSince } from "@/lib/fleet/changed";
import { fleetKeys } from "@/lib/fleet/query-keys";

interface FleetStatus {
  latestChangeAt: string | null;
}

const POLL_MS = 10_000;

interface Props {
  /** The server's latest fleet change when it rendered this view (ISO), or null when there was none. */
  renderedChangeAt: string | null;
  /** When the server rendered the view: ISO for the tooltip, and a label it formatted itself. */
  renderedAt: string;
  renderedAtLabel: string;
}

/**
 * Tells the viewer when the fleet changed after this view was rendered, and refreshes on
 * request. "Changed" compares two server times — the latest change the page was rendered
 * with and the latest change the poll reports — never the browser's clock, and every time
 * shown was formatted by the server, so hydration sees the same text.
 */
export function LiveRefresh({ renderedChangeAt, renderedAt, renderedAtLabel }: Props) {
  const router = useRouter();
  const [refreshing, startTransition] = useTransition();
  const status = useQuery({
    queryKey: fleetKeys.status(),
    queryFn: async (): Promise<FleetStatus> => {
      const response = await fetch("/api/fleet/status", { cache: "no-store" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return response.json();
    },
    refetchInterval: POLL_MS,
  });
  const changed = fleetChangedSince(renderedChangeAt, status.data?.latestChangeAt ?? null);
  return (
    <div
      className="muted"
      style={{ display: "flex", gap: 10, alignItems: "center" }}
      aria-live="polite"
      data-live-refresh
      data-rendered-change={renderedChangeAt ?? ""}
      data-polled-change={status.data ? (status.data.latestChangeAt ?? "none") : ""}
    >
      {status.isError ? <span className="badge bad">live updates unavailable</span> : null}
      {changed ? <span className="badge info">the fleet changed since this view loaded</span> : null}
      <span title={renderedAt}>as of {renderedAtLabel}</span>
      <button className="secondary" disabled={refreshing} onClick={() => startTransition(() => router.refresh())}>
        {refreshing ? "Refreshing…" : "Refresh"}
      </button>
    </div>
  );
}
