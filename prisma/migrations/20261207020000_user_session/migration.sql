-- One row per sign-in (ADR 0012): the session JWT carries the row's id (`sid`), and sign-out
-- sets ended_at, so a cookie replayed after sign-out is refused by every replica's per-request
-- user read. Rows are deleted once past the absolute session lifetime (at the user's next
-- sign-in), so the table holds at most a day or so of sign-ins.
CREATE TABLE "user_session" (
    "id" UUID NOT NULL,
    "user_id" INTEGER NOT NULL,
    "signed_in_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "user_session_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "user_session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE
);
CREATE INDEX "user_session_user_id_signed_in_at_idx" ON "user_session"("user_id", "signed_in_at");
