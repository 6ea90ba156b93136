-- Sessions are signed JWTs (ADR 0012): a password reset or disabling a user moves the user's
-- session epoch on, and a session carries the epoch read with the password hash (or by the
-- OIDC upsert) at sign-in; the per-request user read refuses any other epoch.
ALTER TABLE "app_user" ADD COLUMN "session_epoch" INTEGER NOT NULL DEFAULT 0;
