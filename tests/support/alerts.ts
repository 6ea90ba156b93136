// Helpers for the alert tests: the open and all alerts of a rule, as the table has them.
import { sql } from "@/lib/db/client";

export interface AlertRow {
  id: string;
  fingerprint: string;
  rule: string;
  severity: string;
  state: string;
  service_id: number | null;
  kind: string | null;
  resource: string | null;
  reload_key: string | null;
  summary: string;
  details: Record<string, unknown>;
  labels: Record<string, string>;
  link: string | null;
  started_at: Date;
  last_seen_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: number | null;
  resolved_at: Date | null;
}

export async function alertsOf(rule: string): Promise<AlertRow[]> {
  return sql().query<AlertRow[]>(
    `SELECT id::text, fingerprint, rule, severity, state, service_id, kind, resource, reload_key::text, summary, details, labels, link,
                                         started_at, last_seen_at, acknowledged_at, acknowledged_by, resolved_at
                                  FROM alert WHERE rule = $1 ORDER BY id`,
    rule,
  );
}

/** A user to act as (acknowledge, silence): the actions' domain functions take an actor id. */
export async function createUser(username: string, role: string): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(
    `INSERT INTO app_user (username, role) VALUES ($1, $2) RETURNING id`,
    username,
    role,
  );
  return row!.id;
}

export const later = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
