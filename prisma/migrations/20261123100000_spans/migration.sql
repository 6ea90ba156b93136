-- Spans received on POST /v1/traces (OTLP/HTTP), stored with their resource, scope,
-- attributes, events, links and status (docs/adr/0008). Valid on PostgreSQL 15 and on
-- PGlite (18).
--
-- Partitioned by range of start_time, so retention drops whole partitions: lib/db/partitions.ts
-- adds the daily partitions span_pYYYYMMDD; span_default catches a span whose day has none
-- yet, so an insert never fails for want of one. A partitioned table's unique indexes must
-- include the partition key, hence the primary key (trace_id, span_id, start_time): a span
-- sent again (same ids, same start) is stored once by ON CONFLICT DO NOTHING.
CREATE TABLE "span" (
    "trace_id" TEXT NOT NULL,
    "span_id" TEXT NOT NULL,
    "parent_span_id" TEXT,
    "trace_state" TEXT,
    "name" TEXT NOT NULL,
    "kind" INTEGER NOT NULL DEFAULT 0,
    "start_time" TIMESTAMPTZ(6) NOT NULL,
    "end_time" TIMESTAMPTZ(6) NOT NULL,
    "duration_ns" BIGINT NOT NULL,
    "status_code" INTEGER NOT NULL DEFAULT 0,
    "status_message" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "events" JSONB NOT NULL DEFAULT '[]',
    "links" JSONB NOT NULL DEFAULT '[]',
    "resource_attributes" JSONB NOT NULL DEFAULT '{}',
    "scope_name" TEXT NOT NULL DEFAULT '',
    "scope_version" TEXT NOT NULL DEFAULT '',
    "scope_attributes" JSONB NOT NULL DEFAULT '{}',
    "service_id" INTEGER NOT NULL,
    "instance_key" TEXT,
    "reload_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "span_pkey" PRIMARY KEY ("trace_id", "span_id", "start_time")
) PARTITION BY RANGE ("start_time");

CREATE TABLE "span_default" PARTITION OF "span" DEFAULT;

-- A service's recent spans.
CREATE INDEX "span_service_id_start_time_idx" ON "span"("service_id", "start_time" DESC);

-- The spans of one reload (identity: service + reloadId). Partial, since most spans carry no
-- reload.id; not expressible in schema.prisma.
CREATE INDEX "span_service_id_reload_id_idx" ON "span"("service_id", "reload_id") WHERE "reload_id" IS NOT NULL;

ALTER TABLE "span" ADD CONSTRAINT "span_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;
