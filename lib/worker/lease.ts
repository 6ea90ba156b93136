import "server-only";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { sql } from "@/lib/db/client";

// One process at a time for a periodic job (alert evaluation, alert delivery, source polling;
// the schedule takes it before each run, schedule.ts): a lease row in alert_cursor
// ("<owner> <expiry>"), taken or renewed by one statement on the database's clock, with no
// transaction or connection held between runs — a session advisory lock would hold the
// embedded database's only connection (docs/adr/0014, 0016, 0022).

/** This process, as a lease owner. */
export const PROCESS_OWNER = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

/** Takes `name` for `leaseMs` when it is free or expired, or renews it for its owner; true when `owner` holds it now. */
export async function takeLease(name: string, leaseMs: number, owner = PROCESS_OWNER): Promise<boolean> {
  const rows = await sql().query<object[]>(
    `INSERT INTO alert_cursor (name, value) VALUES ($1, $2 || ' ' || (now() + make_interval(secs => $3))::text)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value
     WHERE split_part(alert_cursor.value, ' ', 1) = $2 OR substr(alert_cursor.value, strpos(alert_cursor.value, ' ') + 1)::timestamptz < now()
     RETURNING 1`,
    name,
    owner,
    leaseMs / 1000,
  );
  return rows.length > 0;
}
