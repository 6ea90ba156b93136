-- Presence intervals are updated in place, one UPDATE per confirming heartbeat (ADR 0021).
-- With the default fillfactor (100) a page has no room for the new row version: it goes to
-- another page with new index entries, and the table grows with every heartbeat until a
-- vacuum. Half-empty pages keep each update on its page (a HOT update, no index entry) and
-- let the page prune its dead versions, so the table stays the size of its intervals.
-- lib/db/partitions.ts creates new day partitions WITH (fillfactor = 50); this sets the
-- partitions that exist already (new pages follow it). Valid on PostgreSQL 15 and PGlite (18).
DO $$
DECLARE part regclass;
BEGIN
  FOR part IN
    SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = 'presence_interval'::regclass
  LOOP
    EXECUTE format('ALTER TABLE %s SET (fillfactor = 50)', part);
  END LOOP;
END $$;
