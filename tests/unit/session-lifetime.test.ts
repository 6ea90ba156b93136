import { describe, expect, test } from "vitest";
import { sessionWithinLifetime } from "@/lib/domain/session-lifetime";

const HOUR = 3600;
const NOW_MS = Date.parse("2026-12-07T12:00:00Z");
const now = NOW_MS / 1000;

describe("sessionWithinLifetime", () => {
  test.each([
    ["just signed in", now, 12, true],
    ["11 h 59 min ago", now - 12 * HOUR + 60, 12, true],
    ["exactly the lifetime ago", now - 12 * HOUR, 12, false],
    ["13 h ago", now - 13 * HOUR, 12, false],
    ["2 h ago with a 1 h lifetime", now - 2 * HOUR, 1, false],
    ["a minute in the future (another replica's clock)", now + 60, 12, true],
    ["an hour in the future (not a time this server signed)", now + HOUR, 12, false],
    ["missing", undefined, 12, false],
    ["text", "1700000000", 12, false],
    ["not finite", Number.NaN, 12, false],
  ])("%s → %s", (_name, signedInAt, hours, expected) => {
    expect(sessionWithinLifetime(signedInAt, NOW_MS, hours)).toBe(expected);
  });
});
