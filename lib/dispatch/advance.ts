import "server-only";
import { transaction } from "@/lib/db/client";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { env } from "@/lib/env";
import { wakeWorker } from "@/lib/jobs/queue";
import { planStep, type AdvanceResult } from "./plan-step";
import { recordAnswer } from "./record-answer";
import { holdLease } from "./recover";
import { deliverWebhook } from "./webhook";

// Moves one approved reload request along (DESIGN.md "Dispatch"): each run of the `dispatch` job does
// one step (lib/domain/dispatch-step.ts decides which) and queues the next, so a retry or a
// canary check is a job with a later run_at, never a sleep.
//
// Never twice: every step starts under the request's row lock (FOR UPDATE); a delivery is
// recorded as `sending` before its POST (plan-step.ts), so another worker that gets the lock
// meanwhile sees it and sends nothing; a stage with a delivered attempt is never sent again.
// The POST itself runs outside any transaction: the embedded database has one connection,
// and a webhook may take seconds. While it is out the sender renews a lease on the attempt; a
// sender that dies (or loses the database) lets it lapse, and the attempt becomes unknown
// (recover.ts). Its answer is recorded in a transaction of its own (record-answer.ts).

export type { AdvanceResult } from "./plan-step";

/** How long the sender keeps trying to record an answer while the database is unreachable. */
const RECORD_RETRY_MS = 60_000;

export interface AdvanceOptions {
  now?: () => Date;
  random?: () => number;
}

/** One step of a request's dispatch; the `dispatch` job's handler. */
export async function advanceDispatch(requestId: string, options: AdvanceOptions = {}): Promise<AdvanceResult> {
  const now = options.now ?? (() => new Date());
  const plan = await transaction((tx) => planStep(tx, requestId, now()));
  if (plan.kind === "done") {
    if (plan.wake) wakeWorker();
    return plan.result;
  }
  // Outside the transaction: the POST, under a lease renewed until its answer is recorded.
  const lease = holdLease(plan.attemptId);
  try {
    const outcome = await deliverWebhook({
      url: plan.url,
      body: plan.body,
      secret: plan.secret,
      deliveryId: plan.deliveryId,
      traceparent: plan.traceparent,
      timeoutMs: env().DISPATCH_TIMEOUT_MS,
    });
    const random = options.random ?? Math.random;
    const record = () => transaction((tx) => recordAnswer(tx, plan, outcome, now(), random));
    const result = await recordWhileReachable(record);
    wakeWorker();
    return result;
  } finally {
    lease.stop();
  }
}

/**
 * The answer is known only to this process: if the database went away during the POST, keep
 * trying to record it (a database back within the lease keeps the delivery one delivery).
 * Past the lease a sweep may declare the attempt unknown first; recordAnswer then drops it.
 */
async function recordWhileReachable<T>(record: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RECORD_RETRY_MS;
  for (let wait = 250; ; wait = Math.min(wait * 2, 4_000)) {
    try {
      return await record();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
