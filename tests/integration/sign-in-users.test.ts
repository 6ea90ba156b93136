// Local and OIDC users in the database: argon2id hashes, the password check (wrong, unknown,
// disabled, right), demo users made idempotently, OIDC users upserted by issuer|sub, and the
// start secrets kept in .data/. The HTTP side (next-auth's endpoints, the gate) is in
// tests/e2e/sign-in.test.ts and tests/e2e/sign-in-oidc.test.ts.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { upsertOidcUser } from "@/lib/auth/oidc-users";
import { checkPassword, createLocalUser, ensureDemoUsers, hashPassword, verifyPassword } from "@/lib/auth/users";
import { sql } from "@/lib/db/client";
import { ensureEmbeddedSecrets, requireStartSecrets } from "@/scripts/start-secrets";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

async function userRow(username: string) {
  const [row] = await sql().query<
    {
      id: number;
      role: string;
      password_hash: string | null;
      last_sign_in_at: Date | null;
      groups: string[];
      oidc_subject: string | null;
    }[]
  >(
    `SELECT id, role, password_hash, last_sign_in_at, groups, oidc_subject FROM app_user WHERE username = $1`,
    username,
  );
  return row;
}

describe("passwords", () => {
  test("are stored as argon2id hashes, salted, and verify only the same password", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(a, "correct horse battery stapl")).toBe(false);
    expect(await verifyPassword("not a hash", "anything")).toBe(false);
  });

  test("checkPassword: right, wrong, unknown, disabled", async () => {
    const id = await createLocalUser({
      username: "dana",
      password: "s3cret-enough-pw",
      role: "operator",
      displayName: "Dana",
    });
    expect((await userRow("dana"))!.password_hash).not.toContain("s3cret");

    const right = await checkPassword("dana", "s3cret-enough-pw");
    expect(right).toEqual({
      ok: true,
      user: { id, username: "dana", displayName: "Dana", role: "operator", sessionEpoch: 0 },
    });
    expect((await userRow("dana"))!.last_sign_in_at).toBeInstanceOf(Date);

    expect(await checkPassword("dana", "wrong-password")).toEqual({
      ok: false,
      reason: "wrong_credentials",
      userId: id,
    });
    expect(await checkPassword("nobody", "s3cret-enough-pw")).toEqual({
      ok: false,
      reason: "wrong_credentials",
      userId: null,
    });

    await sql().execute(`UPDATE app_user SET disabled_at = now() WHERE id = $1`, id);
    expect(await checkPassword("dana", "s3cret-enough-pw")).toEqual({ ok: false, reason: "disabled", userId: id });
    // A disabled account is named only to someone who knows its password.
    expect(await checkPassword("dana", "wrong-password")).toEqual({
      ok: false,
      reason: "wrong_credentials",
      userId: id,
    });
  });

  test("an OIDC user has no password: checkPassword refuses whatever is typed", async () => {
    await upsertOidcUser({
      subject: "https://idp.example|u1",
      username: "olga",
      displayName: "Olga",
      email: null,
      groups: [],
      role: "viewer",
    });
    expect(await checkPassword("olga", "")).toMatchObject({ ok: false, reason: "wrong_credentials" });
    expect(await checkPassword("olga", "anything")).toMatchObject({ ok: false, reason: "wrong_credentials" });
  });
});

describe("demo users", () => {
  test("a generated password for the four made now; idempotent after that", async () => {
    const first = await ensureDemoUsers();
    expect(first.created).toEqual(["viewer", "operator", "approver", "admin"]);
    expect(first.generatedPassword).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    for (const role of ["viewer", "operator", "approver", "admin"]) {
      const row = (await userRow(role))!;
      expect(row.role).toBe(role);
      expect(await verifyPassword(row.password_hash!, first.generatedPassword!)).toBe(true);
    }

    const again = await ensureDemoUsers();
    expect(again).toEqual({ created: [], generatedPassword: null });
    expect(Number((await sql().query<{ n: string }[]>(`SELECT count(*) AS n FROM app_user`))[0]!.n)).toBe(4);
    // Still the first password: nothing was regenerated.
    expect((await checkPassword("admin", first.generatedPassword!)).ok).toBe(true);
  });

  test("DEMO_PASSWORD is their password, also for demo users made before it was set", async () => {
    await ensureDemoUsers();
    const given = await ensureDemoUsers("demo-password-given");
    expect(given).toEqual({ created: [], generatedPassword: null });
    for (const role of ["viewer", "operator", "approver", "admin"]) {
      // The password changed: the sessions signed in with the printed one end (their epoch moved on).
      expect(await checkPassword(role, "demo-password-given")).toMatchObject({ ok: true, user: { sessionEpoch: 1 } });
    }
    // The same DEMO_PASSWORD at the next start changes nothing, and ends nothing.
    await ensureDemoUsers("demo-password-given");
    expect(await checkPassword("admin", "demo-password-given")).toMatchObject({ ok: true, user: { sessionEpoch: 1 } });
  });

  test("only the missing ones are made; an existing user keeps its role", async () => {
    await createLocalUser({ username: "admin", password: "the-admins-own-pw", role: "admin" });
    await sql().execute(`UPDATE app_user SET role = 'viewer' WHERE username = 'admin'`);
    const made = await ensureDemoUsers("demo-password-given");
    expect(made.created).toEqual(["viewer", "operator", "approver"]);
    expect((await userRow("admin"))!.role).toBe("viewer");
  });
});

describe("OIDC users", () => {
  const person = {
    subject: "https://idp.example|sub-1",
    username: "alice",
    displayName: "Alice",
    email: "alice@example.com",
    groups: ["sre"],
    role: "operator" as const,
  };

  test("are made at the first sign-in and updated by later ones, keyed by issuer|sub", async () => {
    const first = await upsertOidcUser(person);
    expect(first).toMatchObject({ username: "alice", disabled: false });
    const again = await upsertOidcUser({
      ...person,
      username: "alice.renamed",
      groups: ["reload-admins"],
      role: "admin",
    });
    expect(again.id).toBe(first.id);
    expect(again.username).toBe("alice"); // the username is kept from the first sign-in
    const row = (await userRow("alice"))!;
    expect(row).toMatchObject({
      role: "admin",
      groups: ["reload-admins"],
      oidc_subject: "https://idp.example|sub-1",
      password_hash: null,
    });
    expect(row.last_sign_in_at).toBeInstanceOf(Date);
  });

  test("never take over another user's username", async () => {
    const local = await createLocalUser({ username: "alice", password: "local-alice-pw", role: "viewer" });
    const fromIdp = await upsertOidcUser(person);
    expect(fromIdp.id).not.toBe(local);
    expect(fromIdp.username).toBe("alice@idp.example");
    const otherIdp = await upsertOidcUser({ ...person, subject: "https://idp.example|sub-2" });
    expect(otherIdp.username).toMatch(/^alice@idp\.example#[0-9a-z]+$/);
    expect((await userRow("alice"))!.role).toBe("viewer");
  });

  test("a disabled OIDC user is reported as disabled (the sign-in refuses it)", async () => {
    const { id } = await upsertOidcUser(person);
    await sql().execute(`UPDATE app_user SET disabled_at = now() WHERE id = $1`, id);
    expect((await upsertOidcUser(person)).disabled).toBe(true);
  });
});

describe("start secrets", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("the embedded demo makes them once into .data/secrets.json (0600) and reads them back", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rs-secrets-"));
    dirs.push(dir);
    const first: Record<string, string> = {};
    expect(ensureEmbeddedSecrets(dir, first)).toEqual(["NEXTAUTH_SECRET", "SECRETS_KEY"]);
    expect(Buffer.from(first.SECRETS_KEY!, "base64")).toHaveLength(32);
    expect(statSync(path.join(dir, "secrets.json")).mode & 0o777).toBe(0o600);

    const restart: Record<string, string> = {};
    expect(ensureEmbeddedSecrets(dir, restart)).toEqual([]);
    expect(restart).toEqual({ NEXTAUTH_SECRET: first.NEXTAUTH_SECRET, SECRETS_KEY: first.SECRETS_KEY });

    // Set in the environment, the environment's wins and nothing is written for it.
    const given: Record<string, string> = { NEXTAUTH_SECRET: "given-secret-given-secret-given-secret" };
    ensureEmbeddedSecrets(dir, given);
    expect(given.NEXTAUTH_SECRET).toBe("given-secret-given-secret-given-secret");
    expect(JSON.parse(readFileSync(path.join(dir, "secrets.json"), "utf8")).NEXTAUTH_SECRET).toBe(
      first.NEXTAUTH_SECRET,
    );
  });

  test("a deployment without them does not start, and says which is missing", () => {
    expect(() => requireStartSecrets({})).toThrow(/NEXTAUTH_SECRET is not set.*SECRETS_KEY is not set/);
    expect(() => requireStartSecrets({ NEXTAUTH_SECRET: "x".repeat(32) })).toThrow(/^SECRETS_KEY is not set/);
    expect(() => requireStartSecrets({ NEXTAUTH_SECRET: "x".repeat(32), SECRETS_KEY: "y".repeat(44) })).not.toThrow();
  });
});
