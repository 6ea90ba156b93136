"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useTransition } from "react";
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
 * Keeps the fleet view live, as the alerts page is: when the poll reports a change newer than
 * the one this view was rendered with, the page re-renders on the server (router.refresh()),
 * once per change seen. It used to only say "changed" and wait for a click, so a wall screen
 * never moved. "Changed" compares two server times — the latest change the page was rendered
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
  const polled = status.data?.latestChangeAt ?? null;
  const changed = fleetChangedSince(renderedChangeAt, polled);
  const refreshedFor = useRef<string | null>(null);
  useEffect(() => {
    if (changed && polled !== null && polled !== refreshedFor.current) {
      refreshedFor.current = polled;
      startTransition(() => router.refresh());
    }
  }, [changed, polled, router]);
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
      {changed ? <span className="badge info">updating…</span> : null}
      <span title={renderedAt}>
        as of {renderedAtLabel}, updates every {POLL_MS / 1000} s
      </span>
      <button className="secondary" disabled={refreshing} onClick={() => startTransition(() => router.refresh())}>
        {refreshing ? "Refreshing…" : "Refresh"}
      </button>
    </div>
  );
}
