import "server-only";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { sql, transaction, type Sql } from "@/lib/db/client";
import { afterUnknownAttempt, UNKNOWN_OUTCOME } from "@/lib/domain/dispatch-step";
import { env } from "@/lib/env";
import { enqueueJob, wakeWorker } from "@/lib/jobs/queue";
import { unknownAttemptEvent } from "./control-events";
import {
  attemptsOf,
  factsOf,
  LEGACY_SENDING_MARGIN_MS,
  lockRequest,
  setStatus,
  type AttemptRow,
  type RequestRow,
} from "./request-row";
import { parseTraceparent } from "./webhook";

// Dispatch after a crash (DESIGN.md "Dispatch"). A delivery is recorded `sending`
// before its POST; if the app is killed, or the database goes away, while the POST is out,
// nobody learns how it ended. Before, such a row waited for the job's expiry (120 s) plus a
// lease counted from its start, and then disappeared from the timeline. Now the sender holds
// a short lease on the attempt, renewed while the POST is out (and while it retries writing
// the answer), and every worker sweeps at start and every few seconds for `sending` rows
// whose lease lapsed: such an attempt is `unknown`, on the timeline as such, and the stage is
// queued to go again at once with the same delivery id (one per stage, webhook.ts), which a
// receiver deduplicates.
//
// A lease, not "is the owner's pid alive": a process id says nothing across hosts, and in a
// container the restarted app has the same pid and host name as the one that died. Times are
// the database's clock, so hosts with skewed clocks agree on when a lease lapsed.

/** How long a sender's claim on a delivery lasts without renewal: the bound on finding a dead sender. */
export const SENDING_LEASE_MS = 10_000;
/** Renewed this often while the POST is out, so a few missed renewals (a busy event loop) are harmless. */
const LEASE_RENEW_MS = 2_500;
/** How often each worker sweeps for lapsed leases (the schedule's dispatch recovery, lib/worker/periodic-jobs.ts). */
export const RECOVERY_SWEEP_MS = 2_000;

/** This process, for the attempt row: host, pid and a per-start nonce (a restarted container keeps its pid). */
export const WORKER_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;

export function legacyLeaseMs(): number {
  return env().DISPATCH_TIMEOUT_MS + LEGACY_SENDING_MARGIN_MS;
}

/** The lease's end for a row inserted now (SQL, in the database's clock). */
export const NEW_LEASE_SQL = `now() + make_interval(secs => ${SENDING_LEASE_MS / 1000})`;

/**
 * Renews the lease on `attemptId` until stopped. A lapsed lease is never renewed: once it
 * lapsed, a sweep may already have declared the attempt unknown and queued it again, and the
 * owner's answer, if it still comes, is recorded only while the row is still `sending`.
 */
export function holdLease(attemptId: string): { stop(): void } {
  let failing = false;
  const renew = async () => {
    try {
      await sql().execute(
        `UPDATE dispatch_attempt SET lease_until = ${NEW_LEASE_SQL}
         WHERE id = $1 AND outcome = 'sending' AND lease_until > now()`,
        attemptId,
      );
      failing = false;
    } catch (error) {
      // The database is away: the lease runs out on its own if it stays away.
      if (!failing)
        console.error(
          `[dispatch] could not renew the lease on delivery attempt ${attemptId}: ${(error as Error).message}`,
        );
      failing = true;
    }
  };
  const timer = setInterval(() => void renew(), LEASE_RENEW_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Declares one `sending` attempt unknown, under its request's lock: its row and its timeline
 * event. What follows is afterUnknownAttempt's (lib/domain/dispatch-step.ts): the stage goes
 * again (a dispatch run goes on at once, the sweep queues one), or the request fails.
 */
export async function recordUnknown(tx: Sql, request: RequestRow, attempt: AttemptRow): Promise<void> {
  const max = env().DISPATCH_MAX_ATTEMPTS;
  await tx.execute(
    `UPDATE dispatch_attempt SET outcome = 'unknown', finished_at = now(), error = $2, next_attempt_at = NULL
     WHERE id = $1 AND outcome = 'sending'`,
    attempt.id,
    UNKNOWN_OUTCOME,
  );
  attempt.outcome = "unknown";
  const facts = factsOf(request, request.trace_id ?? parseTraceparent(attempt.traceparent)?.traceId ?? "");
  const event = unknownAttemptEvent(facts, {
    stage: attempt.stage,
    attempt: attempt.attempt,
    maxAttempts: max,
    spanId: parseTraceparent(attempt.traceparent)?.spanId ?? null,
    startedAt: attempt.started_at,
  });
  await enqueueJob(tx, "control-events", { events: [event] });
}

/**
 * Every `sending` attempt whose lease lapsed becomes unknown, and its request's dispatch is
 * queued to run now. Safe in every process at once: each request is settled under its lock,
 * and a row already settled is skipped. Returns how many attempts it declared unknown.
 */
export async function recoverStalledDeliveries(): Promise<number> {
  const legacy = legacyLeaseMs();
  const stalled = await sql().query<{ request_id: string }[]>(
    `SELECT DISTINCT request_id::text FROM dispatch_attempt
     WHERE outcome = 'sending' AND COALESCE(lease_until, started_at + make_interval(secs => $1::double precision / 1000)) < now()`,
    legacy,
  );
  let declared = 0;
  for (const { request_id: requestId } of stalled) {
    declared += await transaction(async (tx) => {
      const request = await lockRequest(tx, requestId);
      if (!request) return 0;
      const lapsed = (await attemptsOf(tx, requestId, legacy)).filter((a) => a.outcome === "sending" && a.lease_lapsed);
      const policy = { maxAttempts: env().DISPATCH_MAX_ATTEMPTS };
      let gaveUp = false;
      for (const attempt of lapsed) {
        await recordUnknown(tx, request, attempt);
        const after = afterUnknownAttempt(request.status, attempt.attempt, policy);
        if (after.setStatus) await setStatus(tx, request.id, after.setStatus.status, after.setStatus.reason);
        gaveUp = after.gaveUp || gaveUp;
      }
      if (lapsed.length > 0 && !gaveUp) await enqueueJob(tx, "dispatch", { requestId });
      return lapsed.length;
    });
  }
  if (declared > 0) wakeWorker();
  return declared;
}
