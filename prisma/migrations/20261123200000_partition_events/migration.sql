-- reload_event becomes a table partitioned by day of occurred_at (docs/adr/0009), so that
-- retention drops whole partitions instead of deleting rows. Valid on PostgreSQL 15 and on
-- PGlite (18).
--
-- A partitioned table's unique indexes must include the partition key, so the primary key
-- becomes (id, occurred_at) and an event id's uniqueness moves to reload_event_id, which
-- ingest writes first (ON CONFLICT (id) DO NOTHING). Partitions are named
-- reload_event_pYYYYMMDD and cover one UTC day; lib/db/partitions.ts creates the ones ahead
-- (and those this migration leaves out) and lib/db/retention.ts drops expired ones.
-- reload_event_default catches a row whose day has no partition yet, so an insert never fails
-- for want of one; maintenance moves such rows into their day's partition.

-- 1. Set the old table aside, freeing its constraint and index names.
ALTER TABLE "reload_event" RENAME TO "reload_event_unpartitioned";
ALTER TABLE "reload_event_unpartitioned" DROP CONSTRAINT "reload_event_service_id_fkey";
ALTER TABLE "reload_event_unpartitioned" DROP CONSTRAINT "reload_event_instance_id_fkey";
ALTER TABLE "reload_event_unpartitioned" DROP CONSTRAINT "reload_event_pkey";
DROP INDEX "reload_event_reload_id_occurred_at_idx";
DROP INDEX "reload_event_service_id_occurred_at_idx";
DROP INDEX "reload_event_instance_id_occurred_at_idx";

-- 2. The partitioned table, with the same columns in the same order.
CREATE TABLE "reload_event" (
    "id" TEXT NOT NULL,
    "reload_id" TEXT,
    "service_id" INTEGER NOT NULL,
    "instance_id" INTEGER,
    "kind" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "from_version" TEXT,
    "to_version" TEXT,
    "initiator" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "duration_ms" BIGINT,
    "error" TEXT,
    "trace_id" TEXT,
    "span_id" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "reload_event_pkey" PRIMARY KEY ("id", "occurred_at")
) PARTITION BY RANGE ("occurred_at");

CREATE TABLE "reload_event_default" PARTITION OF "reload_event" DEFAULT;

-- One partition per UTC day that holds stored events.
DO $$
DECLARE
  day date;
BEGIN
  FOR day IN SELECT DISTINCT ("occurred_at" AT TIME ZONE 'UTC')::date FROM "reload_event_unpartitioned" ORDER BY 1 LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF "reload_event" FOR VALUES FROM (%L) TO (%L)',
      'reload_event_p' || to_char(day, 'YYYYMMDD'),
      to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
      to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
    );
  END LOOP;
END
$$;

CREATE INDEX "reload_event_reload_id_occurred_at_idx" ON "reload_event"("reload_id", "occurred_at");
CREATE INDEX "reload_event_service_id_occurred_at_idx" ON "reload_event"("service_id", "occurred_at" DESC);
CREATE INDEX "reload_event_instance_id_occurred_at_idx" ON "reload_event"("instance_id", "occurred_at" DESC);
ALTER TABLE "reload_event" ADD CONSTRAINT "reload_event_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "reload_event" ADD CONSTRAINT "reload_event_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- 3. The event ids: one row per stored event, the unique index that makes a repeat a duplicate.
CREATE TABLE "reload_event_id" (
    "id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reload_event_id_pkey" PRIMARY KEY ("id")
);

-- 4. Move the rows and drop the old table.
INSERT INTO "reload_event" ("id", "reload_id", "service_id", "instance_id", "kind", "resource", "phase", "from_version",
                            "to_version", "initiator", "occurred_at", "received_at", "duration_ms", "error", "trace_id",
                            "span_id", "attributes")
SELECT "id", "reload_id", "service_id", "instance_id", "kind", "resource", "phase", "from_version",
       "to_version", "initiator", "occurred_at", "received_at", "duration_ms", "error", "trace_id",
       "span_id", "attributes"
FROM "reload_event_unpartitioned";
INSERT INTO "reload_event_id" ("id", "occurred_at") SELECT "id", "occurred_at" FROM "reload_event_unpartitioned";
DROP TABLE "reload_event_unpartitioned";
