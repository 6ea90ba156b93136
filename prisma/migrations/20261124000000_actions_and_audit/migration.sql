-- People acting in the app (issue 7): users and roles, reload requests and their approvals,
-- approval policies, reload targets (where dispatch sends), dispatch attempts, and the
-- append-only, hash-chained audit log. Valid on PostgreSQL 15 and on PGlite (18).

-- A person who signs in: a local user (password_hash, argon2id) or one from the OIDC issuer
-- (oidc_subject = "<issuer>|<sub>"; role mapped from a claim at each sign-in).
CREATE TABLE "app_user" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "display_name" TEXT NOT NULL DEFAULT '',
    "email" TEXT,
    "password_hash" TEXT,
    "oidc_subject" TEXT,
    "groups" TEXT[] NOT NULL DEFAULT '{}',
    "role" TEXT NOT NULL,
    "disabled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_sign_in_at" TIMESTAMPTZ(3),

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "app_user_role_check" CHECK ("role" IN ('viewer', 'operator', 'approver', 'admin'))
);
CREATE UNIQUE INDEX "app_user_username_key" ON "app_user"("username");
CREATE UNIQUE INDEX "app_user_oidc_subject_key" ON "app_user"("oidc_subject");

-- How many distinct approvers a service's requests need (0, 1 or 2), optionally from one group.
-- A service without a row needs one approver.
CREATE TABLE "approval_policy" (
    "service_id" INTEGER NOT NULL,
    "required_approvals" INTEGER NOT NULL,
    "required_group" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" INTEGER,

    CONSTRAINT "approval_policy_pkey" PRIMARY KEY ("service_id"),
    CONSTRAINT "approval_policy_required_check" CHECK ("required_approvals" BETWEEN 0 AND 2),
    CONSTRAINT "approval_policy_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "approval_policy_updated_by_fkey" FOREIGN KEY ("updated_by") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- Where a service's reloads are sent: a webhook URL and its HMAC secret, encrypted
-- (AES-256-GCM, lib/crypto) because dispatch must sign with it; never shown again.
CREATE TABLE "reload_target" (
    "service_id" INTEGER NOT NULL,
    "url" TEXT NOT NULL,
    "secret_ciphertext" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" INTEGER,

    CONSTRAINT "reload_target_pkey" PRIMARY KEY ("service_id"),
    CONSTRAINT "reload_target_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "reload_target_updated_by_fkey" FOREIGN KEY ("updated_by") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- A reload or rollback asked for in the app. `reload_id` is the reloadId its events carry.
-- `change_hash` binds approvals to exactly (service, kind, resource, from, to, scope);
-- `scope` is {"mode":"all"} or {"mode":"canary","count":n} / {"mode":"canary","percent":p};
-- `targets` / `canary` are the instance keys chosen when the request was made.
CREATE TABLE "reload_request" (
    "id" BIGSERIAL NOT NULL,
    "reload_id" TEXT NOT NULL,
    "service_id" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "from_version" TEXT,
    "to_version" TEXT NOT NULL,
    "scope" JSONB NOT NULL,
    "targets" TEXT[] NOT NULL,
    "canary" TEXT[] NOT NULL DEFAULT '{}',
    "reason" TEXT NOT NULL,
    "requested_by" INTEGER NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "change_hash" TEXT NOT NULL,
    "required_approvals" INTEGER NOT NULL,
    "required_group" TEXT,
    "status" TEXT NOT NULL,
    "status_reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reload_request_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reload_request_action_check" CHECK ("action" IN ('reload', 'rollback')),
    CONSTRAINT "reload_request_status_check" CHECK ("status" IN
        ('pending_approval', 'approved', 'rejected', 'expired', 'invalidated', 'dispatching', 'canary', 'dispatched', 'succeeded', 'partially_failed', 'failed', 'rolled_back', 'cancelled')),
    CONSTRAINT "reload_request_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "reload_request_requested_by_fkey" FOREIGN KEY ("requested_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "reload_request_reload_id_key" ON "reload_request"("reload_id");
CREATE INDEX "reload_request_status_idx" ON "reload_request"("status", "requested_at" DESC);
CREATE INDEX "reload_request_service_idx" ON "reload_request"("service_id", "requested_at" DESC);

-- One decision per person per request (the primary key makes a double click one decision).
CREATE TABLE "approval" (
    "request_id" BIGINT NOT NULL,
    "approver_id" INTEGER NOT NULL,
    "decision" TEXT NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "change_hash" TEXT NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "approval_pkey" PRIMARY KEY ("request_id", "approver_id"),
    CONSTRAINT "approval_decision_check" CHECK ("decision" IN ('approved', 'rejected')),
    CONSTRAINT "approval_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "reload_request"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "approval_approver_id_fkey" FOREIGN KEY ("approver_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- Every webhook delivery attempt of a request, per stage (canary, rest, or all at once).
CREATE TABLE "dispatch_attempt" (
    "id" BIGSERIAL NOT NULL,
    "request_id" BIGINT NOT NULL,
    "stage" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "url" TEXT NOT NULL,
    "traceparent" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "http_status" INTEGER,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3),
    "worker" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "dispatch_attempt_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "dispatch_attempt_stage_check" CHECK ("stage" IN ('all', 'canary', 'rest')),
    CONSTRAINT "dispatch_attempt_outcome_check" CHECK ("outcome" IN ('delivered', 'failed', 'gave_up')),
    CONSTRAINT "dispatch_attempt_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "reload_request"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "dispatch_attempt_request_idx" ON "dispatch_attempt"("request_id", "id");

-- The audit log: every attempted action, allowed or not. Append-only (the triggers below
-- refuse UPDATE and DELETE) and hash-chained: hash = sha256(prev_hash || canonical entry),
-- appended under one advisory lock so the chain has no forks (lib/audit).
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor_id" INTEGER,
    "actor" TEXT NOT NULL,
    "actor_role" TEXT,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "service_id" INTEGER,
    "subject" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_log_outcome_check" CHECK ("outcome" IN ('allowed', 'denied', 'invalid', 'failed'))
);
CREATE UNIQUE INDEX "audit_log_hash_key" ON "audit_log"("hash");
-- No two entries may chain onto the same previous one: a fork is refused by the database
-- even if a writer skipped the advisory lock.
CREATE UNIQUE INDEX "audit_log_prev_hash_key" ON "audit_log"("prev_hash");
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at" DESC, "id" DESC);
CREATE INDEX "audit_log_actor_idx" ON "audit_log"("actor", "id" DESC);
CREATE INDEX "audit_log_action_idx" ON "audit_log"("action", "id" DESC);
CREATE INDEX "audit_log_service_idx" ON "audit_log"("service_id", "id" DESC);
CREATE INDEX "audit_log_subject_idx" ON "audit_log"("subject", "id");
CREATE INDEX "audit_log_denied_idx" ON "audit_log"("id") WHERE "outcome" = 'denied';

CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
CREATE TRIGGER "audit_log_no_delete" BEFORE DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
-- Row triggers do not fire on TRUNCATE, and a log emptied whole would verify as intact
-- (the next entry starts a new chain from the genesis hash), so TRUNCATE is refused too.
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
