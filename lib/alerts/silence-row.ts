import "server-only";
import type { Silence } from "@/lib/domain/alerts/silences";

// An alert_silence row as the evaluation pass (lib/alerts/evaluate.ts) and the alert pages
// (lib/alerts/queries.ts) read it: the same columns and mapping, with `created_by` as the
// user's id (evaluation) or their username (the pages join app_user).

export interface SilenceSqlRow<CreatedBy> {
  id: string;
  rule: string | null;
  service_id: number | null;
  fingerprint: string | null;
  comment: string;
  created_by: CreatedBy;
  expires_at: Date;
  ended_at: Date | null;
}

export function toSilenceFields<CreatedBy>(
  r: SilenceSqlRow<CreatedBy>,
): Omit<Silence, "createdBy" | "createdAt"> & { createdBy: CreatedBy } {
  return {
    id: r.id,
    rule: r.rule,
    serviceId: r.service_id,
    fingerprint: r.fingerprint,
    comment: r.comment,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    endedAt: r.ended_at,
  };
}
