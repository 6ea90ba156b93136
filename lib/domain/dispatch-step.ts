// What one run of a request's dispatch does next (DESIGN.md "Dispatch"): send a
// stage (the canary or all, then the rest), wait for the canary's acks, follow the reload to
// its end, retry a delivery that failed, or end the request and say why. Pure: lib/dispatch
// reads the request and its attempts under the request's row lock, asks here, and does what
// the step says (docs/adr/0013). Each run does one step and queues the next run, so a retry or
// a canary check is a job with a later run time, never a sleep.
//
// Never twice: a stage with a delivered attempt is not sent again, and nothing is sent while
// another attempt of the request is `sending` under a live lease (its sender's answer moves
// the request on). A `sending` attempt whose lease lapsed lost its sender: its outcome is
// unknown, it counts as an attempt, and the stage goes again (lib/dispatch/recover.ts).
import { canaryVerdict, requestOutcome, retryDelayMs, type CanaryInstance } from "./dispatch-policy";

export type DispatchStage = "all" | "canary" | "rest";

/** Why an attempt's outcome is unknown, in the timeline's words and the request's reason. */
export const UNKNOWN_OUTCOME = "outcome unknown, the app or its database stopped during the delivery";

export interface DispatchPolicy {
  /** DISPATCH_MAX_ATTEMPTS: attempts of one stage before the request fails */
  maxAttempts: number;
  /** DISPATCH_RETRY_BASE_MS: the wait after a first failed attempt (retryDelayMs) */
  retryBaseMs: number;
  /** CANARY_CHECK_MS: how often a canary's acks and a sent reload's end are checked */
  checkMs: number;
  /** RELOAD_TIMEOUT_SECONDS: how long a canary may take to ack */
  reloadTimeoutSeconds: number;
  /** a `sending` attempt written before leases (no lease_until) is its sender's this long after its start */
  legacyLeaseMs: number;
}

export type AttemptOutcome = "sending" | "delivered" | "failed" | "gave_up" | "unknown";

/** One dispatch_attempt row, in order of its id. */
export interface DispatchAttempt {
  id: string;
  stage: DispatchStage;
  attempt: number;
  outcome: AttemptOutcome;
  startedAt: Date;
  finishedAt: Date | null;
  nextAttemptAt: Date | null;
  leaseUntil: Date | null;
  /** for a `sending` attempt: its lease lapsed by the database's clock, so its sender is gone */
  leaseLapsed: boolean;
}

export interface DispatchRequest {
  status: string;
  targets: readonly string[];
  canary: readonly string[];
}

/** What a run reads beside the request, by what its status needs (dispatchNeeds). */
export interface DispatchFacts {
  /** "send": the service's reload target; "unreadable" when its secret does not open with this SECRETS_KEY */
  target?: "ready" | "missing" | "unreadable";
  /** "send": whether the approved change still holds (currentChange, docs/adr/0015) */
  change?: { valid: true } | { valid: false; reason: string };
  /** "canary": what the canary's instances reported on the reload */
  canaryReports?: readonly CanaryInstance[];
  /** "reload": the reload's status once the last delivery's `dispatched` event is stored, else null */
  reloadStatus?: string | null;
}

/** The answer to an attempt, once its sender has it. */
export interface DispatchAnswer {
  stage: DispatchStage;
  attempt: number;
  /** the instances this attempt's POST named */
  sentTo: readonly string[];
  /** the request's targets: the reload's scope */
  targets: readonly string[];
  /** false when the attempt was declared unknown while its sender could not renew its lease */
  stillSending: boolean;
  delivery: { delivered: true; httpStatus: number } | { delivered: false; httpStatus: number | null; error: string };
  /** uniform in [0, 1): the retry's jitter */
  jitter: number;
}

export type DispatchState =
  /** a dispatch job runs: the request as locked (null: gone), its attempts, what its status needs */
  | {
      kind: "run";
      now: Date;
      request: DispatchRequest | null;
      attempts: readonly DispatchAttempt[];
      facts: DispatchFacts;
    }
  /** a sender has its attempt's answer: the request as locked again */
  | { kind: "answer"; now: Date; request: DispatchRequest | null; answer: DispatchAnswer };

export type DispatchResult =
  | { step: "nothing"; status: string }
  /** a new attempt of the stage goes out now, to the instances named; the answer's step says what came of it */
  | { step: "sending"; stage: DispatchStage; attempt: number; instances: string[] }
  | { step: "sent"; stage: DispatchStage; attempt: number; delivered: boolean }
  /** the answer came after the attempt had been declared unknown (its lease lapsed): dropped, the stage goes again */
  | { step: "late"; stage: DispatchStage; attempt: number }
  | { step: "waiting"; until: Date }
  | { step: "finished"; status: string };

/** The control plane ends the reload on the timeline: `failed` once it started, `rejected` before (never desired). */
export type ReloadEnding = { phase: "failed"; key: string; reason: string } | { phase: "rejected"; reason: string };

/** What to do, in this order; every part but the result is optional. */
export interface DispatchStep {
  /** the lapsed `sending` attempt to declare unknown first (its row and its timeline event) */
  declareUnknown?: DispatchAttempt;
  /** the answered attempt's row and its timeline event (`dispatched` naming `targets`, or `failed`) */
  record?:
    | { outcome: "delivered"; httpStatus: number; targets: readonly string[] }
    | { outcome: "failed" | "gave_up"; httpStatus: number | null; error: string; nextAttemptAt: Date | null };
  setStatus?: { status: string; reason: string | null };
  endReload?: ReloadEnding;
  /** the request's next dispatch job: at an instant, or now */
  next?: Date | "now";
  result: DispatchResult;
}

/** What a run must read for a request in `status`: "send" (target and change), "canary", "reload", or nothing. */
export function dispatchNeeds(status: string): "send" | "canary" | "reload" | null {
  if (status === "approved" || status === "dispatching") return "send";
  if (status === "canary") return "canary";
  if (status === "dispatched") return "reload";
  return null;
}

/** The one decision of dispatch: given the request's state, its policy and results, what to do next. */
export function nextDispatchStep(state: DispatchState, policy: DispatchPolicy): DispatchStep {
  if (state.kind === "answer") return afterAnswer(state.request, state.answer, state.now, policy);
  const { request, attempts, facts, now } = state;
  if (!request) return { result: { step: "nothing", status: "missing" } };
  switch (dispatchNeeds(request.status)) {
    case "send":
      return nextSend(request, attempts, facts, now, policy);
    case "canary":
      return afterCanary(request, attempts, known(facts.canaryReports, "canaryReports"), now, policy);
    case "reload":
      return followReload(attempts, known(facts.reloadStatus, "reloadStatus"), now, policy);
    default:
      // Pending, decided, or over: nothing for dispatch to do.
      return { result: { step: "nothing", status: request.status } };
  }
}

/**
 * After an attempt whose sender is gone (its outcome unknown): the stage goes again, unless
 * that was its last allowed attempt; then a request still on its way fails (one cancelled or
 * invalidated meanwhile keeps that status).
 */
export function afterUnknownAttempt(
  status: string,
  attempt: number,
  policy: Pick<DispatchPolicy, "maxAttempts">,
): { gaveUp: boolean; setStatus?: { status: "failed"; reason: string } } {
  if (attempt < policy.maxAttempts) return { gaveUp: false };
  if (status !== "dispatching" && status !== "approved") return { gaveUp: true };
  const reason = `delivery failed after ${policy.maxAttempts} attempts: ${UNKNOWN_OUTCOME}`;
  return { gaveUp: true, setStatus: { status: "failed", reason } };
}

/** The first stage not yet delivered: canary then rest (when there is a rest), or all; null when every stage is. */
export function nextStage(request: DispatchRequest, attempts: readonly DispatchAttempt[]): DispatchStage | null {
  const stages: DispatchStage[] = request.canary.length > 0 ? ["canary", "rest"] : ["all"];
  const delivered = new Set(attempts.filter((a) => a.outcome === "delivered").map((a) => a.stage));
  const empty = (s: DispatchStage) => s === "rest" && stageInstances(request, "rest").length === 0;
  return stages.find((s) => !delivered.has(s) && !empty(s)) ?? null;
}

/** The instances a stage's POST names. */
export function stageInstances(request: DispatchRequest, stage: DispatchStage): string[] {
  if (stage === "all") return [...request.targets];
  if (stage === "canary") return [...request.canary];
  const canary = new Set(request.canary);
  return request.targets.filter((t) => !canary.has(t));
}

function nextSend(
  request: DispatchRequest,
  attempts: readonly DispatchAttempt[],
  facts: DispatchFacts,
  now: Date,
  policy: DispatchPolicy,
): DispatchStep {
  const stage = nextStage(request, attempts);
  if (stage === null) {
    // Every stage delivered (a run that stopped before its status change): settle it.
    return {
      setStatus: { status: "dispatched", reason: null },
      next: later(now, policy.checkMs),
      result: { step: "nothing", status: "dispatched" },
    };
  }
  // A delivery under way (its sender holds the lease; its answer moves the request on), or
  // one whose sender died: unknown, on the timeline, and the stage goes again right here.
  const sending = attempts.find((a) => a.outcome === "sending");
  const first: Pick<DispatchStep, "declareUnknown"> = {};
  if (sending) {
    if (!sending.leaseLapsed) {
      const until = sending.leaseUntil ?? new Date(sending.startedAt.getTime() + policy.legacyLeaseMs);
      return { result: { step: "waiting", until } };
    }
    first.declareUnknown = sending;
    const unknown = afterUnknownAttempt(request.status, sending.attempt, policy);
    if (unknown.gaveUp) {
      const failed = unknown.setStatus ? { setStatus: unknown.setStatus } : {};
      return { ...first, ...failed, result: { step: "finished", status: "failed" } };
    }
  }
  // Too early for the next retry (a job that ran ahead of its schedule, or a second one).
  const ofStage = attempts.filter((a) => a.stage === stage);
  const retryAt = ofStage.at(-1)?.nextAttemptAt;
  if (retryAt && retryAt > now) return { ...first, next: retryAt, result: { step: "waiting", until: retryAt } };

  const fail = (key: string, reason: string): DispatchStep => ({
    ...first,
    setStatus: { status: "failed", reason },
    endReload: { phase: "failed", key, reason },
    result: { step: "finished", status: "failed" },
  });
  const target = known(facts.target, "target");
  if (target === "missing") return fail("no-target", "no reload target configured for this service");
  const change = known(facts.change, "change");
  if (!change.valid) {
    // Before anything was sent the reload never started: it is refused. After its canary it
    // has started, and the control plane ends it with what has finished.
    const endReload: ReloadEnding =
      stage === "rest"
        ? { phase: "failed", key: "invalidated", reason: `the rest was not sent: ${change.reason}` }
        : { phase: "rejected", reason: change.reason };
    return {
      ...first,
      setStatus: { status: "invalidated", reason: change.reason },
      endReload,
      result: { step: "finished", status: "invalidated" },
    };
  }
  if (target === "unreadable") {
    const reason = "the reload target's secret cannot be decrypted with this SECRETS_KEY; save the target again";
    return fail("secret", reason);
  }

  const attempt = ofStage.length + 1;
  return {
    ...first,
    ...(request.status !== "dispatching" ? { setStatus: { status: "dispatching", reason: null } } : {}),
    result: { step: "sending", stage, attempt, instances: stageInstances(request, stage) },
  };
}

/** Canary delivered: all acked → the rest; any refused → failed, the rest never sent; else check again. */
function afterCanary(
  request: DispatchRequest,
  attempts: readonly DispatchAttempt[],
  reports: readonly CanaryInstance[],
  now: Date,
  policy: DispatchPolicy,
): DispatchStep {
  const verdict = canaryVerdict(request.canary, reports);
  const fail = (reason: string): DispatchStep => ({
    setStatus: { status: "failed", reason },
    endReload: { phase: "failed", key: "canary-failed", reason },
    result: { step: "finished", status: "failed" },
  });
  if (verdict.kind === "failed") return fail(verdict.reason);
  if (verdict.kind === "acked") {
    const result = { step: "nothing", status: "dispatching" } as const;
    return { setStatus: { status: "dispatching", reason: null }, next: "now", result };
  }
  const delivered = attempts.find((a) => a.stage === "canary" && a.outcome === "delivered");
  const deadline = (delivered?.finishedAt ?? now).getTime() + policy.reloadTimeoutSeconds * 1000;
  if (now.getTime() > deadline) {
    return fail(`canary failed: ${verdict.pending.join(", ")} did not ack within ${policy.reloadTimeoutSeconds} s`);
  }
  const until = later(now, policy.checkMs);
  return { next: until, result: { step: "waiting", until } };
}

/** All sent: the request ends as its reload does (the read model's status). */
function followReload(
  attempts: readonly DispatchAttempt[],
  reloadStatus: string | null,
  now: Date,
  policy: DispatchPolicy,
): DispatchStep {
  // The control events go through their own job: until the last delivery's `dispatched` is
  // stored, a failed or unknown attempt stored before it makes the reload read failed.
  const outcome = reloadStatus === null ? null : requestOutcome(reloadStatus);
  if (outcome) return { setStatus: outcome, result: { step: "finished", status: outcome.status } };
  // The reload expires on its own (RELOAD_TIMEOUT_SECONDS, the sweep); this bound only stops
  // the checks if no event of it ever arrived.
  const lastDelivery = attempts.filter((a) => a.outcome === "delivered").at(-1)?.finishedAt ?? now;
  if (now.getTime() > lastDelivery.getTime() + 2 * policy.reloadTimeoutSeconds * 1000) {
    const reason = "no instance reported on the reload after its dispatch";
    return { setStatus: { status: "failed", reason }, result: { step: "finished", status: "failed" } };
  }
  const until = later(now, policy.checkMs);
  return { next: until, result: { step: "waiting", until } };
}

/** A sender's answer: recorded only while its attempt is still `sending`; a delivered stage moves the request on. */
function afterAnswer(
  request: DispatchRequest | null,
  answer: DispatchAnswer,
  now: Date,
  policy: DispatchPolicy,
): DispatchStep {
  const { stage, attempt, delivery } = answer;
  // Declared unknown while this process could not renew its lease (the database was away),
  // and perhaps already sent again: that attempt decides now; this answer is only logged.
  if (!answer.stillSending) return { result: { step: "late", stage, attempt } };
  if (delivery.delivered) {
    // The first stage names every target as the reload's scope, so a reload is not over when
    // its canary alone has acked; the rest adds nobody new.
    const targets = stage === "rest" ? answer.sentTo : answer.targets;
    // A request cancelled or invalidated while the POST was out keeps that status.
    const onItsWay = request !== null && (request.status === "dispatching" || request.status === "approved");
    return {
      record: { outcome: "delivered", httpStatus: delivery.httpStatus, targets },
      ...(onItsWay ? { setStatus: { status: stage === "canary" ? "canary" : "dispatched", reason: null } } : {}),
      next: later(now, policy.checkMs),
      result: { step: "sent", stage, attempt, delivered: true },
    };
  }
  const last = attempt >= policy.maxAttempts;
  const nextAttemptAt = last
    ? null
    : later(
        now,
        retryDelayMs(attempt, policy.retryBaseMs, () => answer.jitter),
      );
  const reason = `delivery failed after ${policy.maxAttempts} attempts: ${delivery.error}`;
  return {
    record: {
      outcome: last ? "gave_up" : "failed",
      httpStatus: delivery.httpStatus,
      error: delivery.error,
      nextAttemptAt,
    },
    ...(last && request?.status === "dispatching" ? { setStatus: { status: "failed", reason } } : {}),
    ...(nextAttemptAt ? { next: nextAttemptAt } : {}),
    result: { step: "sent", stage, attempt, delivered: false },
  };
}

function later(now: Date, ms: number): Date {
  return new Date(now.getTime() + ms);
}

function known<T>(fact: T | undefined, name: keyof DispatchFacts): T {
  if (fact === undefined) throw new Error(`nextDispatchStep: the run did not read ${name}, which its status needs`);
  return fact;
}
