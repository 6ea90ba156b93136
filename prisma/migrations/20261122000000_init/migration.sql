-- CreateTable
CREATE TABLE "service" (
    "id" SERIAL NOT NULL,
    "environment" TEXT NOT NULL,
    "namespace" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_event_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "instance" (
    "id" SERIAL NOT NULL,
    "service_id" INTEGER NOT NULL,
    "instance_key" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
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
    "duration_ms" INTEGER,
    "error" TEXT,
    "trace_id" TEXT,
    "span_id" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "reload_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "instance_state" (
    "instance_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "service_id" INTEGER NOT NULL,
    "version" TEXT,
    "since" TIMESTAMPTZ(3),
    "last_phase" TEXT NOT NULL,
    "last_phase_at" TIMESTAMPTZ(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "last_error" TEXT,
    "last_reload_id" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "instance_state_pkey" PRIMARY KEY ("instance_id","kind","resource")
);

-- CreateTable
CREATE TABLE "reload" (
    "id" TEXT NOT NULL,
    "service_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "from_version" TEXT,
    "to_version" TEXT,
    "initiator" TEXT,
    "status" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3),
    "approved_at" TIMESTAMPTZ(3),
    "rejected_at" TIMESTAMPTZ(3),
    "dispatched_at" TIMESTAMPTZ(3),
    "rolled_back_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "first_event_at" TIMESTAMPTZ(3) NOT NULL,
    "last_event_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "convergence_ms" INTEGER,
    "instances_reporting" INTEGER NOT NULL DEFAULT 0,
    "instances_succeeded" INTEGER NOT NULL DEFAULT 0,
    "instances_failed" INTEGER NOT NULL DEFAULT 0,
    "instances_in_progress" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),

    CONSTRAINT "reload_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reload_instance" (
    "reload_id" TEXT NOT NULL,
    "instance_id" INTEGER NOT NULL,
    "phase" TEXT NOT NULL,
    "phase_at" TIMESTAMPTZ(3) NOT NULL,
    "error" TEXT,

    CONSTRAINT "reload_instance_pkey" PRIMARY KEY ("reload_id","instance_id")
);

-- CreateTable
CREATE TABLE "desired_version" (
    "service_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "reload_id" TEXT NOT NULL,
    "set_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "desired_version_pkey" PRIMARY KEY ("service_id","kind","resource")
);

-- CreateTable
CREATE TABLE "ingest_token" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "ingest_token_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "service_environment_namespace_name_key" ON "service"("environment", "namespace", "name");

-- CreateIndex
CREATE UNIQUE INDEX "instance_service_id_instance_key_key" ON "instance"("service_id", "instance_key");

-- CreateIndex
CREATE INDEX "reload_event_reload_id_occurred_at_idx" ON "reload_event"("reload_id", "occurred_at");

-- CreateIndex
CREATE INDEX "reload_event_service_id_occurred_at_idx" ON "reload_event"("service_id", "occurred_at" DESC);

-- CreateIndex
CREATE INDEX "reload_event_instance_id_occurred_at_idx" ON "reload_event"("instance_id", "occurred_at" DESC);

-- CreateIndex
CREATE INDEX "instance_state_service_id_kind_resource_idx" ON "instance_state"("service_id", "kind", "resource");

-- CreateIndex
CREATE INDEX "instance_state_kind_idx" ON "instance_state"("kind");

-- CreateIndex
CREATE INDEX "reload_service_id_first_event_at_idx" ON "reload"("service_id", "first_event_at" DESC);

-- CreateIndex
CREATE INDEX "reload_status_idx" ON "reload"("status");

-- CreateIndex
CREATE UNIQUE INDEX "ingest_token_token_hash_key" ON "ingest_token"("token_hash");

-- AddForeignKey
ALTER TABLE "instance" ADD CONSTRAINT "instance_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reload_event" ADD CONSTRAINT "reload_event_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reload_event" ADD CONSTRAINT "reload_event_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instance_state" ADD CONSTRAINT "instance_state_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "instance_state" ADD CONSTRAINT "instance_state_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reload" ADD CONSTRAINT "reload_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reload_instance" ADD CONSTRAINT "reload_instance_reload_id_fkey" FOREIGN KEY ("reload_id") REFERENCES "reload"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reload_instance" ADD CONSTRAINT "reload_instance_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "desired_version" ADD CONSTRAINT "desired_version_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Leave room in each page of the hot read-model tables, so the per-event updates can be
-- HOT (in-page, no index writes). Not expressible in schema.prisma.
ALTER TABLE "instance_state" SET (fillfactor = 70);
ALTER TABLE "reload_instance" SET (fillfactor = 80);
ALTER TABLE "reload" SET (fillfactor = 80);
ALTER TABLE "instance" SET (fillfactor = 80);
