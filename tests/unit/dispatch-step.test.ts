import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  dispatchNeeds,
  nextDispatchStep,
  UNKNOWN_OUTCOME,
  type DispatchAnswer,
  type DispatchAttempt,
  type DispatchFacts,
  type DispatchPolicy,
  type DispatchRequest,
  type DispatchStage,
  type DispatchStep,
} from "@/lib/domain/dispatch-step";
import { PHASES, RELOAD_STATUSES } from "@/lib/domain/types";

// nextDispatchStep decides every step of a request's dispatch (lib/domain/dispatch-step.ts);
// lib/dispatch only reads and writes what it says. Tables for each branch, then properties
// over generated histories: never a stage twice, never beside a live delivery, never stalled.

const NOW = new Date("2026-03-01T12:00:00.000Z");
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const POLICY: DispatchPolicy = {
  maxAttempts: 3,
  retryBaseMs: 1_000,
  checkMs: 5_000,
  reloadTimeoutSeconds: 300,
  legacyLeaseMs: 40_000,
};
const READY: DispatchFacts = { target: "ready", change: { valid: true } };

const SEALED = "the reload target's secret cannot be decrypted with this SECRETS_KEY; save the target again";

const all = (status: string): DispatchRequest => ({ status, targets: ["a", "b", "c"], canary: [] });
const canary = (status: string): DispatchRequest => ({ status, targets: ["a", "b", "c"], canary: ["a"] });

let ids = 0;
type Outcome = DispatchAttempt["outcome"];
function attempt(stage: DispatchStage, n: number, outcome: Outcome, more: Partial<DispatchAttempt> = {}) {
  const row: DispatchAttempt = {
    id: String(++ids),
    stage,
    attempt: n,
    outcome,
    startedAt: at(-60),
    finishedAt: outcome === "sending" ? null : at(-59),
    nextAttemptAt: null,
    leaseUntil: outcome === "sending" ? at(5) : null,
    leaseLapsed: false,
    ...more,
  };
  return row;
}

function run(request: DispatchRequest | null, attempts: DispatchAttempt[] = [], facts = READY): DispatchStep {
  return nextDispatchStep({ kind: "run", now: NOW, request, attempts, facts }, POLICY);
}

function answer(status: string | null, given: Partial<DispatchAnswer>): DispatchStep {
  const base: DispatchAnswer = {
    stage: "all",
    attempt: 1,
    sentTo: ["a", "b", "c"],
    targets: ["a", "b", "c"],
    stillSending: true,
    delivery: { delivered: true, httpStatus: 202 },
    jitter: 0.5,
  };
  const request = status === null ? null : all(status);
  return nextDispatchStep({ kind: "answer", now: NOW, request, answer: { ...base, ...given } }, POLICY);
}

describe("nextDispatchStep: a dispatch job's run", () => {
  test.each<[string, DispatchStep, DispatchStep]>([
    ["a request that is gone", run(null), { result: { step: "nothing", status: "missing" } }],
    ["a request pending", run(all("pending_approval")), { result: { step: "nothing", status: "pending_approval" } }],
    ["a request cancelled", run(all("cancelled")), { result: { step: "nothing", status: "cancelled" } }],
    [
      "approved, all at once: every target, attempt 1",
      run(all("approved")),
      {
        setStatus: { status: "dispatching", reason: null },
        result: { step: "sending", stage: "all", attempt: 1, instances: ["a", "b", "c"] },
      },
    ],
    [
      "a canary request sends its canary first",
      run(canary("dispatching")),
      { result: { step: "sending", stage: "canary", attempt: 1, instances: ["a"] } },
    ],
    [
      "after the canary, the rest",
      run(canary("dispatching"), [attempt("canary", 1, "delivered")]),
      { result: { step: "sending", stage: "rest", attempt: 1, instances: ["b", "c"] } },
    ],
    [
      "the third try after two failed ones",
      run(all("dispatching"), [attempt("all", 1, "failed"), attempt("all", 2, "failed", { nextAttemptAt: at(-1) })]),
      { result: { step: "sending", stage: "all", attempt: 3, instances: ["a", "b", "c"] } },
    ],
    [
      "every stage delivered but the status not moved: settle it and follow the reload",
      run(all("dispatching"), [attempt("all", 1, "delivered")]),
      {
        setStatus: { status: "dispatched", reason: null },
        next: at(5),
        result: { step: "nothing", status: "dispatched" },
      },
    ],
    [
      "a delivery under way: wait for its sender's lease",
      run(all("dispatching"), [attempt("all", 1, "sending", { leaseUntil: at(7) })]),
      { result: { step: "waiting", until: at(7) } },
    ],
    [
      "a delivery from before leases: its sender's until start + the legacy lease",
      run(all("dispatching"), [attempt("all", 1, "sending", { leaseUntil: null, startedAt: at(-10) })]),
      { result: { step: "waiting", until: at(30) } },
    ],
    [
      "too early for the retry: run again when it is due",
      run(all("dispatching"), [attempt("all", 1, "failed", { nextAttemptAt: at(2) })]),
      { next: at(2), result: { step: "waiting", until: at(2) } },
    ],
    [
      "no reload target: the request fails and the reload ends",
      run(all("approved"), [], { target: "missing", change: { valid: true } }),
      {
        setStatus: { status: "failed", reason: "no reload target configured for this service" },
        endReload: { phase: "failed", key: "no-target", reason: "no reload target configured for this service" },
        result: { step: "finished", status: "failed" },
      },
    ],
    [
      "the change moved before anything was sent: invalidated, the reload refused",
      run(all("approved"), [], { target: "ready", change: { valid: false, reason: "v2 is desired now" } }),
      {
        setStatus: { status: "invalidated", reason: "v2 is desired now" },
        endReload: { phase: "rejected", reason: "v2 is desired now" },
        result: { step: "finished", status: "invalidated" },
      },
    ],
    [
      "the change moved after the canary: the reload ends failed with what finished",
      run(canary("dispatching"), [attempt("canary", 1, "delivered")], {
        target: "ready",
        change: { valid: false, reason: "b left" },
      }),
      {
        setStatus: { status: "invalidated", reason: "b left" },
        endReload: { phase: "failed", key: "invalidated", reason: "the rest was not sent: b left" },
        result: { step: "finished", status: "invalidated" },
      },
    ],
    [
      "a secret this SECRETS_KEY cannot open",
      run(all("approved"), [], { target: "unreadable", change: { valid: true } }),
      {
        setStatus: { status: "failed", reason: SEALED },
        endReload: { phase: "failed", key: "secret", reason: SEALED },
        result: { step: "finished", status: "failed" },
      },
    ],
  ])("%s", (_, step, expected) => {
    expect(step).toEqual(expected);
  });

  test("a sender that died: its attempt is declared unknown and the stage goes again at once", () => {
    const lapsed = attempt("all", 1, "sending", { leaseLapsed: true });
    expect(run(all("dispatching"), [lapsed])).toEqual({
      declareUnknown: lapsed,
      result: { step: "sending", stage: "all", attempt: 2, instances: ["a", "b", "c"] },
    });
  });

  test("a sender that died on the last allowed attempt: the request fails", () => {
    const lapsed = attempt("all", 3, "sending", { leaseLapsed: true });
    expect(run(all("dispatching"), [attempt("all", 1, "failed"), attempt("all", 2, "failed"), lapsed])).toEqual({
      declareUnknown: lapsed,
      setStatus: { status: "failed", reason: `delivery failed after 3 attempts: ${UNKNOWN_OUTCOME}` },
      result: { step: "finished", status: "failed" },
    });
  });

  test("a fact the status needs but the run did not read is a bug, not a guess", () => {
    expect(() => run(canary("canary"), [], READY)).toThrow(/canaryReports/);
    expect(() => run(all("approved"), [], {})).toThrow(/target/);
  });
});

describe("nextDispatchStep: the canary", () => {
  const delivered = attempt("canary", 1, "delivered", { finishedAt: at(-60) });
  const reported = (phase: (typeof PHASES)[number] | null, error: string | null = null) => ({
    canaryReports: [{ instance: "a", phase, error }],
  });

  test.each<[string, DispatchFacts, DispatchStep]>([
    [
      "acked: the rest goes now",
      reported("acked"),
      {
        setStatus: { status: "dispatching", reason: null },
        next: "now",
        result: { step: "nothing", status: "dispatching" },
      },
    ],
    [
      "refused: the request fails, the rest is never sent",
      reported("nacked", "bad config"),
      {
        setStatus: { status: "failed", reason: "canary failed: a refused: bad config" },
        endReload: { phase: "failed", key: "canary-failed", reason: "canary failed: a refused: bad config" },
        result: { step: "finished", status: "failed" },
      },
    ],
    ["not yet: check again", reported(null), { next: at(5), result: { step: "waiting", until: at(5) } }],
  ])("%s", (_, facts, expected) => {
    expect(run(canary("canary"), [delivered], facts)).toEqual(expected);
  });

  test("no ack within the reload timeout: the canary failed", () => {
    const long = attempt("canary", 1, "delivered", { finishedAt: at(-301) });
    expect(run(canary("canary"), [long], reported("staged"))).toEqual({
      setStatus: { status: "failed", reason: "canary failed: a did not ack within 300 s" },
      endReload: { phase: "failed", key: "canary-failed", reason: "canary failed: a did not ack within 300 s" },
      result: { step: "finished", status: "failed" },
    });
  });
});

describe("nextDispatchStep: following the reload once all is sent", () => {
  const sent = (secondsAgo: number) => [attempt("all", 1, "delivered", { finishedAt: at(-secondsAgo) })];

  test.each<[string, string | null, number, DispatchStep]>([
    [
      "succeeded",
      "succeeded",
      10,
      { setStatus: { status: "succeeded", reason: null }, result: { step: "finished", status: "succeeded" } },
    ],
    [
      "partially failed ends the request so, not plain failed",
      "partially_failed",
      10,
      {
        setStatus: { status: "partially_failed", reason: "the reload ended partially failed" },
        result: { step: "finished", status: "partially_failed" },
      },
    ],
    ["still going", "in_progress", 10, { next: at(5), result: { step: "waiting", until: at(5) } }],
    ["the last dispatched event not stored yet", null, 10, { next: at(5), result: { step: "waiting", until: at(5) } }],
    [
      "nothing heard for twice the reload timeout",
      null,
      601,
      {
        setStatus: { status: "failed", reason: "no instance reported on the reload after its dispatch" },
        result: { step: "finished", status: "failed" },
      },
    ],
  ])("%s", (_, reloadStatus, secondsAgo, expected) => {
    expect(run(all("dispatched"), sent(secondsAgo), { reloadStatus })).toEqual(expected);
  });
});

describe("nextDispatchStep: an attempt's answer", () => {
  test.each<[string, DispatchStep, DispatchStep]>([
    [
      "after its attempt was declared unknown: dropped",
      answer("dispatching", { stillSending: false }),
      { result: { step: "late", stage: "all", attempt: 1 } },
    ],
    [
      "the canary delivered: its dispatched event names every target; the acks are checked next",
      answer("dispatching", { stage: "canary", sentTo: ["a"] }),
      {
        record: { outcome: "delivered", httpStatus: 202, targets: ["a", "b", "c"] },
        setStatus: { status: "canary", reason: null },
        next: at(5),
        result: { step: "sent", stage: "canary", attempt: 1, delivered: true },
      },
    ],
    [
      "the rest delivered: its event names the rest",
      answer("dispatching", { stage: "rest", sentTo: ["b", "c"] }),
      {
        record: { outcome: "delivered", httpStatus: 202, targets: ["b", "c"] },
        setStatus: { status: "dispatched", reason: null },
        next: at(5),
        result: { step: "sent", stage: "rest", attempt: 1, delivered: true },
      },
    ],
    [
      "delivered to a request cancelled meanwhile: it keeps its status",
      answer("cancelled", {}),
      {
        record: { outcome: "delivered", httpStatus: 202, targets: ["a", "b", "c"] },
        next: at(5),
        result: { step: "sent", stage: "all", attempt: 1, delivered: true },
      },
    ],
    [
      "a failed first attempt: retried after the base delay (jitter in the middle)",
      answer("dispatching", { delivery: { delivered: false, httpStatus: 503, error: "HTTP 503" } }),
      {
        record: { outcome: "failed", httpStatus: 503, error: "HTTP 503", nextAttemptAt: at(1) },
        next: at(1),
        result: { step: "sent", stage: "all", attempt: 1, delivered: false },
      },
    ],
    [
      "the last attempt failed: given up, the request fails",
      answer("dispatching", { attempt: 3, delivery: { delivered: false, httpStatus: null, error: "timed out" } }),
      {
        record: { outcome: "gave_up", httpStatus: null, error: "timed out", nextAttemptAt: null },
        setStatus: { status: "failed", reason: "delivery failed after 3 attempts: timed out" },
        result: { step: "sent", stage: "all", attempt: 3, delivered: false },
      },
    ],
  ])("%s", (_, step, expected) => {
    expect(step).toEqual(expected);
  });
});

// Generated histories: a request's stages in order, each with some failed, unknown or given-up
// tries and perhaps its delivery (the next stage only after it), and perhaps one attempt still
// `sending` on the first stage not delivered, as the planner leaves them.
const STATUSES = [
  ...["approved", "dispatching", "canary", "dispatched"],
  ...["pending_approval", "cancelled", "failed", "invalidated"],
];

const keysArb = fc.uniqueArray(fc.constantFrom<string>("a", "b", "c", "d", "e"), { minLength: 1, maxLength: 5 });
const requestArb = keysArb.chain((targets) =>
  fc.record({
    status: fc.constantFrom(...STATUSES),
    targets: fc.constant(targets),
    canary: fc.nat({ max: targets.length - 1 }).map((n) => targets.slice(0, n)),
  }),
);

const stageArb = fc.record({
  tries: fc.array(fc.constantFrom("failed" as const, "unknown" as const, "gave_up" as const), { maxLength: 3 }),
  delivered: fc.boolean(),
  retryInSeconds: fc.option(fc.integer({ min: -600, max: 600 })),
});

const historyArb = fc.record({
  stages: fc.tuple(stageArb, stageArb),
  sending: fc.option(
    fc.record({ leaseLapsed: fc.boolean(), leaseInSeconds: fc.option(fc.integer({ min: -30, max: 30 })) }),
  ),
  finishedSecondsAgo: fc.integer({ min: 0, max: 1_000 }),
});

const factsArb = fc.record({
  target: fc.constantFrom("ready" as const, "missing" as const, "unreadable" as const),
  change: fc.constantFrom<{ valid: true } | { valid: false; reason: string }>(
    { valid: true },
    { valid: false, reason: "the version underneath moved" },
  ),
  canaryPhase: fc.array(fc.option(fc.constantFrom(...PHASES)), { minLength: 5, maxLength: 5 }),
  reloadStatus: fc.option(fc.constantFrom(...RELOAD_STATUSES)),
});

type History = typeof historyArb extends fc.Arbitrary<infer T> ? T : never;
type Facts = typeof factsArb extends fc.Arbitrary<infer T> ? T : never;

function attemptsFor(request: DispatchRequest, history: History): DispatchAttempt[] {
  const stages: DispatchStage[] = request.canary.length > 0 ? ["canary", "rest"] : ["all"];
  const attempts: DispatchAttempt[] = [];
  let id = 0;
  const add = (stage: DispatchStage, outcome: DispatchAttempt["outcome"], more: Partial<DispatchAttempt> = {}) =>
    attempts.push({
      id: String(++id),
      stage,
      attempt: attempts.filter((a) => a.stage === stage).length + 1,
      outcome,
      startedAt: at(-history.finishedSecondsAgo - 1),
      finishedAt: outcome === "sending" ? null : at(-history.finishedSecondsAgo),
      nextAttemptAt: null,
      leaseUntil: null,
      leaseLapsed: false,
      ...more,
    });
  for (const [i, stage] of stages.entries()) {
    const plan = history.stages[i]!;
    for (const [j, outcome] of plan.tries.entries()) {
      const last = j === plan.tries.length - 1;
      const retry = outcome === "failed" && last && plan.retryInSeconds !== null;
      add(stage, outcome, retry ? { nextAttemptAt: at(plan.retryInSeconds!) } : {});
    }
    if (!plan.delivered) {
      if (history.sending) {
        const { leaseLapsed, leaseInSeconds } = history.sending;
        add(stage, "sending", { leaseLapsed, leaseUntil: leaseInSeconds === null ? null : at(leaseInSeconds) });
      }
      break;
    }
    add(stage, "delivered");
  }
  return attempts;
}

function factsFor(request: DispatchRequest, facts: Facts): DispatchFacts {
  return {
    target: facts.target,
    change: facts.change,
    canaryReports: request.canary.map((instance, i) => ({
      instance,
      phase: facts.canaryPhase[i] ?? null,
      error: null,
    })),
    reloadStatus: facts.reloadStatus,
  };
}

describe("nextDispatchStep: properties over generated histories", () => {
  const scenario = fc.record({ request: requestArb, history: historyArb, facts: factsArb });

  test("never sends a delivered stage, nor beside a live delivery, nor the rest before the canary is in", () => {
    fc.assert(
      fc.property(scenario, ({ request, history, facts }) => {
        const attempts = attemptsFor(request, history);
        const step = run(request, attempts, factsFor(request, facts));
        if (step.result.step !== "sending") return;
        const { stage, attempt: n, instances } = step.result;
        const delivered = (s: DispatchStage) => attempts.some((a) => a.stage === s && a.outcome === "delivered");
        expect(delivered(stage)).toBe(false);
        expect(attempts.some((a) => a.outcome === "sending" && !a.leaseLapsed)).toBe(false);
        expect(n).toBe(attempts.filter((a) => a.stage === stage).length + 1);
        if (stage === "rest") expect(delivered("canary")).toBe(true);
        expect(instances.length).toBeGreaterThan(0);
        expect(instances.every((i) => request.targets.includes(i))).toBe(true);
        if (stage === "rest") expect(instances.some((i) => request.canary.includes(i))).toBe(false);
      }),
    );
  });

  test("never stalls: a request on its way sends, finishes, queues its next run, or waits on a live sender", () => {
    fc.assert(
      fc.property(scenario, ({ request, history, facts }) => {
        const attempts = attemptsFor(request, history);
        const step = run(request, attempts, factsFor(request, facts));
        if (dispatchNeeds(request.status) === null) {
          expect(step).toEqual({ result: { step: "nothing", status: request.status } });
          return;
        }
        const { step: kind } = step.result;
        if (kind === "finished") {
          // It ends out of dispatch's hands, and says how.
          expect(step.setStatus).toBeDefined();
          expect(dispatchNeeds(step.setStatus!.status)).toBeNull();
          expect(step.result).toEqual({ step: "finished", status: step.setStatus!.status });
        } else if (kind !== "sending") {
          const liveSender = attempts.some((a) => a.outcome === "sending" && !a.leaseLapsed);
          expect(step.next !== undefined || liveSender).toBe(true);
        }
        if (step.endReload) expect(kind).toBe("finished");
        // A reload is refused (never desired) only before anything of it went out.
        if (step.endReload?.phase === "rejected") expect(attempts.some((a) => a.outcome === "delivered")).toBe(false);
      }),
    );
  });

  test("an answer: dropped when late; else recorded, then a check, or a retry within its backoff", () => {
    const answerArb = fc.record({
      status: fc.option(fc.constantFrom(...STATUSES)),
      attempt: fc.integer({ min: 1, max: POLICY.maxAttempts }),
      stillSending: fc.boolean(),
      delivered: fc.boolean(),
      jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    });
    fc.assert(
      fc.property(answerArb, ({ status, attempt: n, stillSending, delivered, jitter }) => {
        const delivery: DispatchAnswer["delivery"] = delivered
          ? { delivered: true, httpStatus: 200 }
          : { delivered: false, httpStatus: 500, error: "HTTP 500" };
        const step = answer(status, { attempt: n, stillSending, delivery, jitter });
        if (!stillSending) {
          expect(step).toEqual({ result: { step: "late", stage: "all", attempt: n } });
          return;
        }
        expect(step.result).toEqual({ step: "sent", stage: "all", attempt: n, delivered });
        if (delivered) {
          expect(step.record?.outcome).toBe("delivered");
          expect(step.next).toEqual(at(POLICY.checkMs / 1000));
          return;
        }
        const record = step.record!;
        if (record.outcome === "delivered") throw new Error("an undelivered answer recorded as delivered");
        if (n >= POLICY.maxAttempts) {
          expect(record).toMatchObject({ outcome: "gave_up", nextAttemptAt: null });
          expect(step.next).toBeUndefined();
          expect(step.setStatus?.status).toBe(status === "dispatching" ? "failed" : undefined);
          return;
        }
        const nominal = POLICY.retryBaseMs * 2 ** (n - 1);
        const delay = record.nextAttemptAt!.getTime() - NOW.getTime();
        expect(record.outcome).toBe("failed");
        expect(step.next).toEqual(record.nextAttemptAt);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal * 0.75));
        expect(delay).toBeLessThanOrEqual(Math.ceil(nominal * 1.25));
        expect(step.setStatus).toBeUndefined();
      }),
    );
  });
});
