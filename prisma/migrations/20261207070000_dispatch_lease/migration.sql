-- Dispatch after a crash (issue 13 §1; lib/dispatch/recover.ts). A delivery under way holds a
-- short lease on its attempt, renewed while the POST is out; an attempt still `sending` after
-- its lease lapsed belongs to a process that died or lost the database, and becomes
-- `unknown`: on the timeline as such, the stage sent again with the same delivery id.
-- Valid on PostgreSQL 15 and on PGlite.

-- NULL for rows written before leases: those are judged by started_at, as they were then.
ALTER TABLE "dispatch_attempt" ADD COLUMN "lease_until" TIMESTAMPTZ(3);

ALTER TABLE "dispatch_attempt" DROP CONSTRAINT "dispatch_attempt_outcome_check";
ALTER TABLE "dispatch_attempt" ADD CONSTRAINT "dispatch_attempt_outcome_check"
  CHECK ("outcome" IN ('sending', 'delivered', 'failed', 'gave_up', 'unknown'));

-- The recovery sweep runs every few seconds in every worker: it reads only the few rows in flight.
CREATE INDEX "dispatch_attempt_sending_idx" ON "dispatch_attempt"("started_at") WHERE "outcome" = 'sending';
