// The app's own database role cannot alter audit_log (DESIGN.md "Roles",
// docs/adr/0020). Migrations run as another role (DATABASE_MIGRATION_URL), which keeps
// audit_log and hands the app's role (DATABASE_URL's user) the rest; the app may then only
// SELECT and INSERT the log: UPDATE, DELETE, TRUNCATE, disabling or dropping its triggers and
// replacing their function are refused by PostgreSQL itself, not only by the triggers.
// Needs a server with more than one role: the embedded PGlite has one (a superuser).
import pg from "pg";
import { describe, expect, inject, test } from "vitest";
import { appendAudit, verifyAuditChain } from "@/lib/audit-chain/audit-log";
import { auditRoleWarning } from "@/lib/audit/audit-role";
import type { Sql } from "@/lib/db/client";
import { migrateDatabase } from "@/lib/db/migrate";
import { ensurePartitions, transactionsOn } from "@/lib/db/partitions";
import { onEmbeddedDatabase } from "../support/use-database";

/** The Sql interface on one pg client, as lib/db/client's transaction() hands it out. */
function sqlOn(client: pg.ClientBase): Sql {
  return {
    async query<T extends object[]>(text: string, ...params: unknown[]) {
      return (await client.query(text, params)).rows as T;
    },
    async execute(text: string, ...params: unknown[]) {
      return (await client.query(text, params)).rowCount ?? 0;
    },
  };
}

async function refusal(client: pg.Client, statement: string): Promise<{ code?: string; message?: string } | null> {
  return client.query(statement).then(
    () => null,
    (error: { code?: string; message?: string }) => error,
  );
}

const embedded = onEmbeddedDatabase();
const title =
  "migrated as another role, the app's role appends through appendAudit and cannot UPDATE, DELETE, TRUNCATE, disable or drop the triggers, replace their function, or switch them off by replica mode";

describe("the app's database role and audit_log", () => {
  test.skipIf(embedded)(
    embedded
      ? `${title} — cannot run on the embedded PGlite: it has one role (a superuser), so no app role exists to withhold anything from`
      : `${title} [real Postgres]`,
    async () => {
      const server = new URL(inject("databaseUrl"));
      const suffix = `${process.pid}_${Date.now().toString(36)}`;
      const appRole = `rs_app_${suffix}`;
      const database = `reloadscope_roles_${suffix}`;
      const password = "app-role-password-for-this-test";
      const admin = new pg.Client({ connectionString: server.toString() });
      await admin.connect();
      await admin.query(`CREATE ROLE "${appRole}" LOGIN PASSWORD '${password}'`);
      await admin.query(`CREATE DATABASE "${database}"`);
      const migrationUrl = new URL(server);
      migrationUrl.pathname = `/${database}`;
      const appUrl = new URL(migrationUrl);
      appUrl.username = appRole;
      appUrl.password = password;
      const app = new pg.Client({ connectionString: appUrl.toString() });
      try {
        // As npm start / npm run db:migrate do with DATABASE_URL and DATABASE_MIGRATION_URL set.
        const result = await migrateDatabase(appUrl.toString(), migrationUrl.toString());
        expect(result.applied.length).toBeGreaterThan(0);
        await app.connect();
        const tx = sqlOn(app);

        // What the app does keeps working: appends chain, it reads them back, other tables
        // are its own, and its hourly partition maintenance can create the days ahead.
        await app.query("BEGIN");
        const first = await appendAudit(tx, {
          actorId: null,
          actor: "alice",
          actorRole: "operator",
          action: "reload.request",
          outcome: "allowed",
        });
        await app.query("COMMIT");
        await app.query("BEGIN");
        const second = await appendAudit(tx, {
          actorId: null,
          actor: "bob",
          actorRole: "approver",
          action: "request.approve",
          outcome: "allowed",
        });
        await app.query("COMMIT");
        expect(second.prevHash).toBe(first.hash);
        expect(await verifyAuditChain(tx)).toMatchObject({ intact: true, entries: 2 });
        await app.query(
          `INSERT INTO service (environment, namespace, name) VALUES ('prod', 'payments', 'checkout-api')`,
        );
        await app.query(`DELETE FROM service`);
        const maintenance = await ensurePartitions(transactionsOn(app), { retentionDays: 40 });
        expect(maintenance.failures).toEqual([]);
        expect(await auditRoleWarning(tx)).toBeNull();

        for (const statement of [
          `UPDATE audit_log SET actor = 'mallory'`,
          `DELETE FROM audit_log`,
          `TRUNCATE audit_log`,
          `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete`,
          `ALTER TABLE audit_log DISABLE TRIGGER ALL`,
          `DROP TRIGGER audit_log_no_delete ON audit_log`,
          `CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END; $$`,
          `CREATE TRIGGER mallory BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
          `ALTER TABLE audit_log OWNER TO CURRENT_USER`,
          `SET session_replication_role = replica`,
          `SELECT setval('audit_log_id_seq', 1)`,
        ]) {
          const error = await refusal(app, statement);
          expect(error, statement).not.toBeNull();
          expect(error!.code, `${statement}: ${error!.message}`).toBe("42501");
        }
        expect((await app.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n).toBe(2);

        // Migrating again (the next deploy) keeps it that way, and sees the app's new partitions.
        expect((await migrateDatabase(appUrl.toString(), migrationUrl.toString())).applied).toEqual([]);
        expect((await refusal(app, `DELETE FROM audit_log`))?.code).toBe("42501");

        // The start-up warning speaks up when the app's role could alter the log.
        const owner = new pg.Client({ connectionString: migrationUrl.toString() });
        await owner.connect();
        try {
          expect(await auditRoleWarning(sqlOn(owner))).toMatch(/superuser.*DATABASE_MIGRATION_URL/);
        } finally {
          await owner.end();
        }
      } finally {
        await app.end().catch(() => {});
        await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await admin.query(`DROP ROLE IF EXISTS "${appRole}"`);
        await admin.end();
      }
    },
  );
});
