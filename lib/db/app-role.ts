// When migrations run as their own role (DATABASE_MIGRATION_URL), the app's role (the user of
// DATABASE_URL) gets what it needs and no more over the audit log (docs/adr/0020): it owns
// every other table of the app and of the job queue (its hourly maintenance creates and drops
// daily partitions, and pg-boss its queue partitions, which only an owner may do), and may only
// SELECT and INSERT audit_log. The migration role keeps audit_log, its id sequence and the
// trigger function, so turning the triggers off, dropping them or replacing their function
// takes the migration role's credentials. Run after every migration, so new tables follow.
// No `server-only`: the migration runner imports it.
import type pg from "pg";

/** Tables the app's role never owns. */
const KEPT_BY_MIGRATIONS = ["audit_log", "_prisma_migrations"];
const SCHEMAS = ["public", "pgboss"];

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

const ALTER: Record<string, string> = { r: "TABLE", p: "TABLE", v: "VIEW", m: "MATERIALIZED VIEW", S: "SEQUENCE" };

/** The role a connection logs in as. */
export async function roleOf(client: pg.ClientBase): Promise<{ role: string; database: string }> {
  const { rows } = await client.query<{ role: string; database: string }>(
    `SELECT current_user AS role, current_database() AS database`,
  );
  return rows[0]!;
}

/** Hands `appRole` the app's tables and SELECT, INSERT on audit_log; `client` is the migration role's connection. */
export async function grantAppRole(client: pg.ClientBase, appRole: string): Promise<void> {
  const app = ident(appRole);
  await client.query("BEGIN");
  try {
    // A deployment that used to migrate as the app's role: the log, its sequence and the
    // trigger function come back to the migration role (which must be a member of the app's
    // role, or a superuser, to take them; as it must be to give the other tables away).
    const kept = await client.query<{ kind: string; name: string }>(
      `SELECT 'TABLE' AS kind, c.oid::regclass::text AS name FROM pg_class c
        WHERE c.oid = to_regclass('public.audit_log') AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
       UNION ALL
       SELECT 'FUNCTION', p.oid::regprocedure::text FROM pg_proc p
        WHERE p.proname = 'audit_log_append_only' AND p.pronamespace = 'public'::regnamespace
          AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
    );
    for (const { kind, name } of kept.rows) await client.query(`ALTER ${kind} ${name} OWNER TO CURRENT_USER`);

    for (const schema of SCHEMAS) {
      const exists = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
      if (exists.rowCount) await client.query(`GRANT USAGE, CREATE ON SCHEMA ${ident(schema)} TO ${app}`);
    }
    // Relations, but not a sequence that belongs to a column (it moves with its table, and
    // audit_log's stays with audit_log), nor members of an extension.
    const relations = await client.query<{ kind: string; name: string }>(
      `SELECT c.relkind::text AS kind, format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1::text[])
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND NOT (n.nspname = 'public' AND c.relname = ANY($2::text[]))
          AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $3)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
        ORDER BY c.oid`,
      [SCHEMAS, KEPT_BY_MIGRATIONS, appRole],
    );
    for (const { kind, name } of relations.rows) await client.query(`ALTER ${ALTER[kind]} ${name} OWNER TO ${app}`);

    await client.query(`REVOKE ALL ON TABLE public.audit_log FROM PUBLIC, ${app}`);
    await client.query(`GRANT SELECT, INSERT ON TABLE public.audit_log TO ${app}`);
    const sequence = await client.query<{ name: string | null }>(
      `SELECT pg_get_serial_sequence('public.audit_log', 'id') AS name`,
    );
    const auditSequence = sequence.rows[0]?.name;
    if (auditSequence) {
      // nextval needs USAGE; setval (UPDATE) stays refused.
      await client.query(`REVOKE ALL ON SEQUENCE ${auditSequence} FROM PUBLIC, ${app}`);
      await client.query(`GRANT USAGE, SELECT ON SEQUENCE ${auditSequence} TO ${app}`);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
