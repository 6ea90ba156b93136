"use client";

// A time the server formatted in UTC, shown in the viewer's local zone when they chose it
// (components/time/time-zone.ts). The first render is always the server's UTC text, so
// hydration matches; the local text replaces it after mount.
import { useTimeZoneChoice } from "./time-zone";
import { formatTimeInput } from "@/lib/domain/time-range";

export function LocalTime({ iso, utcText }: { iso: string; utcText: string }) {
  const [zone] = useTimeZoneChoice();
  const date = new Date(iso);
  const text = zone === "local" && !Number.isNaN(date.getTime()) ? `${formatTimeInput(date, "local")} local` : utcText;
  return <time dateTime={iso}>{text}</time>;
}
