-- Sessions are signed JWTs (ADR 0012): a password reset or a disabled account ends the sessions
-- signed in before this cut-off (the session's signedInAt claim, ms), checked on every request.
ALTER TABLE "app_user" ADD COLUMN "sessions_valid_after" TIMESTAMPTZ(3);
