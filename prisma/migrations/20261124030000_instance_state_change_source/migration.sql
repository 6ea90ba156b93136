-- Who changed an instance's version (issue 8, the out-of-band alert; docs/adr/0014): the
-- version it ran before `since`, and whether a heartbeat (not a reload's phase) reported the
-- change. Ingest keeps both in the same fold and transaction as the rest of the row
-- (lib/domain/instance-state.ts), so the alert reads the few heartbeat-made changes through
-- the partial index instead of probing reload_event per pair. Valid on PostgreSQL 15 and on
-- PGlite (18).

ALTER TABLE "instance_state" ADD COLUMN "previous_version" TEXT;
ALTER TABLE "instance_state" ADD COLUMN "changed_by_heartbeat" BOOLEAN NOT NULL DEFAULT false;

-- Snapshots hold the same columns: the snapshot job and the replay fold onto them with the
-- same function, and the fleet replayed at "now" is the live read model, column for column.
-- Snapshots taken before this migration read as "no known change" (null, false).
ALTER TABLE "instance_state_snapshot_row" ADD COLUMN "previous_version" TEXT;
ALTER TABLE "instance_state_snapshot_row" ADD COLUMN "changed_by_heartbeat" BOOLEAN NOT NULL DEFAULT false;

-- Rows written before this migration: the facts from history, as the alert used to derive
-- them (the event at `since` a heartbeat on that version; the version of the pair's report
-- before it), for rows whose `since` lies within the longest lookback the alert allows
-- (30 days). Older rows keep null/false: no alert could report them anyway.
UPDATE "instance_state" st
SET "previous_version" = prev.version,
    "changed_by_heartbeat" = prev.version IS NOT NULL AND prev.version <> st.version AND EXISTS (
      SELECT 1 FROM "reload_event" e
      WHERE e.instance_id = st.instance_id AND e.occurred_at = st.since AND e.kind = st.kind AND e.resource = st.resource
        AND e.phase = 'heartbeat' AND e.to_version = st.version)
FROM "instance_state" s2
CROSS JOIN LATERAL (
  SELECT CASE WHEN e.phase = 'rolled_back' THEN e.from_version ELSE e.to_version END AS version
  FROM "reload_event" e
  WHERE e.instance_id = s2.instance_id AND e.occurred_at < s2.since AND e.kind = s2.kind AND e.resource = s2.resource
    AND e.phase IN ('heartbeat', 'applied', 'acked', 'rolled_back')
  ORDER BY e.occurred_at DESC LIMIT 1
) prev
WHERE s2.instance_id = st.instance_id AND s2.kind = st.kind AND s2.resource = st.resource
  AND st.since >= now() - interval '30 days' AND st.version IS NOT NULL
  AND prev.version IS DISTINCT FROM st.version;

-- The out-of-band alert's candidates: heartbeat-made changes, newest first by `since`. Few
-- rows (most versions change by reload); updates that move only last_phase_at or outcome
-- touch no indexed column, so they stay HOT.
CREATE INDEX "instance_state_changed_by_heartbeat_since_idx" ON "instance_state"("since") WHERE "changed_by_heartbeat";
