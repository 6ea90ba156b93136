-- The reload model rules (DESIGN.md, docs/adr/0005): a reload is one per service, keyed by
-- an opaque surrogate id; durations are 64-bit; a reload knows its targets and deadline;
-- ingest tokens carry scopes. Valid on PostgreSQL 15 and on PGlite (18).

-- reload: (service_id, reload_id) is the identity; "id" is the opaque key.
ALTER TABLE "reload_instance" DROP CONSTRAINT "reload_instance_reload_id_fkey";
ALTER TABLE "reload" DROP CONSTRAINT "reload_pkey";
ALTER TABLE "reload" RENAME COLUMN "id" TO "reload_id";
ALTER TABLE "reload" ADD COLUMN "id" BIGSERIAL NOT NULL;
ALTER TABLE "reload" ADD CONSTRAINT "reload_pkey" PRIMARY KEY ("id");
CREATE UNIQUE INDEX "reload_service_id_reload_id_key" ON "reload"("service_id", "reload_id");
CREATE INDEX "reload_reload_id_idx" ON "reload"("reload_id");
CREATE INDEX "reload_first_event_at_id_idx" ON "reload"("first_event_at" DESC, "id" DESC);
CREATE INDEX "reload_service_id_kind_resource_first_event_at_idx" ON "reload"("service_id", "kind", "resource", "first_event_at" DESC);
CREATE INDEX "reload_last_event_at_idx" ON "reload"("last_event_at");

ALTER TABLE "reload" ALTER COLUMN "convergence_ms" TYPE BIGINT;
ALTER TABLE "reload" ADD COLUMN "target_count" INTEGER;
ALTER TABLE "reload" ADD COLUMN "scope" TEXT;
ALTER TABLE "reload" ADD COLUMN "instances_targeted" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reload" ADD COLUMN "participants" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reload" ADD COLUMN "instances_rolled_back" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reload" ADD COLUMN "instances_nacked" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reload" ADD COLUMN "last_succeeded_at" TIMESTAMPTZ(3);
ALTER TABLE "reload" ADD COLUMN "last_finished_at" TIMESTAMPTZ(3);
ALTER TABLE "reload" ADD COLUMN "cancelled_at" TIMESTAMPTZ(3);
ALTER TABLE "reload" ADD COLUMN "expired_at" TIMESTAMPTZ(3);
ALTER TABLE "reload" ADD COLUMN "deadline_at" TIMESTAMPTZ(3);
ALTER TABLE "reload" ADD COLUMN "started_at" TIMESTAMPTZ(3);
ALTER TABLE "reload" ADD COLUMN "last_dispatched_at" TIMESTAMPTZ(3);
-- An instance heard from shortly before an implicitly scoped reload started is one of its
-- targets, even when its event arrives after the reload's.
CREATE INDEX "reload_implicit_started_at_idx" ON "reload"("service_id", "kind", "resource", "started_at")
  WHERE "scope" = 'implicit';
CREATE INDEX "reload_implicit_started_at_only_idx" ON "reload"("started_at") WHERE "scope" = 'implicit';
-- The expiry sweep looks only at reloads still under way.
CREATE INDEX "reload_deadline_at_open_idx" ON "reload"("deadline_at")
  WHERE "status" IN ('pending_approval', 'approved', 'dispatching', 'in_progress');

-- reload_instance: one row per target or reporting instance; phase is null until it reports.
ALTER TABLE "reload_instance" ADD COLUMN "reload_key" BIGINT;
UPDATE "reload_instance" ri SET "reload_key" = r."id" FROM "reload" r WHERE r."reload_id" = ri."reload_id";
DELETE FROM "reload_instance" WHERE "reload_key" IS NULL;
ALTER TABLE "reload_instance" DROP CONSTRAINT "reload_instance_pkey";
ALTER TABLE "reload_instance" DROP COLUMN "reload_id";
ALTER TABLE "reload_instance" ALTER COLUMN "reload_key" SET NOT NULL;
ALTER TABLE "reload_instance" ADD CONSTRAINT "reload_instance_pkey" PRIMARY KEY ("reload_key", "instance_id");
ALTER TABLE "reload_instance" ADD CONSTRAINT "reload_instance_reload_key_fkey" FOREIGN KEY ("reload_key") REFERENCES "reload"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "reload_instance" ALTER COLUMN "phase" DROP NOT NULL;
ALTER TABLE "reload_instance" ALTER COLUMN "phase_at" DROP NOT NULL;
ALTER TABLE "reload_instance" ADD COLUMN "targeted" BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX "reload_instance_instance_id_idx" ON "reload_instance"("instance_id");

-- desired_version points at the reload that set it by its key.
ALTER TABLE "desired_version" ADD COLUMN "reload_key" BIGINT;
UPDATE "desired_version" d SET "reload_key" = r."id" FROM "reload" r WHERE r."reload_id" = d."reload_id" AND r."service_id" = d."service_id";
DELETE FROM "desired_version" WHERE "reload_key" IS NULL;
ALTER TABLE "desired_version" ALTER COLUMN "reload_key" SET NOT NULL;

-- The fallback of a withdrawn reload's desired version finds its rows by key.
CREATE INDEX "desired_version_reload_key_idx" ON "desired_version"("reload_key");

-- Durations are 64-bit milliseconds.
ALTER TABLE "reload_event" ALTER COLUMN "duration_ms" TYPE BIGINT;

-- "When did the fleet last change" reads the newest value of two indexes.
CREATE INDEX "instance_state_since_idx" ON "instance_state"("since");
-- No index mentions instance_state.outcome or last_phase_at, so the per-event updates that
-- change only those stay HOT; the sweep that ends stale "in progress" states scans the table.

-- Tokens carry scopes: ingest and/or read.
ALTER TABLE "ingest_token" ADD COLUMN "scopes" TEXT[] NOT NULL DEFAULT ARRAY['ingest', 'read']::TEXT[];
