import "server-only";
import type { Sql } from "@/lib/db/client";
import type { DispatchStep, ReloadEnding } from "@/lib/domain/dispatch-step";
import { enqueueJob } from "@/lib/jobs/queue";
import { controlFailedEvent, invalidatedEvent, type RequestFacts } from "./control-events";
import { setStatus } from "./request-row";

// Doing what a dispatch step says (lib/domain/dispatch-step.ts), in the transaction that holds
// the request's row lock: timeline events go out as a `control-events` job, the next run as a
// `dispatch` job, both committing with the step (docs/adr/0013).

/** Queues control-plane events for the timeline. */
export async function queueEvents(tx: Sql, events: Record<string, unknown>[]): Promise<void> {
  await enqueueJob(tx, "control-events", { events });
}

/**
 * The parts every step may end with, after its own: the request's status, the event that
 * ends the reload, the next run. True when it queued something to run now (wake the worker
 * once the transaction has committed).
 */
export async function settleStep(tx: Sql, facts: RequestFacts, step: DispatchStep, now: Date): Promise<boolean> {
  if (step.setStatus) await setStatus(tx, facts.requestId, step.setStatus.status, step.setStatus.reason);
  if (step.endReload) await queueEvents(tx, [endingEvent(facts, step.endReload, now)]);
  if (step.next) {
    const requestId = facts.requestId;
    await enqueueJob(tx, "dispatch", { requestId }, step.next === "now" ? {} : { runAt: step.next });
  }
  return step.endReload !== undefined || step.next === "now";
}

function endingEvent(facts: RequestFacts, ending: ReloadEnding, now: Date): Record<string, unknown> {
  if (ending.phase === "failed") return controlFailedEvent(facts, ending.key, now, ending.reason);
  return invalidatedEvent(facts, now, ending.reason);
}
