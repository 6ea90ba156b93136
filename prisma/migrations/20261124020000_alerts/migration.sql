-- Alerts (issue 8): per-rule configuration, the alerts themselves (opened once per
-- fingerprint, updated while the condition lasts, resolved when it clears), silences,
-- every delivery attempt, and cursors for incremental scans. Valid on PostgreSQL 15 and on
-- PGlite (18). See docs/adr/0014-alerts.md.

-- An admin's overrides of one rule: on/off, severity, thresholds. `params` holds only what
-- was changed; the defaults live in code (lib/domain/alerts), so a new parameter needs no
-- migration. A rule without a row runs with its defaults.
CREATE TABLE "alert_rule" (
    "rule" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "severity" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" INTEGER,

    CONSTRAINT "alert_rule_pkey" PRIMARY KEY ("rule"),
    CONSTRAINT "alert_rule_severity_check" CHECK ("severity" IN ('critical', 'warning', 'info')),
    CONSTRAINT "alert_rule_updated_by_fkey" FOREIGN KEY ("updated_by") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- One alert: a condition identified by its fingerprint (rule + what it is about), from the
-- first evaluation that saw it to the one that saw it clear. `details` carries what the
-- page shows (instances, drift age, before/after numbers, grouped errors); `labels` what
-- Alertmanager routes on; `link` the reload timeline or the replay instant.
CREATE TABLE "alert" (
    "id" BIGSERIAL NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "service_id" INTEGER,
    "kind" TEXT,
    "resource" TEXT,
    "reload_key" BIGINT,
    "summary" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "labels" JSONB NOT NULL DEFAULT '{}',
    "link" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(3),
    "acknowledged_by" INTEGER,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "alert_severity_check" CHECK ("severity" IN ('critical', 'warning', 'info')),
    CONSTRAINT "alert_state_check" CHECK ("state" IN ('firing', 'acknowledged', 'resolved')),
    CONSTRAINT "alert_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "alert_acknowledged_by_fkey" FOREIGN KEY ("acknowledged_by") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
-- The same condition seen twice (or by two evaluations at once) opens one alert.
CREATE UNIQUE INDEX "alert_open_fingerprint_key" ON "alert"("fingerprint") WHERE "state" <> 'resolved';
CREATE INDEX "alert_state_started_idx" ON "alert"("state", "started_at" DESC);
CREATE INDEX "alert_open_service_idx" ON "alert"("service_id") WHERE "state" <> 'resolved';

-- A silence matches an alert when every non-null field matches. A silenced alert keeps its
-- state but is not delivered. Ends at expires_at, or earlier when ended_at is set.
CREATE TABLE "alert_silence" (
    "id" BIGSERIAL NOT NULL,
    "rule" TEXT,
    "service_id" INTEGER,
    "fingerprint" TEXT,
    "comment" TEXT NOT NULL,
    "created_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "alert_silence_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "alert_silence_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "alert_silence_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "alert_silence_active_idx" ON "alert_silence"("expires_at") WHERE "ended_at" IS NULL;

-- Every attempt to deliver an alert's firing or resolution to one channel.
CREATE TABLE "alert_delivery" (
    "id" BIGSERIAL NOT NULL,
    "alert_id" BIGINT NOT NULL,
    "channel" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "http_status" INTEGER,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3),

    CONSTRAINT "alert_delivery_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "alert_delivery_channel_check" CHECK ("channel" IN ('alertmanager', 'slack', 'webhook')),
    CONSTRAINT "alert_delivery_event_check" CHECK ("event" IN ('firing', 'resolved')),
    CONSTRAINT "alert_delivery_outcome_check" CHECK ("outcome" IN ('delivered', 'failed', 'gave_up')),
    CONSTRAINT "alert_delivery_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alert"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "alert_delivery_alert_idx" ON "alert_delivery"("alert_id", "id");

-- Where an incremental scan stopped (e.g. the last audit_log id the unauthorized-attempt
-- rule has read).
CREATE TABLE "alert_cursor" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "alert_cursor_pkey" PRIMARY KEY ("name")
);
