import "server-only";
import type { Sql } from "@/lib/db/client";
import { nextDispatchStep } from "@/lib/domain/dispatch-step";
import { queueEvents, settleStep } from "./apply-step";
import { dispatchedEvent, failedAttemptEvent } from "./control-events";
import { finalResult, type AdvanceResult, type SendPlan } from "./plan-step";
import { dispatchPolicy } from "./policy";
import { lockRequest } from "./request-row";
import type { DeliveryOutcome } from "./webhook";

// The second half of a dispatch run (advance.ts): the POST's answer, recorded under the
// request's row lock again, in a transaction of its own. The attempt's row and its timeline
// event, then what the answer leads to (nextDispatchStep): the next stage's check, a retry
// with backoff, or the request's failure after the last attempt.

export async function recordAnswer(
  tx: Sql,
  plan: SendPlan,
  delivery: DeliveryOutcome,
  now: Date,
  random: () => number,
): Promise<AdvanceResult> {
  const policy = dispatchPolicy();
  const request = await lockRequest(tx, plan.request.id);
  const { facts, stage, attempt, sentTo } = plan;
  const [row] = await tx.query<{ outcome: string }[]>(
    `SELECT outcome FROM dispatch_attempt WHERE id = $1`,
    plan.attemptId,
  );
  const stillSending = row?.outcome === "sending";
  const answer = { stage, attempt, sentTo, targets: plan.request.targets, stillSending, delivery, jitter: random() };
  const step = nextDispatchStep({ kind: "answer", now, request, answer }, policy);
  if (step.result.step === "late") {
    const answered = delivery.delivered ? `delivered, HTTP ${delivery.httpStatus}` : delivery.error;
    console.error(
      `[dispatch] the answer to attempt ${attempt} (${stage}) of request ${plan.request.id} came after it was ` +
        `declared unknown (${answered}); the stage is sent again with the same delivery id`,
    );
  }
  const { record } = step;
  const span = { stage, attempt, spanId: plan.spanId, startedAt: plan.startedAt, finishedAt: now, sentTo };
  if (record?.outcome === "delivered") {
    await tx.execute(
      `UPDATE dispatch_attempt SET outcome = 'delivered', finished_at = $2, http_status = $3 WHERE id = $1`,
      plan.attemptId,
      now,
      record.httpStatus,
    );
    const delivered = { ...span, httpStatus: record.httpStatus, targets: [...record.targets] };
    await queueEvents(tx, [dispatchedEvent(facts, delivered)]);
  } else if (record) {
    await tx.execute(
      `UPDATE dispatch_attempt SET outcome = $2, finished_at = $3, http_status = $4, error = $5, next_attempt_at = $6
       WHERE id = $1`,
      plan.attemptId,
      record.outcome,
      now,
      record.httpStatus,
      record.error,
      record.nextAttemptAt,
    );
    const failed = { ...span, maxAttempts: policy.maxAttempts, httpStatus: record.httpStatus, error: record.error };
    await queueEvents(tx, [failedAttemptEvent(facts, failed)]);
  }
  await settleStep(tx, facts, step, now);
  return finalResult(step.result);
}
