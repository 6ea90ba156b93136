"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useTransition } from "react";
import { OPEN_STATUSES } from "@/lib/domain/reload-status";
import type { ReloadStatus } from "@/lib/domain/types";
import { reloadKeys } from "@/lib/reloads/query-keys";

const POLL_MS = 5_000;

interface Progress {
  status: string;
  lastEventAt: string;
}

/**
 * While a reload is open (in progress, dispatching…), polls its progress and re-renders the
 * page on the server when a newer event arrived. Compares two server times, never the
 * browser's clock; stops polling once the reload has ended.
 */
export function LiveTimeline({ reloadKey, renderedLastEventAt, open }: { reloadKey: string; renderedLastEventAt: string; open: boolean }) {
  const router = useRouter();
  const [refreshing, startTransition] = useTransition();
  const progress = useQuery({
    queryKey: reloadKeys.progress(reloadKey),
    queryFn: async (): Promise<Progress> => {
      const response = await fetch(`/reloads/${encodeURIComponent(reloadKey)}/progress`, { cache: "no-store" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return response.json();
    },
    enabled: open,
    refetchInterval: (query) => (query.state.data && !isOpen(query.state.data.status) ? false : POLL_MS),
  });
  const moved = progress.data !== undefined && progress.data.lastEventAt !== renderedLastEventAt;
  useEffect(() => {
    if (moved) startTransition(() => router.refresh());
  }, [moved, progress.data?.lastEventAt, router]);
  if (!open) return null;
  return (
    <span className="muted" aria-live="polite" data-live-timeline>
      {progress.isError ? <span className="badge bad">live updates unavailable</span> : <span className="badge info">{refreshing ? "updating…" : "live"}</span>}
    </span>
  );
}

function isOpen(status: string): boolean {
  return OPEN_STATUSES.includes(status as ReloadStatus);
}
