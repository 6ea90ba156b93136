"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { fleetKeys } from "@/lib/fleet/query-keys";

interface FleetStatus {
  latestChangeAt: string | null;
}

const POLL_MS = 10_000;

/** Tells the viewer when the fleet changed after this view was rendered, and refreshes on request. */
export function LiveRefresh({ loadedAt }: { loadedAt: string }) {
  const router = useRouter();
  const [refreshing, startTransition] = useTransition();
  const status = useQuery({
    queryKey: fleetKeys.status(),
    queryFn: async (): Promise<FleetStatus> => {
      const response = await fetch("/api/v1/fleet/status", { cache: "no-store" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return response.json();
    },
    refetchInterval: POLL_MS,
  });
  const newer = status.data?.latestChangeAt && Date.parse(status.data.latestChangeAt) > Date.parse(loadedAt);
  return (
    <div className="muted" style={{ display: "flex", gap: 10, alignItems: "center" }} aria-live="polite">
      {status.isError ? <span className="badge bad">live updates unavailable</span> : null}
      {newer ? <span className="badge info">the fleet changed since this view loaded</span> : null}
      <span title={loadedAt}>as of {new Date(loadedAt).toLocaleTimeString()}</span>
      <button className="secondary" disabled={refreshing} onClick={() => startTransition(() => router.refresh())}>
        {refreshing ? "Refreshing…" : "Refresh"}
      </button>
    </div>
  );
}
