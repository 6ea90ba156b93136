// The admin pages' domain code (lib/admin) against the database, inside transactions as the
// actions run it: the last-admin guard under the roster lock (with a real race on Postgres),
// users, tokens written in the action's own transaction, sealed target secrets, policies,
// and the schemas' field errors. The actions' session → permission → audit path is covered
// by the role × action matrix over HTTP (tests/e2e).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listApprovalPolicies, listReloadTargets, listTokens, listUsers } from "@/lib/admin/queries";
import { removeApprovalPolicy, saveApprovalPolicy } from "@/lib/admin/policies";
import {
  changeUserRoleInput,
  createTokenInput,
  createUserInput,
  saveApprovalPolicyInput,
  saveReloadTargetInput,
} from "@/lib/admin/schemas";
import { removeReloadTarget, saveReloadTarget } from "@/lib/admin/targets";
import {
  changeUserGroups,
  changeUserRole,
  insertLocalUser,
  setUserDisabled,
  setUserPasswordHash,
} from "@/lib/admin/users";
import { createIngestToken, markTokenRevoked } from "@/lib/api/token-admin";
import { hashToken, lookupToken } from "@/lib/api/tokens";
import { ActionError } from "@/lib/auth/action-error";
import { actorById } from "@/lib/auth/actor";
import { generateSecretsKey, openSecret } from "@/lib/crypto/secret-box";
import { dbTransaction, sql, type DbTransaction } from "@/lib/db/client";
import type { Role } from "@/lib/domain/permissions";
import { resetEnvCache } from "@/lib/env";
import { concurrencyTest, useTestDatabase } from "../support/use-database";
import { asAdmin } from "../support/readers";

useTestDatabase();

let savedKey: string | undefined;
beforeAll(() => {
  savedKey = process.env.SECRETS_KEY;
  process.env.SECRETS_KEY = generateSecretsKey();
  resetEnvCache();
});
afterAll(() => {
  if (savedKey === undefined) delete process.env.SECRETS_KEY;
  else process.env.SECRETS_KEY = savedKey;
  resetEnvCache();
});

async function user(username: string, role: Role, extra: { disabled?: boolean; oidc?: boolean } = {}): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(
    `INSERT INTO app_user (username, role, password_hash, oidc_subject, disabled_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    username,
    role,
    extra.oidc ? null : "not-a-real-hash",
    extra.oidc ? `https://issuer.test|${username}` : null,
    extra.disabled ? new Date() : null,
  );
  return row!.id;
}

async function service(name: string): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(
    `INSERT INTO service (environment, name) VALUES ('prod', $1) RETURNING id`,
    name,
  );
  return row!.id;
}

async function enabledAdmins(): Promise<string[]> {
  const rows = await sql().query<{ username: string }[]>(
    `SELECT username FROM app_user WHERE role = 'admin' AND disabled_at IS NULL ORDER BY username`,
  );
  return rows.map((r) => r.username);
}

/** Runs `work` in a transaction as the actions do and gives the ActionError it was refused with (rolled back), or null. */
async function refusal(work: (tx: DbTransaction) => Promise<unknown>): Promise<ActionError | null> {
  try {
    await dbTransaction(work);
    return null;
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
}

describe("users and the last-admin guard", () => {
  test("an admin cannot demote or disable themselves; nothing changes", async () => {
    const me = await user("ada", "admin");
    await user("grace", "admin");
    const demote = await refusal((tx) => changeUserRole(tx, me, me, "operator"));
    expect(demote?.code).toBe("conflict");
    expect(demote?.message).toContain("your own admin role");
    const disable = await refusal((tx) => setUserDisabled(tx, me, me, true));
    expect(disable?.message).toContain("disable your own account");
    expect(await enabledAdmins()).toEqual(["ada", "grace"]);
  });

  test("another admin can be demoted and disabled, and enabled again", async () => {
    const me = await user("ada", "admin");
    const grace = await user("grace", "admin");
    const changed = await dbTransaction((tx) => changeUserRole(tx, me, grace, "approver"));
    expect(changed).toEqual({
      username: "grace",
      before: { role: "admin", disabled: false },
      after: { role: "approver", disabled: false },
    });
    await dbTransaction((tx) => setUserDisabled(tx, me, grace, true));
    const [row] = await sql().query<{ role: string; disabled_at: Date | null }[]>(
      `SELECT role, disabled_at FROM app_user WHERE id = $1`,
      grace,
    );
    expect(row!.role).toBe("approver");
    expect(row!.disabled_at).toBeInstanceOf(Date);
    await dbTransaction((tx) => setUserDisabled(tx, me, grace, false));
    expect(
      (await sql().query<{ d: boolean }[]>(`SELECT disabled_at IS NULL AS d FROM app_user WHERE id = $1`, grace))[0]!.d,
    ).toBe(true);
  });

  test("a change that would leave no enabled admin is refused, whoever makes it", async () => {
    // Grace was disabled by Ada a moment ago, but Grace's action (read before) still runs.
    const ada = await user("ada", "admin");
    const grace = await user("grace", "admin", { disabled: true });
    const refused = await refusal((tx) => setUserDisabled(tx, grace, ada, true));
    expect(refused?.message).toContain("no enabled admin");
    const demoted = await refusal((tx) => changeUserRole(tx, grace, ada, "viewer"));
    expect(demoted?.message).toContain("no enabled admin");
    expect(await enabledAdmins()).toEqual(["ada"]);
  });

  test("an unknown user is not found", async () => {
    const me = await user("ada", "admin");
    expect((await refusal((tx) => changeUserRole(tx, me, 99_999, "viewer")))?.code).toBe("not_found");
    expect((await refusal((tx) => setUserDisabled(tx, me, 99_999, true)))?.code).toBe("not_found");
  });

  concurrencyTest("two admins disabling each other at the same instant leave one enabled admin", async () => {
    for (let round = 0; round < 5; round++) {
      await sql().execute(`DELETE FROM app_user`);
      const a = await user(`admin-a${round}`, "admin");
      const b = await user(`admin-b${round}`, "admin");
      const results = await Promise.allSettled([
        dbTransaction((tx) => setUserDisabled(tx, a, b, true)),
        dbTransaction((tx) => setUserDisabled(tx, b, a, true)),
      ]);
      const refused = results.filter((r) => r.status === "rejected");
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(ActionError);
      expect((refused[0] as PromiseRejectedResult).reason.message).toContain("no enabled admin");
      expect(await enabledAdmins()).toHaveLength(1);
    }
  });

  test("a taken username is a field error; the first user is untouched", async () => {
    await user("ada", "viewer");
    const refused = await refusal((tx) =>
      insertLocalUser(tx, { username: "ada", displayName: "", role: "admin", groups: [], passwordHash: "x" }),
    );
    expect(refused?.code).toBe("conflict");
    expect(refused?.fieldErrors).toEqual({ username: ["This username is taken: choose another."] });
    expect((await asAdmin(() => listUsers())).items.map((u) => [u.username, u.role])).toEqual([["ada", "viewer"]]);
  });

  test("a new local user is listed with role, source and groups, and the list carries no password hash", async () => {
    await dbTransaction((tx) =>
      insertLocalUser(tx, {
        username: "lin",
        displayName: "Lin",
        role: "approver",
        groups: ["payments"],
        passwordHash: "hash",
      }),
    );
    await user("oidc-person", "viewer", { oidc: true });
    const { items, total } = await asAdmin(() => listUsers());
    expect(total).toBe(2);
    const lin = items.find((u) => u.username === "lin")!;
    expect(lin).toMatchObject({
      displayName: "Lin",
      role: "approver",
      source: "local",
      groups: ["payments"],
      lastSignInAt: null,
      disabledAt: null,
    });
    expect(items.find((u) => u.username === "oidc-person")!.source).toBe("oidc");
    expect(JSON.stringify(items)).not.toContain("hash");
  });

  test("groups are replaced; a password is set only for local users", async () => {
    const lin = await user("lin", "approver");
    const oidc = await user("oidc-person", "approver", { oidc: true });
    const groups = await dbTransaction((tx) => changeUserGroups(tx, lin, ["payments", "sre"]));
    expect(groups).toEqual({ username: "lin", before: [], after: ["payments", "sre"] });
    await dbTransaction((tx) => setUserPasswordHash(tx, lin, "new-hash"));
    expect(
      (await sql().query<{ password_hash: string }[]>(`SELECT password_hash FROM app_user WHERE id = $1`, lin))[0]!
        .password_hash,
    ).toBe("new-hash");
    const refused = await refusal((tx) => setUserPasswordHash(tx, oidc, "new-hash"));
    expect(refused?.message).toContain("OIDC issuer");
  });

  test("a password reset and disabling end the sessions signed in before them; enabling does not revive those", async () => {
    const lin = await user("lin", "approver");
    const admin = await user("root", "admin");
    const epoch = async () =>
      (await sql().query<{ session_epoch: number }[]>(`SELECT session_epoch FROM app_user WHERE id = $1`, lin))[0]!
        .session_epoch;
    // A session signed in now (the epoch it read at sign-in).
    const first = await epoch();
    expect(await actorById(lin, first)).toMatchObject({ username: "lin" });
    await dbTransaction((tx) => setUserPasswordHash(tx, lin, "new-hash"));
    expect(await actorById(lin, first)).toBeNull();
    const second = await epoch();
    expect(second).toBe(first + 1);
    expect(await actorById(lin, second)).toMatchObject({ username: "lin" });
    // Without a session (a caller that already checked it): the epoch does not apply.
    expect(await actorById(lin, null)).toMatchObject({ username: "lin" });
    await dbTransaction((tx) => setUserDisabled(tx, admin, lin, true));
    expect(await actorById(lin, second)).toBeNull();
    await dbTransaction((tx) => setUserDisabled(tx, admin, lin, false));
    expect(await actorById(lin, second)).toBeNull();
    expect(await actorById(lin, await epoch())).toMatchObject({ username: "lin" });
  });
});

describe("schemas: each problem beside its field", () => {
  test("a form's create-user submission with several problems", () => {
    const parsed = createUserInput.safeParse({
      username: "Ada Lovelace",
      role: "owner",
      groups: "ok, bad\u0007group",
      password: "short",
    });
    expect(parsed.success).toBe(false);
    const fields = new Set(parsed.error!.issues.map((i) => i.path.join(".")));
    expect(fields).toEqual(new Set(["username", "role", "groups.1", "password"]));
  });

  test("a valid form submission: trimmed, groups split, display name defaulted", () => {
    const parsed = createUserInput.parse({
      username: "  lin ",
      role: "approver",
      groups: "payments, sre, payments",
      password: "a long passphrase",
    });
    expect(parsed).toEqual({
      username: "lin",
      displayName: "",
      role: "approver",
      groups: ["payments", "sre"],
      password: "a long passphrase",
    });
  });

  test("groups from a form's empty field or a caller's list: blanks and repeats dropped, a comma refused", () => {
    const base = { username: "lin", role: "viewer", password: "a long passphrase" };
    expect(createUserInput.parse({ ...base, groups: "" }).groups).toEqual([]);
    expect(createUserInput.parse({ ...base, groups: [" ops ", "", "ops", "sre"] }).groups).toEqual(["ops", "sre"]);
    expect(createUserInput.safeParse({ ...base, groups: ["a,b"] }).error?.issues[0]?.path).toEqual(["groups", 0]);
  });

  test("the password may not contain the username", () => {
    const parsed = createUserInput.safeParse({ username: "hopper", role: "viewer", password: "grace-hopper-2026" });
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["password", "Do not put the username in the password."],
    ]);
  });

  test("ids come as form strings too; a blank one asks for a choice", () => {
    expect(changeUserRoleInput.parse({ userId: "12", role: "viewer" })).toEqual({ userId: 12, role: "viewer" });
    expect(changeUserRoleInput.safeParse({ userId: "", role: "viewer" }).error?.issues[0]?.message).toBe(
      "Choose a user.",
    );
  });

  test("a token needs a name and a known scope", () => {
    expect(createTokenInput.parse({ name: " ci ", scopes: "read" })).toEqual({ name: "ci", scopes: ["read"] });
    const parsed = createTokenInput.safeParse({ name: "", scopes: [] });
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toEqual(["name", "scopes"]);
    expect(createTokenInput.safeParse({ name: "x", scopes: ["admin"] }).error?.issues[0]?.path).toEqual(["scopes", 0]);
  });

  test("a reload target: the URL is normalised, an http URL elsewhere than loopback and a short secret are refused", () => {
    expect(
      saveReloadTargetInput.parse({
        serviceId: "3",
        url: " HTTPS://Svc.Internal/reload ",
        secretMode: "generate",
        secret: "ignored",
      }),
    ).toEqual({
      serviceId: 3,
      url: "https://svc.internal/reload",
      secretMode: "generate",
      secret: null,
    });
    const parsed = saveReloadTargetInput.safeParse({
      serviceId: 3,
      url: "http://svc.internal/reload",
      secretMode: "enter",
      secret: "too short",
    });
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toEqual(["url", "secret"]);
  });

  test("a reload target at a link-local, cloud-metadata or (when denied) private address is refused at save, beside the URL field", () => {
    const urlError = (url: string) =>
      saveReloadTargetInput
        .safeParse({ serviceId: 3, url, secretMode: "generate" })
        .error?.issues.find((i) => i.path.join(".") === "url")?.message ?? null;
    try {
      expect(urlError("https://169.254.169.254/latest/meta-data/")).toMatch(
        /^Reload targets may not be at a cloud-metadata address/,
      );
      expect(urlError("https://metadata.google.internal/computeMetadata/v1/")).toMatch(/cloud-metadata/);
      expect(urlError("https://[fe80::1]/reload")).toMatch(/^Reload targets may not be at a link-local address/);
      expect(urlError("https://10.0.0.1/reload")).toBeNull();
      process.env.TARGET_PRIVATE_ADDRESSES = "deny";
      resetEnvCache();
      expect(urlError("https://10.0.0.1/reload")).toMatch(/^Reload targets may not be at a private address/);
      expect(urlError("http://127.0.0.1:3000/api/demo/reload-target")).toMatch(/loopback/);
      expect(urlError("https://checkout.internal/reload")).toBeNull();
      process.env.TARGET_ALLOWED_HOSTS = "10.0.0.0/8";
      resetEnvCache();
      expect(urlError("https://10.0.0.1/reload")).toBeNull();
    } finally {
      delete process.env.TARGET_PRIVATE_ADDRESSES;
      delete process.env.TARGET_ALLOWED_HOSTS;
      resetEnvCache();
    }
  });

  test("a policy: 0–2 approvals, and a group only with approvals", () => {
    expect(
      saveApprovalPolicyInput.parse({ serviceId: "1", requiredApprovals: "2", requiredGroup: " payments " }),
    ).toEqual({
      serviceId: 1,
      requiredApprovals: 2,
      requiredGroup: "payments",
    });
    expect(
      saveApprovalPolicyInput.parse({ serviceId: "1", requiredApprovals: "1", requiredGroup: "" }).requiredGroup,
    ).toBeNull();
    expect(saveApprovalPolicyInput.safeParse({ serviceId: 1, requiredApprovals: 3 }).error?.issues[0]?.path).toEqual([
      "requiredApprovals",
    ]);
    expect(
      saveApprovalPolicyInput.safeParse({ serviceId: 1, requiredApprovals: 0, requiredGroup: "payments" }).error
        ?.issues[0]?.path,
    ).toEqual(["requiredGroup"]);
  });
});

describe("ingest tokens inside the action's transaction", () => {
  test("a token created in a transaction that rolls back does not exist", async () => {
    let token = "";
    await dbTransaction(async (tx) => {
      token = (await createIngestToken("rolled back", ["ingest"], tx.db)).token;
      throw new Error("roll back");
    }).catch(() => {});
    expect(token).toMatch(/^rs_/);
    expect(await lookupToken(hashToken(token))).toBeNull();
  });

  test("created and revoked in transactions; the list shows name, prefix, scopes and revocation, never the token or its hash", async () => {
    const created = await dbTransaction((tx) => createIngestToken("deploy waiter", ["read"], tx.db));
    expect(await lookupToken(hashToken(created.token))).toMatchObject({ scopes: ["read"], revoked: false });
    expect(await dbTransaction((tx) => markTokenRevoked(tx.db, created.id))).toBe(true);
    expect(await dbTransaction((tx) => markTokenRevoked(tx.db, created.id))).toBe(false);
    expect(await lookupToken(hashToken(created.token))).toMatchObject({ revoked: true });
    const listed = (await asAdmin(() => listTokens())).items.find((t) => t.id === created.id)!;
    expect(listed).toMatchObject({
      name: "deploy waiter",
      prefix: created.prefix,
      scopes: ["read"],
      configured: false,
      lastUsedAt: null,
    });
    expect(listed.revokedAt).toBeInstanceOf(Date);
    const text = JSON.stringify(await asAdmin(() => listTokens()));
    expect(text).not.toContain(created.token);
    expect(text).not.toContain(hashToken(created.token));
  });
});

describe("reload targets", () => {
  test("a generated secret is returned once and stored sealed; the list says it is set, never what it is", async () => {
    const me = await user("ada", "admin");
    const checkout = await service("checkout");
    const saved = await dbTransaction((tx) =>
      saveReloadTarget(tx, me, {
        serviceId: checkout,
        url: "https://checkout.internal/reload",
        secretMode: "generate",
        secret: null,
      }),
    );
    expect(saved.created).toBe(true);
    expect(saved.generatedSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await sql().query<{ secret_ciphertext: string; updated_by: number }[]>(
      `SELECT secret_ciphertext, updated_by FROM reload_target WHERE service_id = $1`,
      checkout,
    );
    expect(row!.secret_ciphertext).not.toContain(saved.generatedSecret!);
    expect(openSecret(row!.secret_ciphertext)).toBe(saved.generatedSecret);
    expect(row!.updated_by).toBe(me);
    const list = await asAdmin(() => listReloadTargets());
    expect(list.items).toEqual([
      {
        service: { id: checkout, environment: "prod", namespace: "", name: "checkout" },
        url: "https://checkout.internal/reload",
        updatedAt: expect.any(Date),
        updatedBy: "ada",
      },
    ]);
    expect(JSON.stringify(list)).not.toContain(saved.generatedSecret!);
  });

  test("keeping the secret changes only the URL; entering one replaces it; keeping needs a target", async () => {
    const me = await user("ada", "admin");
    const checkout = await service("checkout");
    const keepFirst = await refusal((tx) =>
      saveReloadTarget(tx, me, { serviceId: checkout, url: "https://a.internal/", secretMode: "keep", secret: null }),
    );
    expect(keepFirst?.fieldErrors?.secretMode?.[0]).toContain("no target yet");
    const entered = "e".repeat(40);
    await dbTransaction((tx) =>
      saveReloadTarget(tx, me, {
        serviceId: checkout,
        url: "https://a.internal/",
        secretMode: "enter",
        secret: entered,
      }),
    );
    const sealed = async () =>
      (
        await sql().query<{ url: string; secret_ciphertext: string }[]>(
          `SELECT url, secret_ciphertext FROM reload_target WHERE service_id = $1`,
          checkout,
        )
      )[0]!;
    const first = await sealed();
    expect(openSecret(first.secret_ciphertext)).toBe(entered);
    const kept = await dbTransaction((tx) =>
      saveReloadTarget(tx, me, { serviceId: checkout, url: "https://b.internal/", secretMode: "keep", secret: null }),
    );
    expect(kept).toEqual({ created: false, previousUrl: "https://a.internal/", generatedSecret: null });
    expect(await sealed()).toEqual({ url: "https://b.internal/", secret_ciphertext: first.secret_ciphertext });
  });

  test("without SECRETS_KEY nothing is stored, and the refusal names the variable", async () => {
    const me = await user("ada", "admin");
    const checkout = await service("checkout");
    const key = process.env.SECRETS_KEY;
    delete process.env.SECRETS_KEY;
    resetEnvCache();
    try {
      const refused = await refusal((tx) =>
        saveReloadTarget(tx, me, {
          serviceId: checkout,
          url: "https://a.internal/",
          secretMode: "generate",
          secret: null,
        }),
      );
      expect(refused?.code).toBe("failed");
      expect(refused?.message).toContain("SECRETS_KEY");
    } finally {
      process.env.SECRETS_KEY = key;
      resetEnvCache();
    }
    expect((await asAdmin(() => listReloadTargets())).total).toBe(0);
  });

  test("removing a target; removing it again is not found", async () => {
    const me = await user("ada", "admin");
    const checkout = await service("checkout");
    await dbTransaction((tx) =>
      saveReloadTarget(tx, me, {
        serviceId: checkout,
        url: "https://a.internal/",
        secretMode: "generate",
        secret: null,
      }),
    );
    expect(await dbTransaction((tx) => removeReloadTarget(tx, checkout))).toEqual({ url: "https://a.internal/" });
    expect((await refusal((tx) => removeReloadTarget(tx, checkout)))?.code).toBe("not_found");
  });
});

describe("approval policies", () => {
  test("set, changed and dropped; the list counts who may approve under the group", async () => {
    const me = await user("ada", "admin");
    const lin = await user("lin", "approver");
    await user("sam", "approver");
    await user("off", "approver", { disabled: true });
    await sql().execute(`UPDATE app_user SET groups = '{payments}' WHERE id = ANY($1::int[]) OR username = 'off'`, [
      lin,
    ]);
    const checkout = await service("checkout");
    expect(
      await dbTransaction((tx) => saveApprovalPolicy(tx, me, checkout, { requiredApprovals: 2, requiredGroup: null })),
    ).toEqual({ before: null });
    // Any enabled approver or admin: ada, lin, sam.
    expect((await asAdmin(() => listApprovalPolicies())).items[0]).toMatchObject({
      requiredApprovals: 2,
      requiredGroup: null,
      eligibleApprovers: 3,
      updatedBy: "ada",
    });
    const changed = await dbTransaction((tx) =>
      saveApprovalPolicy(tx, me, checkout, { requiredApprovals: 2, requiredGroup: "payments" }),
    );
    expect(changed).toEqual({ before: { requiredApprovals: 2, requiredGroup: null } });
    // Only lin carries the group and is enabled: fewer than the two needed.
    expect((await asAdmin(() => listApprovalPolicies())).items[0]).toMatchObject({
      requiredGroup: "payments",
      eligibleApprovers: 1,
    });
    expect(await dbTransaction((tx) => removeApprovalPolicy(tx, checkout))).toEqual({
      before: { requiredApprovals: 2, requiredGroup: "payments" },
    });
    expect((await asAdmin(() => listApprovalPolicies())).total).toBe(0);
    expect((await refusal((tx) => removeApprovalPolicy(tx, checkout)))?.code).toBe("not_found");
  });

  test("the database refuses a count outside 0–2 even if a caller skipped the schema", async () => {
    const me = await user("ada", "admin");
    const checkout = await service("checkout");
    await expect(
      dbTransaction((tx) => saveApprovalPolicy(tx, me, checkout, { requiredApprovals: 3, requiredGroup: null })),
    ).rejects.toThrow(/approval_policy_required_check/);
  });
});
