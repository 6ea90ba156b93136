"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { alertKeys } from "@/lib/alerts/query-keys";

interface AlertStatus {
  firing: number;
  acknowledged: number;
  version: string;
}

const POLL_MS = 5_000;

/**
 * Keeps an alerts view live: polls the open counts and a change marker, and re-renders the
 * page on the server when they move (an alert opened, resolved, acknowledged elsewhere, a
 * delivery attempt recorded), so every time shown stays formatted by the server.
 */
export function AlertsLiveRefresh({
  renderedVersion,
  renderedAtLabel,
}: {
  renderedVersion: string;
  renderedAtLabel: string;
}) {
  const router = useRouter();
  const status = useQuery({
    queryKey: alertKeys.status(),
    queryFn: async (): Promise<AlertStatus> => {
      const response = await fetch("/api/alerts/status", { cache: "no-store" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return response.json();
    },
    refetchInterval: POLL_MS,
  });
  const refreshedFor = useRef(renderedVersion);
  const polled = status.data?.version;
  useEffect(() => {
    if (polled && polled !== renderedVersion && polled !== refreshedFor.current) {
      refreshedFor.current = polled;
      router.refresh();
    }
  }, [polled, renderedVersion, router]);
  return (
    <span className="muted" aria-live="polite" data-alerts-live data-rendered-version={renderedVersion}>
      {status.isError ? <span className="badge bad">live updates unavailable</span> : null} as of {renderedAtLabel},
      updates every {POLL_MS / 1000} s
    </span>
  );
}
