-- A dispatched event's targets and targetCount are part of its content (DESIGN.md, Reload
-- events): stored with the event, so a resend under the same id with other targets is refused
-- and a recount from history sees the scope. Null for every other event and for events
-- stored before this migration.
ALTER TABLE "reload_event" ADD COLUMN "targets" JSONB;
ALTER TABLE "reload_event" ADD COLUMN "target_count" INTEGER;
