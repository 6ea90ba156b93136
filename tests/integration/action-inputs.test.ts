// Server actions refuse what Postgres would refuse, as field errors:
// NUL in toVersion, reason or resource, and ids beyond int4, passed zod and ended as
// "Something went wrong" with an unexpected-error log line. The real actions run, through
// defineAction, against the database; only the session (a cookie in a request) is stood in.
import { beforeEach, describe, expect, test, vi } from "vitest";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { sql } from "@/lib/db/client";
import { acceptEvents, event, minutesAgo } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

vi.mock("@/lib/auth/actor", async (importOriginal) => ({ ...(await importOriginal<object>()), currentActor: vi.fn() }));
const { currentActor } = await import("@/lib/auth/actor");
const { requestReload } = await import("@/lib/requests/actions/request-reload");
const { approveRequest } = await import("@/lib/approvals/actions/approve-request");
const { changeUserRole } = await import("@/lib/admin/actions/change-user-role");
const { createUser } = await import("@/lib/admin/actions/create-user");
const { acknowledgeAlert } = await import("@/lib/alerts/actions/acknowledge-alert");
const { silenceAlert } = await import("@/lib/alerts/actions/silence-alert");
const { unsilenceAlert } = await import("@/lib/alerts/actions/unsilence-alert");
const { updateAlertRule } = await import("@/lib/alerts/actions/update-alert-rule");
const { ActionError, defineAction } = await import("@/lib/auth/define-action");

useTestDatabase();

let serviceId: number;
const actAs = async (username: string, role: Actor["role"]) => {
  const [row] = await sql().query<{ id: number }[]>(
    `INSERT INTO app_user (username, role) VALUES ($1, $2) RETURNING id`,
    username,
    role,
  );
  vi.mocked(currentActor).mockResolvedValue({ id: row!.id, username, displayName: username, role, groups: [] });
};

beforeEach(async () => {
  await acceptEvents(
    ["c-1", "c-2"].map((instance) =>
      event({
        environment: "prod",
        namespace: "payments",
        service: "checkout-api",
        instance,
        toVersion: "v1",
        occurredAt: minutesAgo(1),
      }),
    ),
  );
  [{ id: serviceId }] = (await sql().query<{ id: number }[]>(`SELECT id FROM service`)) as [{ id: number }];
  vi.spyOn(console, "error");
});

const noUnexpectedErrors = () =>
  expect(vi.mocked(console.error).mock.calls.filter((c) => String(c[0]).includes("failed (error id"))).toEqual([]);
const auditOutcomes = async () =>
  (await sql().query<{ outcome: string }[]>(`SELECT outcome FROM audit_log ORDER BY id`)).map((r) => r.outcome);

describe("what Postgres would refuse is a field error", () => {
  const valid = () => ({
    serviceId,
    kind: "config",
    resource: "routes.yaml",
    toVersion: "v2",
    scope: "all",
    reason: "new routes",
  });

  test.each([
    ["toVersion", { toVersion: "v2\u0000" }],
    ["reason", { reason: "because\u0000" }],
    ["resource", { resource: "routes\u0000.yaml" }],
  ])("NUL in %s", async (field, patch) => {
    await actAs("olga", "operator");
    const answer = await requestReload({ ...valid(), ...patch });
    expect(answer).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { [field]: ["must not contain NUL characters (\\u0000)"] },
    });
    expect(await sql().query(`SELECT 1 FROM reload_request`)).toEqual([]);
    expect(await auditOutcomes()).toEqual(["invalid"]);
    noUnexpectedErrors();
  });

  test("a serviceId of 2^31", async () => {
    await actAs("olga", "operator");
    const answer = await requestReload({ ...valid(), serviceId: 2 ** 31 });
    expect(answer).toMatchObject({ ok: false, code: "invalid", fieldErrors: { serviceId: [expect.any(String)] } });
    noUnexpectedErrors();
  });

  test("a requestId beyond bigint, a userId of 2^31", async () => {
    await actAs("ada", "admin");
    expect(await approveRequest({ requestId: "99999999999999999999", comment: "" })).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { requestId: [expect.any(String)] },
    });
    expect(await changeUserRole({ userId: 2 ** 31, role: "viewer" })).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { userId: [expect.any(String)] },
    });
    noUnexpectedErrors();
  });

  test("NUL in a new user's display name", async () => {
    await actAs("ada", "admin");
    const answer = await createUser({
      username: "nina",
      displayName: "Ni\u0000na",
      role: "viewer",
      groups: [],
      password: "a long enough passphrase",
    });
    expect(answer).toMatchObject({ ok: false, code: "invalid", fieldErrors: { displayName: [expect.any(String)] } });
    noUnexpectedErrors();
  });

  test("a 3 MiB reason or a 1 MiB password is a field error, not a crash", async () => {
    await actAs("ada", "admin");
    expect(await requestReload({ ...valid(), reason: "x".repeat(3 * 1024 * 1024) })).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { reason: [expect.any(String)] },
    });
    expect(
      await createUser({ username: "nina", role: "viewer", groups: [], password: "p".repeat(1024 * 1024) }),
    ).toMatchObject({ ok: false, code: "invalid", fieldErrors: { password: [expect.any(String)] } });
    noUnexpectedErrors();
  });

  test("an alert id beyond bigint is a field error", async () => {
    await actAs("ada", "admin");
    expect(await acknowledgeAlert({ alertId: "9999999999999999999" })).toMatchObject({
      ok: false,
      code: "invalid",
      fieldErrors: { alertId: ["must be an alert id"] },
    });
    noUnexpectedErrors();
  });
});

describe("a refusal that reaches Postgres all the same is 'invalid', audited so, never 'Something went wrong'", () => {
  // An action whose schema lets anything through, and whose transaction hands the value to
  // Postgres: in a plain SQL transaction, and in Prisma's (pg's error comes wrapped in Prisma's).
  const input = z.object({ query: z.string(), value: z.string() });
  const passThrough = defineAction({
    permission: "alert.configure",
    input,
    run: async ({ tx, input }) => {
      await tx.query(input.query, input.value);
      return { data: null };
    },
  });
  const passThroughPrisma = defineAction({
    prisma: true,
    permission: "alert.configure",
    input,
    run: async ({ tx, input }) => {
      await tx.query(input.query, input.value);
      return { data: null };
    },
  });

  const refusals = [
    ["22021: NUL in text", "SELECT $1::text", "a\u0000b", /cannot be stored/],
    ["22P05: NUL in jsonb", "SELECT $1::jsonb", '"a\\u0000b"', /cannot be stored/],
    ["22003: 2^31 as int4", "SELECT $1::int", String(2 ** 31), /out of range/],
    ["22P02: text as an int", "SELECT $1::int", "twelve", /not in the form expected/],
  ] as const;

  describe.each([
    ["SQL", passThrough],
    ["Prisma", passThroughPrisma],
  ])("in a %s transaction", (_kind, action) =>
    test.each(refusals)("%s", async (_name, query, value, message) => {
      await actAs("ada", "admin");
      const answer = await action({ query, value });
      expect(answer).toMatchObject({ ok: false, code: "invalid", error: expect.stringMatching(message) });
      expect((answer as { error: string }).error).not.toMatch(/Something went wrong|UTF8|integer|jsonb/);
      expect(await auditOutcomes()).toEqual(["invalid"]);
      noUnexpectedErrors();
    }),
  );
});

describe("an action of a CRUD room (prisma: true): its Prisma writes and its audit entry commit together", () => {
  const addViewer = defineAction({
    prisma: true,
    permission: "user.manage",
    input: z.object({ username: z.string(), refuse: z.boolean() }),
    run: async ({ tx, input }) => {
      await tx.db.appUser.create({ data: { username: input.username, role: "viewer" } });
      if (input.refuse) throw new ActionError("conflict", "refused after the write");
      return { data: null };
    },
  });

  test("allowed: the row and an 'allowed' entry; refused after the write: no row, a 'failed' entry", async () => {
    await actAs("ada", "admin");
    expect(await addViewer({ username: "kept", refuse: false })).toEqual({ ok: true, data: null });
    expect(await addViewer({ username: "gone", refuse: true })).toMatchObject({ ok: false, code: "conflict" });
    const rows = await sql().query<{ username: string }[]>(
      `SELECT username FROM app_user WHERE username IN ('kept', 'gone')`,
    );
    expect(rows.map((r) => r.username)).toEqual(["kept"]);
    expect(await auditOutcomes()).toEqual(["allowed", "failed"]);
    noUnexpectedErrors();
  });
});

describe("the alert actions write with Prisma Client beside their SQL row locks and audit entries", () => {
  test("acknowledge, silence, end the silence, change a rule: each changes its row once and is audited", async () => {
    const [alert] = await sql().query<{ id: string }[]>(
      `INSERT INTO alert (fingerprint, rule, severity, state, service_id, summary, started_at, last_seen_at, updated_at)
       VALUES ('fp-1', 'instance_stale', 'warning', 'firing', $1, 'c-1 is silent', now(), now(), now()) RETURNING id::text`,
      serviceId,
    );
    await actAs("otto", "operator");
    const alertId = alert!.id;
    expect(await acknowledgeAlert({ alertId })).toEqual({ ok: true, data: { alertId, changed: true } });
    expect(await acknowledgeAlert({ alertId })).toEqual({ ok: true, data: { alertId, changed: false } });
    const silenced = await silenceAlert({ alertId, duration: "1h", comment: "maintenance" });
    expect(silenced).toMatchObject({ ok: true, data: { silenceId: expect.stringMatching(/^\d+$/) } });
    const { silenceId } = (silenced as { data: { silenceId: string } }).data;
    expect(await unsilenceAlert({ silenceId })).toEqual({ ok: true, data: { silenceId, changed: true } });
    expect(await unsilenceAlert({ silenceId })).toEqual({ ok: true, data: { silenceId, changed: false } });
    await actAs("ada", "admin");
    const rule = { rule: "instance_stale", enabled: true, severity: "info", params: { silentMinutes: 45 } } as const;
    expect(await updateAlertRule(rule)).toEqual({ ok: true, data: rule });

    const [stored] = await sql().query<
      { state: string; by: string; silences: number; ended: number; params: unknown }[]
    >(
      `SELECT a.state, u.username AS by,
              (SELECT count(*)::int FROM alert_silence WHERE fingerprint = 'fp-1') AS silences,
              (SELECT count(*)::int FROM alert_silence WHERE ended_at IS NOT NULL) AS ended,
              (SELECT params FROM alert_rule WHERE rule = 'instance_stale') AS params
       FROM alert a JOIN app_user u ON u.id = a.acknowledged_by WHERE a.id = $1::bigint`,
      alertId,
    );
    expect(stored).toEqual({ state: "acknowledged", by: "otto", silences: 1, ended: 1, params: { silentMinutes: 45 } });
    expect(await auditOutcomes()).toEqual(["allowed", "allowed", "allowed", "allowed", "allowed", "allowed"]);
    noUnexpectedErrors();
  });
});
