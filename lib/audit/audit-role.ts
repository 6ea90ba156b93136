import type { Sql } from "@/lib/db/client";

// The audit log's triggers bind the app only when its database role neither owns audit_log
// (an owner may disable or drop them) nor is a superuser (docs/adr/0020). Said once at start,
// because the app works either way and the operator is the one who can fix it.

/** One log line when the connection's role could alter audit_log; null when it cannot. */
export async function auditRoleWarning(sql: Sql): Promise<string | null> {
  const [row] = await sql.query<{ role: string; superuser: boolean; owner: boolean; changes: boolean }[]>(
    `SELECT current_user AS role, r.rolsuper AS superuser,
            pg_has_role(current_user, c.relowner, 'MEMBER') AS owner,
            has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE') AS changes
       FROM pg_roles r, pg_class c
      WHERE r.rolname = current_user AND c.oid = to_regclass('audit_log')`,
  );
  if (!row) return null;
  const why = row.superuser
    ? "is a superuser"
    : row.owner
      ? "owns audit_log"
      : row.changes
        ? "may UPDATE, DELETE or TRUNCATE audit_log"
        : null;
  if (!why) return null;
  return (
    `[reloadscope] warning: the app's database role "${row.role}" ${why}, so it could switch off the audit log's triggers and delete entries; ` +
    `run migrations as another role with DATABASE_MIGRATION_URL (README, Security), and keep AUDIT_ANCHOR_FILE so deleted newest entries are found`
  );
}
