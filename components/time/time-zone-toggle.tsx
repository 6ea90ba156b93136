"use client";

// The header's UTC / local switch for the times the browser shows (<LocalTime>, the time picker).
import { ClockIcon } from "@/components/icons";
import { useTimeZoneChoice } from "./time-zone";

export function TimeZoneToggle() {
  const [zone, setZone] = useTimeZoneChoice();
  return (
    <button
      type="button"
      className="topbar-toggle"
      aria-pressed={zone === "local"}
      data-time-zone-toggle={zone}
      title="Show times in your local time zone instead of UTC"
      onClick={() => setZone(zone === "local" ? "utc" : "local")}
    >
      <ClockIcon /> Local time
    </button>
  );
}
