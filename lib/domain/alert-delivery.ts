// When an alert is sent where, and what a failed attempt leads to: pure rules over an
// alert's state and its delivery history (the alert_delivery rows), so the sender holds no
// state of its own and a crash or a restart loses nothing — the next run derives the same
// due notifications from the tables.

export type AlertChannel = "alertmanager" | "slack" | "webhook";
export type AlertEventName = "firing" | "resolved";
export type DeliveryOutcome = "delivered" | "failed" | "gave_up";

export const ALERT_CHANNELS: readonly AlertChannel[] = ["alertmanager", "slack", "webhook"];

export interface DeliveryPolicy {
  /** Attempts of one notification before it is given up. */
  maxAttempts: number;
  /** Delay after the first failed attempt; doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Alertmanager only: a firing alert is posted again this often, as Prometheus does. */
  resendMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 5_000,
  maxDelayMs: 5 * 60_000,
  resendMs: 60_000,
};

/** The newest alert_delivery row of one alert × channel × event. */
export interface LastAttempt {
  id: string;
  attempt: number;
  at: Date;
  outcome: DeliveryOutcome;
  nextAttemptAt: Date | null;
}

export interface ChannelHistory {
  firing: LastAttempt | null;
  resolved: LastAttempt | null;
  /** Some firing notification of this alert reached this channel. */
  firingDelivered: boolean;
}

export const NO_HISTORY: ChannelHistory = { firing: null, resolved: null, firingDelivered: false };

export interface DueNotification {
  event: AlertEventName;
  /** 1 for a first attempt (or a re-send), n + 1 after n failed ones. */
  attempt: number;
  /** An Alertmanager re-send of an alert it was already told about. */
  resend: boolean;
  /** The delivered row a successful re-send refreshes instead of adding one a minute. */
  refreshes: string | null;
}

/**
 * What (if anything) to send now for one alert on one channel.
 *
 * - Open (firing or acknowledged) and not silenced: the firing notification, retried while
 *   due; Slack and the webhook get it once, Alertmanager every `resendMs` while it lasts
 *   (it resolves an alert on its own when re-sends stop: that is how a silenced alert
 *   leaves it). Acknowledging is not resolving: Alertmanager keeps the alert.
 * - Resolved: the resolution, only to a channel that was told it fired — nobody wants the
 *   end of something they never heard of. A silence does not hold a resolution back.
 */
export function dueNotification(
  alert: { state: "firing" | "acknowledged" | "resolved"; silenced: boolean },
  channel: AlertChannel,
  history: ChannelHistory,
  now: Date,
  policy: DeliveryPolicy,
): DueNotification | null {
  if (alert.state === "resolved") {
    if (!history.firingDelivered) return null;
    return nextOf(history.resolved, "resolved", now);
  }
  if (alert.silenced) return null;
  const last = history.firing;
  if (channel === "alertmanager" && last && last.outcome !== "failed") {
    // Delivered or given up: a fresh cycle once the re-send interval has passed.
    if (now.getTime() - last.at.getTime() < policy.resendMs) return null;
    return {
      event: "firing",
      attempt: 1,
      resend: last.outcome === "delivered",
      refreshes: last.outcome === "delivered" ? last.id : null,
    };
  }
  return nextOf(last, "firing", now);
}

function nextOf(last: LastAttempt | null, event: AlertEventName, now: Date): DueNotification | null {
  if (!last) return { event, attempt: 1, resend: false, refreshes: null };
  if (last.outcome !== "failed") return null;
  if (last.nextAttemptAt && last.nextAttemptAt.getTime() > now.getTime()) return null;
  return { event, attempt: last.attempt + 1, resend: false, refreshes: null };
}

/** How one attempt ended, as the sender saw it. */
export type AttemptResult =
  { ok: true; status: number } | { ok: false; status: number | null; error: string; retryAfterMs?: number };

/**
 * The row an attempt leaves: delivered; failed with the time of the next attempt
 * (exponential backoff with ±20 % jitter, never sooner than a Retry-After); or given up —
 * after `maxAttempts`, or at once when the receiver refuses the request itself (a 4xx other
 * than 408 and 429: a revoked Slack webhook stays revoked however often it is retried).
 */
export function attemptOutcome(
  result: AttemptResult,
  attempt: number,
  now: Date,
  policy: DeliveryPolicy,
  random: () => number,
): { outcome: DeliveryOutcome; nextAttemptAt: Date | null } {
  if (result.ok) return { outcome: "delivered", nextAttemptAt: null };
  const refused =
    result.status !== null &&
    result.status >= 400 &&
    result.status < 500 &&
    result.status !== 408 &&
    result.status !== 429;
  if (refused || attempt >= policy.maxAttempts) return { outcome: "gave_up", nextAttemptAt: null };
  return {
    outcome: "failed",
    nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempt, policy, random(), result.retryAfterMs)),
  };
}

/** The wait after failed attempt `attempt` (1-based); `jitter` in [0, 1). */
export function retryDelayMs(attempt: number, policy: DeliveryPolicy, jitter: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential * (0.8 + 0.4 * jitter));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxDelayMs));
}

/** An Alertmanager label name: [a-zA-Z_][a-zA-Z0-9_]* (other characters become `_`). */
export function labelName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[a-zA-Z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/**
 * How long Alertmanager should keep a firing alert without hearing of it again: four
 * re-send intervals, as Prometheus sets endsAt, so one lost post does not resolve it.
 */
export function firingValidUntil(now: Date, policy: DeliveryPolicy): Date {
  return new Date(now.getTime() + 4 * policy.resendMs);
}

/**
 * What an alert with no delivery row says, instead of a bare "not sent": silenced alerts are
 * held back on purpose; with no channel configured nothing is ever sent; otherwise the
 * deliverer has not reached it yet.
 */
export function notSentText(channelsConfigured: boolean, silenced: boolean): string {
  if (silenced) return "silenced: not sent";
  if (!channelsConfigured) return "no notification channel configured";
  return "not sent yet";
}
