"use client";

// The viewer's choice of UTC or local time for the times the browser shows and reads (the
// time picker, <LocalTime>), remembered in a cookie so every tab and the next visit agree.
// The server always renders UTC and the choice applies after hydration, so the first paint
// never differs from what the server sent.
import { useCallback, useEffect, useState } from "react";
import type { TimeZoneChoice } from "@/lib/domain/time-range";

export const TIME_ZONE_COOKIE = "rs-tz";
const CHANGED = "reloadscope:time-zone";

function readChoice(): TimeZoneChoice {
  return /(?:^|;\s*)rs-tz=local(?:;|$)/.test(document.cookie) ? "local" : "utc";
}

export function useTimeZoneChoice(): [TimeZoneChoice, (zone: TimeZoneChoice) => void] {
  const [zone, setZone] = useState<TimeZoneChoice>("utc");
  useEffect(() => {
    setZone(readChoice());
    const follow = () => setZone(readChoice());
    window.addEventListener(CHANGED, follow);
    return () => window.removeEventListener(CHANGED, follow);
  }, []);
  const choose = useCallback((next: TimeZoneChoice) => {
    document.cookie = `${TIME_ZONE_COOKIE}=${next}; path=/; max-age=31536000; samesite=lax`;
    window.dispatchEvent(new Event(CHANGED));
  }, []);
  return [zone, choose];
}

/** "UTC", or the browser's zone name ("Europe/Berlin") for local. */
export function zoneName(zone: TimeZoneChoice): string {
  return zone === "utc" ? "UTC" : (Intl.DateTimeFormat().resolvedOptions().timeZone ?? "local");
}
