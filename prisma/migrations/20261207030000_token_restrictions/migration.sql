-- Token restrictions and the sending token of each event (issue 12, findings 4 and 5;
-- docs/adr/0006). Valid on PostgreSQL 15 and on PGlite.

-- The environment/service patterns a token may write and read (lib/domain/token-restrictions.ts);
-- NULL: every service. A restricted token has at least one pattern.
ALTER TABLE "ingest_token" ADD COLUMN "restrictions" TEXT[];
ALTER TABLE "ingest_token" ADD CONSTRAINT "ingest_token_restrictions_check"
  CHECK ("restrictions" IS NULL OR cardinality("restrictions") > 0);

-- The token that sent an event; NULL for what the app wrote itself (requests, dispatch, the
-- demo). Added to the partitioned parent, so every partition, present and future, has it.
-- No foreign key: tokens are revoked, never deleted, and a key would add a lookup per
-- inserted row on the hottest insert of the app.
ALTER TABLE "reload_event" ADD COLUMN "token_id" INTEGER;
