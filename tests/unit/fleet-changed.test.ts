import { describe, expect, test } from "vitest";
import { fleetChangedSince } from "@/lib/fleet/changed";

// Both times come from the server (the latest change the page was rendered with, and the one
// the status poll reports); the browser's clock plays no part.
describe("fleetChangedSince", () => {
  test.each<[string, string | null, string | null, boolean]>([
    ["nothing changed yet, nothing reported", null, null, false],
    ["the first change after an empty fleet", null, "2026-11-21T14:00:00.000Z", true],
    ["the same change", "2026-11-21T14:00:00.000Z", "2026-11-21T14:00:00.000Z", false],
    ["a later change, one millisecond", "2026-11-21T14:00:00.000Z", "2026-11-21T14:00:00.001Z", true],
    ["an older value (a replica behind)", "2026-11-21T14:00:00.000Z", "2026-11-21T13:59:59.000Z", false],
    ["the poll failed to report", "2026-11-21T14:00:00.000Z", null, false],
    [
      "times in the future (a skewed reporter) compare like any other",
      "2026-11-21T14:04:00.000Z",
      "2026-11-21T14:04:30.000Z",
      true,
    ],
    ["the same instant written in another offset", "2026-11-21T14:00:00.000Z", "2026-11-21T16:00:00.000+02:00", false],
    ["an unreadable poll answer", "2026-11-21T14:00:00.000Z", "not a time", false],
  ])("%s", (_name, rendered, polled, changed) => {
    expect(fleetChangedSince(rendered, polled)).toBe(changed);
  });
});
