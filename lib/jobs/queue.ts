import "server-only";
import type { Sql } from "@/lib/db/client";
import { boss, bossDb } from "./boss";

// The job queue's producer side (docs/adr/0013-job-queue.md), in lib/jobs so the rooms that
// decide (requests, approvals, dispatch) can enqueue without importing lib/worker, which calls
// into them (docs/adr/0022-one-schedule.md). Jobs are pg-boss jobs, inserted
// with the caller's transaction, so a decision and the work it causes commit or roll back
// together. Workers (lib/worker/worker.ts) fetch with FOR UPDATE SKIP LOCKED, so two
// processes never run one job at once.

export type JobKind = "control-events" | "dispatch";

export const JOB_KINDS: readonly JobKind[] = ["control-events", "dispatch"];

export interface EnqueueOptions {
  /** Not before this instant (server time); default now. */
  runAt?: Date;
  /**
   * At most one waiting job per singletonKey in the `dispatch` queue (pg-boss policy
   * "short"), so a double click or a re-run job does not queue the same work twice.
   * Dispatch jobs default to one key per request.
   */
  singletonKey?: string;
}

export async function enqueueJob(
  tx: Sql,
  kind: JobKind,
  payload: Record<string, unknown>,
  options: EnqueueOptions = {},
): Promise<void> {
  const singletonKey =
    options.singletonKey ??
    (kind === "dispatch" && payload.requestId !== undefined ? `request-${String(payload.requestId)}` : undefined);
  await boss().send(kind, payload, {
    db: bossDb(tx),
    ...(options.runAt ? { startAfter: options.runAt } : {}),
    ...(singletonKey ? { singletonKey } : {}),
  });
}

type Wake = () => void;
const globalForWorker = globalThis as unknown as { reloadscopeWake?: Set<Wake> };

/**
 * An in-process nudge after a commit, so a job just enqueued runs at once rather than at
 * the next poll. Call it after the transaction that enqueued has committed (before, the
 * worker would not see the job). Other processes find the job at their next poll (~1 s).
 */
export function wakeWorker(): void {
  for (const wake of globalForWorker.reloadscopeWake ?? []) wake();
}

/** The worker registers here; returns the unregister function. */
export function onWake(wake: Wake): () => void {
  const listeners = (globalForWorker.reloadscopeWake ??= new Set());
  listeners.add(wake);
  return () => listeners.delete(wake);
}
