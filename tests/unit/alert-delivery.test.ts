import { describe, expect, test } from "vitest";
import {
  DEFAULT_DELIVERY_POLICY,
  NO_HISTORY,
  attemptOutcome,
  dueNotification,
  labelName,
  notSentText,
  retryDelayMs,
  type AlertChannel,
  type ChannelHistory,
  type LastAttempt,
} from "@/lib/domain/alert-delivery";

const NOW = new Date("2026-11-21T12:00:00.000Z");
const policy = { ...DEFAULT_DELIVERY_POLICY, resendMs: 60_000 };
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const attempt = (overrides: Partial<LastAttempt>): LastAttempt => ({
  id: "7",
  attempt: 1,
  at: ago(1_000),
  outcome: "delivered",
  nextAttemptAt: null,
  ...overrides,
});
const history = (h: Partial<ChannelHistory>): ChannelHistory => ({ ...NO_HISTORY, ...h });

describe("dueNotification", () => {
  test.each<
    [
      string,
      "firing" | "acknowledged" | "resolved",
      boolean,
      AlertChannel,
      ChannelHistory,
      ReturnType<typeof dueNotification>,
    ]
  >([
    [
      "new firing alert: first attempt",
      "firing",
      false,
      "slack",
      NO_HISTORY,
      { event: "firing", attempt: 1, resend: false, refreshes: null },
    ],
    [
      "acknowledged is still open",
      "acknowledged",
      false,
      "webhook",
      NO_HISTORY,
      { event: "firing", attempt: 1, resend: false, refreshes: null },
    ],
    ["silenced: nothing", "firing", true, "alertmanager", NO_HISTORY, null],
    [
      "slack told once: nothing more",
      "firing",
      false,
      "slack",
      history({ firing: attempt({ at: ago(3_600_000) }), firingDelivered: true }),
      null,
    ],
    [
      "alertmanager within the re-send interval: nothing",
      "firing",
      false,
      "alertmanager",
      history({ firing: attempt({ at: ago(59_999) }), firingDelivered: true }),
      null,
    ],
    [
      "alertmanager after the re-send interval: re-send, refreshing the row",
      "firing",
      false,
      "alertmanager",
      history({ firing: attempt({ at: ago(60_000) }), firingDelivered: true }),
      { event: "firing", attempt: 1, resend: true, refreshes: "7" },
    ],
    [
      "alertmanager given up: a fresh cycle after the interval",
      "firing",
      false,
      "alertmanager",
      history({ firing: attempt({ outcome: "gave_up", at: ago(61_000) }) }),
      { event: "firing", attempt: 1, resend: false, refreshes: null },
    ],
    [
      "failed, retry not yet due",
      "firing",
      false,
      "webhook",
      history({ firing: attempt({ outcome: "failed", nextAttemptAt: ago(-1) }) }),
      null,
    ],
    [
      "failed, retry due: next attempt",
      "firing",
      false,
      "webhook",
      history({ firing: attempt({ outcome: "failed", attempt: 3, nextAttemptAt: NOW }) }),
      { event: "firing", attempt: 4, resend: false, refreshes: null },
    ],
    [
      "webhook given up: nothing",
      "firing",
      false,
      "webhook",
      history({ firing: attempt({ outcome: "gave_up" }) }),
      null,
    ],
    [
      "resolved, never told it fired: nothing",
      "resolved",
      false,
      "slack",
      history({ firing: attempt({ outcome: "gave_up" }) }),
      null,
    ],
    [
      "resolved after a firing delivery: the resolution",
      "resolved",
      false,
      "slack",
      history({ firing: attempt({}), firingDelivered: true }),
      { event: "resolved", attempt: 1, resend: false, refreshes: null },
    ],
    [
      "resolved and silenced: the resolution still goes",
      "resolved",
      true,
      "alertmanager",
      history({ firing: attempt({}), firingDelivered: true }),
      { event: "resolved", attempt: 1, resend: false, refreshes: null },
    ],
    [
      "resolution delivered: nothing",
      "resolved",
      false,
      "webhook",
      history({ firingDelivered: true, resolved: attempt({}) }),
      null,
    ],
  ])("%s", (_name, state, silenced, channel, h, expected) => {
    expect(dueNotification({ state, silenced }, channel, h, NOW, policy)).toEqual(expected);
  });
});

describe("attemptOutcome", () => {
  const mid = () => 0.5;
  test.each<[string, Parameters<typeof attemptOutcome>[0], number, { outcome: string; nextInMs: number | null }]>([
    ["2xx: delivered", { ok: true, status: 202 }, 1, { outcome: "delivered", nextInMs: null }],
    [
      "500 on attempt 1: retry after the base delay",
      { ok: false, status: 500, error: "HTTP 500" },
      1,
      { outcome: "failed", nextInMs: 5_000 },
    ],
    [
      "network error on attempt 3: 4× the base",
      { ok: false, status: null, error: "ECONNREFUSED" },
      3,
      { outcome: "failed", nextInMs: 20_000 },
    ],
    [
      "capped at maxDelayMs",
      { ok: false, status: 502, error: "HTTP 502" },
      7,
      { outcome: "failed", nextInMs: 300_000 },
    ],
    [
      "429 with Retry-After beyond the backoff",
      { ok: false, status: 429, error: "HTTP 429", retryAfterMs: 30_000 },
      1,
      { outcome: "failed", nextInMs: 30_000 },
    ],
    ["408 is retried", { ok: false, status: 408, error: "HTTP 408" }, 1, { outcome: "failed", nextInMs: 5_000 }],
    [
      "404 is refused: given up at once",
      { ok: false, status: 404, error: "HTTP 404" },
      1,
      { outcome: "gave_up", nextInMs: null },
    ],
    [
      "400 (Alertmanager refusing the alert) is given up",
      { ok: false, status: 400, error: "HTTP 400" },
      1,
      { outcome: "gave_up", nextInMs: null },
    ],
    [
      "the last attempt failing: given up",
      { ok: false, status: 503, error: "HTTP 503" },
      8,
      { outcome: "gave_up", nextInMs: null },
    ],
  ])("%s", (_name, result, n, expected) => {
    const { outcome, nextAttemptAt } = attemptOutcome(result, n, NOW, policy, mid);
    expect({ outcome, nextInMs: nextAttemptAt ? nextAttemptAt.getTime() - NOW.getTime() : null }).toEqual(expected);
  });

  test.each([
    [0, 4_000],
    [0.999_999, 6_000],
  ])("jitter %d keeps the first delay within ±20 %% (%d ms)", (jitter, expected) => {
    expect(retryDelayMs(1, policy, jitter)).toBeCloseTo(expected, -1);
  });
});

describe("labelName", () => {
  test.each([
    ["service", "service"],
    ["k8s.pod-name", "k8s_pod_name"],
    ["1zone", "_1zone"],
  ])("%s → %s", (name, expected) => expect(labelName(name)).toBe(expected));
});

describe("notSentText: what an alert with no delivery says", () => {
  test.each<[boolean, boolean, string]>([
    [false, false, "no notification channel configured"],
    [true, false, "not sent yet"],
    [true, true, "silenced: not sent"],
    [false, true, "silenced: not sent"],
  ])("channels configured %s, silenced %s → %s", (configured, silenced, text) => {
    expect(notSentText(configured, silenced)).toBe(text);
  });
});
