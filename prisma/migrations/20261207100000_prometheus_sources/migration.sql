-- Prometheus sources (DESIGN.md "Sources", issue 15 §3; lib/sources). A source is a
-- Prometheus-compatible query API the worker reads reload metrics from; its bearer token is
-- sealed like a reload target's secret (lib/crypto/secret-box.ts), never stored in clear.
-- source_series keeps, per series a source answered, its last value and scrape time (what the
-- next query compares against) and what it maps to, for the source's page.
-- Valid on PostgreSQL 15 and on PGlite.

CREATE TABLE "prometheus_source" (
  "id" SERIAL PRIMARY KEY,
  "name" TEXT NOT NULL,
  "url" TEXT NOT NULL,
  "token_ciphertext" TEXT,
  "environment_labels" TEXT[] NOT NULL DEFAULT ARRAY['env', 'environment']::TEXT[],
  "default_environment" TEXT NOT NULL DEFAULT 'default',
  "service_label" TEXT NOT NULL DEFAULT 'job',
  "instance_label" TEXT NOT NULL DEFAULT 'instance',
  "rules" JSONB NOT NULL DEFAULT '[]'::JSONB,
  "demo" BOOLEAN NOT NULL DEFAULT false,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "created_by" INTEGER,
  "last_query_at" TIMESTAMPTZ(3),
  "last_success_at" TIMESTAMPTZ(3),
  "last_error" TEXT,
  "last_error_at" TIMESTAMPTZ(3),
  "last_series" INTEGER,
  "last_events" INTEGER,
  CONSTRAINT "prometheus_source_name_key" UNIQUE ("name")
);

CREATE TABLE "source_series" (
  "source_id" INTEGER NOT NULL REFERENCES "prometheus_source"("id") ON DELETE CASCADE,
  "series_key" TEXT NOT NULL,
  "metric" TEXT NOT NULL,
  "labels" JSONB NOT NULL,
  "value" DOUBLE PRECISION NOT NULL,
  "sampled_at" TIMESTAMPTZ(3) NOT NULL,
  "mapping" JSONB,
  "problem" TEXT,
  PRIMARY KEY ("source_id", "series_key")
);
