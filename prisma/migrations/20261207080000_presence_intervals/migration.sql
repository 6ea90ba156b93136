-- Presence intervals (DESIGN.md "History rules", docs/adr/0021): a heartbeat that reports the
-- version its instance × resource already runs, with no reload of it in progress, is not an
-- event; it extends the pair's current interval (instance, kind, resource, version,
-- first_heard_at, last_heard_at). Valid on PostgreSQL 15 and on PGlite (18).
--
-- Partitioned by day of first_heard_at like reload_event (docs/adr/0009): an interval never
-- crosses a UTC midnight (ingest starts a new one), so its last heard time lies in the day
-- of its partition and retention drops it whole once that day left the window. The partition
-- key is the one column ingest never updates, so extending an interval never moves its row.
-- lib/db/partitions.ts creates the day partitions, lib/db/retention.ts drops them;
-- presence_interval_default catches a day without one, as reload_event_default does.

CREATE TABLE "presence_interval" (
    "instance_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "first_heard_at" TIMESTAMPTZ(3) NOT NULL,
    "last_heard_at" TIMESTAMPTZ(3) NOT NULL,
    "service_id" INTEGER NOT NULL,
    "version" TEXT NOT NULL,

    CONSTRAINT "presence_interval_pkey" PRIMARY KEY ("instance_id", "kind", "resource", "first_heard_at"),
    CONSTRAINT "presence_interval_heard_check" CHECK ("last_heard_at" >= "first_heard_at")
) PARTITION BY RANGE ("first_heard_at");

CREATE TABLE "presence_interval_default" PARTITION OF "presence_interval" DEFAULT;

-- The replay reads a page of services' intervals over a time range.
CREATE INDEX "presence_interval_service_id_first_heard_at_idx" ON "presence_interval"("service_id", "first_heard_at");
ALTER TABLE "presence_interval" ADD CONSTRAINT "presence_interval_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "presence_interval" ADD CONSTRAINT "presence_interval_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The pair's open interval (its first_heard_at; its version is the state's), so a heartbeat
-- finds the row to extend by primary key. Null: none yet, or the version changed since.
ALTER TABLE "instance_state" ADD COLUMN "presence_from" TIMESTAMPTZ(3);

-- Heartbeat rows already in reload_event stay history and age out with their partitions
-- (ADR 0021): nothing to fold here.
