-- Time-travel replay (issue 6 §5, docs/adr/0010): periodic snapshots of the instance-state
-- read model, each the fold of the events up to its instant. The fleet at T is the newest
-- snapshot at or before T plus the events after it, folded with the same function as ingest.
-- Valid on PostgreSQL 15 and on PGlite (18).

CREATE TABLE "instance_state_snapshot" (
    "id" BIGSERIAL NOT NULL,
    -- the instant the snapshot is the state at (a slot boundary); events with occurred_at <= at are in it
    "at" TIMESTAMPTZ(3) NOT NULL,
    "built_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "row_count" INTEGER NOT NULL,
    -- the events folded onto the previous snapshot (or history) to make this one
    "events_folded" INTEGER NOT NULL,
    -- services with at least one row, so the replay can page services without scanning rows
    "service_ids" INTEGER[] NOT NULL DEFAULT '{}',

    CONSTRAINT "instance_state_snapshot_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "instance_state_snapshot_at_key" ON "instance_state_snapshot"("at");

-- No foreign keys to service/instance: a snapshot is history, and checking 60k references per
-- snapshot would double its cost. A deleted service's rows go when its snapshots age out.
CREATE TABLE "instance_state_snapshot_row" (
    "snapshot_id" BIGINT NOT NULL,
    "service_id" INTEGER NOT NULL,
    "instance_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "version" TEXT,
    "since" TIMESTAMPTZ(3),
    "last_phase" TEXT NOT NULL,
    "last_phase_at" TIMESTAMPTZ(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "last_error" TEXT,
    "last_reload_id" TEXT,

    CONSTRAINT "instance_state_snapshot_row_pkey" PRIMARY KEY ("snapshot_id", "service_id", "instance_id", "kind", "resource")
);
ALTER TABLE "instance_state_snapshot_row" ADD CONSTRAINT "instance_state_snapshot_row_snapshot_id_fkey"
    FOREIGN KEY ("snapshot_id") REFERENCES "instance_state_snapshot"("id") ON DELETE CASCADE ON UPDATE CASCADE;
