"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useTransition } from "react";
import { reloadKeys } from "@/lib/reloads/query-keys";

const POLL_MS = 5_000;

interface Progress {
  status: string;
  lastArrivalAt: string | null;
  live: boolean;
}

/**
 * While a reload is live (open, or ended less than LIVE_SETTLE_MS after its last event
 * arrived: timelineLive), polls its progress and re-renders the page on the server when a
 * newer event arrived (by arrival, so a late event with an earlier time counts too).
 * Compares two server times, never the browser's clock; stops polling once the page is
 * rendered as no longer live.
 */
export function LiveTimeline({
  reloadKey,
  renderedLastArrivalAt,
  open,
}: {
  reloadKey: string;
  renderedLastArrivalAt: string | null;
  open: boolean;
}) {
  const router = useRouter();
  const [refreshing, startTransition] = useTransition();
  const progress = useQuery({
    queryKey: reloadKeys.progress(reloadKey),
    queryFn: async (): Promise<Progress> => {
      const response = await fetch(`/reloads/${encodeURIComponent(reloadKey)}/progress`, { cache: "no-store" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return response.json();
    },
    // Polls while the rendered page is live; the render that says it no longer is stops it.
    enabled: open,
    refetchInterval: POLL_MS,
  });
  // Re-render when a newer event arrived, and once more when the reload stopped being live
  // (that render drops this badge and the polling with it).
  const moved =
    progress.data !== undefined &&
    (progress.data.lastArrivalAt !== renderedLastArrivalAt || progress.data.live !== open);
  useEffect(() => {
    if (moved) startTransition(() => router.refresh());
  }, [moved, progress.data?.lastArrivalAt, progress.data?.live, router]);
  if (!open) return null;
  return (
    <span className="muted" aria-live="polite" data-live-timeline>
      {progress.isError ? (
        <span className="badge bad">live updates unavailable</span>
      ) : (
        <span className="badge info">{refreshing ? "updating…" : "live"}</span>
      )}
    </span>
  );
}
