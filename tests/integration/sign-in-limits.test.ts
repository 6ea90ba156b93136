// Sign-in as a stranger meets it (DESIGN.md "Roles", docs/adr/0018): limits per name and per
// address that refuse without a password check, failed sign-ins audited without the typed
// text, malformed names refused before any query, and OIDC sign-ins that cannot demote the
// last admin or take a reserved name. Calls next-auth's credentials authorize() and signIn
// callback as the route handler does, with the headers a request would carry.
import type { User } from "next-auth";
import { describe, expect, test, vi } from "vitest";
import { buildAuthOptions } from "@/lib/auth/options";
import { upsertOidcUser } from "@/lib/auth/oidc-users";
import { createLocalUser } from "@/lib/auth/users";
import * as users from "@/lib/auth/users";
import { sql } from "@/lib/db/client";
import { env } from "@/lib/env";
import { useEnv } from "../support/env-vars";
import { useTestDatabase } from "../support/use-database";

vi.mock("@/lib/auth/users", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/auth/users")>();
  return { ...original, checkPassword: vi.fn(original.checkPassword) };
});

useTestDatabase();

const VARIABLES = {
  TRUST_PROXY: "1",
  SIGN_IN_MAX_FAILURES: "3",
  SIGN_IN_FAILURE_WINDOW_SECONDS: "600",
  OIDC_DEFAULT_ROLE: undefined,
};
useEnv(VARIABLES);

const PASSWORD = "the-right-password-1";
const checks = () => vi.mocked(users.checkPassword).mock.calls.length;

type Outcome = { ok: true; username: string } | { ok: false; error: string };

/** One POST to /api/auth/callback/credentials from `address`: what authorize() decided, as next-auth turns it into ?error=. */
async function signIn(username: string, password: string, address: string): Promise<Outcome> {
  const provider = buildAuthOptions().providers.find((p) => p.id === "credentials") as unknown as {
    options: {
      authorize: (
        credentials: Record<string, string>,
        req: { headers: Record<string, string> },
      ) => Promise<(User & { username?: string }) | null>;
    };
  };
  try {
    const user = await provider.options.authorize({ username, password }, { headers: { "x-forwarded-for": address } });
    return user ? { ok: true, username: user.username! } : { ok: false, error: "CredentialsSignin" };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

async function auditRows() {
  return sql().query<
    { actor: string; actor_id: number | null; outcome: string; details: Record<string, unknown>; text: string }[]
  >(
    `SELECT actor, actor_id, outcome, details, row_to_json(a)::text AS text FROM audit_log a WHERE action = 'session.sign_in' ORDER BY id`,
  );
}

// The limiter lives in memory for the whole file: every test uses names and addresses of its own.
describe("limits", () => {
  test("after SIGN_IN_MAX_FAILURES wrong passwords from one address it is refused without a password check, even with the right one; the user still signs in from another address", async () => {
    await createLocalUser({ username: "lim-dana", password: PASSWORD, role: "operator" });
    for (let i = 0; i < 3; i++)
      expect(await signIn("lim-dana", `guess-${i}`, "203.0.113.1")).toEqual({ ok: false, error: "CredentialsSignin" });
    const before = checks();
    const refused = await signIn("lim-dana", PASSWORD, "203.0.113.1");
    expect(refused.ok).toBe(false);
    const wait = /^TooManyAttempts:(\d+)$/.exec((refused as { error: string }).error);
    expect(wait).not.toBeNull();
    expect(Number(wait![1])).toBeGreaterThan(0);
    expect(Number(wait![1])).toBeLessThanOrEqual(600);
    expect(await signIn("lim-dana", "guess-again", "203.0.113.1")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^TooManyAttempts:/),
    });
    expect(checks()).toBe(before);
    // The real user, elsewhere, is not locked out by the stranger's guesses.
    expect(await signIn("lim-dana", PASSWORD, "198.51.100.9")).toEqual({ ok: true, username: "lim-dana" });
  });

  test("one address trying many names is refused after its own allowance, again without a check", async () => {
    for (let i = 0; i < 12; i++)
      expect(await signIn(`spray-${i}`, "guess", "203.0.113.2")).toEqual({ ok: false, error: "CredentialsSignin" });
    const before = checks();
    expect(await signIn("spray-new", "guess", "203.0.113.2")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^TooManyAttempts:\d+$/),
    });
    expect(checks()).toBe(before);
    expect(await signIn("spray-new", "guess", "203.0.113.3")).toEqual({ ok: false, error: "CredentialsSignin" });
  });

  test("guesses spread over many addresses end at the per-name limit; each address adds at most its own allowance", async () => {
    await createLocalUser({ username: "lim-erin", password: PASSWORD, role: "viewer" });
    // 20 × 3 = 60 failures from 20 addresses: the name's allowance (SIGN_IN_MAX_FAILURES × 20).
    for (let a = 0; a < 20; a++) for (let i = 0; i < 4; i++) await signIn("lim-erin", `guess-${i}`, `192.0.2.${a + 1}`);
    const before = checks();
    expect(await signIn("lim-erin", PASSWORD, "192.0.2.200")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^TooManyAttempts:/),
    });
    expect(checks()).toBe(before);
  });

  test("the first refusal of each window is audited (denied, with the wait), the ones after it are not", async () => {
    await createLocalUser({ username: "lim-finn", password: PASSWORD, role: "viewer" });
    for (let i = 0; i < 3; i++) await signIn("lim-finn", `guess-${i}`, "203.0.113.4");
    await signIn("lim-finn", "guess", "203.0.113.4");
    await signIn("lim-finn", "guess", "203.0.113.4");
    const rows = await auditRows();
    expect(rows.map((r) => [r.outcome, r.details.reason])).toEqual([
      ["denied", "wrong_credentials"],
      ["denied", "wrong_credentials"],
      ["denied", "wrong_credentials"],
      ["denied", "too_many_attempts"],
    ]);
    expect(rows[3]).toMatchObject({
      actor: "lim-finn",
      details: { limit: "name_address", clientAddress: "203.0.113.4" },
    });
  });
});

describe("what a failed sign-in stores", () => {
  test("an unknown name is audited as 'unknown user', with none of the typed text anywhere in the entry", async () => {
    const typed = "Tr0ub4dor&3-typed-in-the-wrong-box";
    expect(await signIn(typed, "whatever", "203.0.113.10")).toEqual({ ok: false, error: "CredentialsSignin" });
    const [row] = await auditRows();
    expect(row).toMatchObject({
      actor: "unknown user",
      actor_id: null,
      outcome: "denied",
      details: { method: "password", reason: "unknown_user", clientAddress: "203.0.113.10" },
    });
    expect(row!.text).not.toContain("Tr0ub4dor");
    expect(row!.text).not.toContain("wrong-box");
  });

  test("an existing user's failed sign-in names them", async () => {
    const id = await createLocalUser({ username: "known-gus", password: PASSWORD, role: "viewer" });
    await signIn("known-gus", "wrong", "203.0.113.11");
    expect((await auditRows())[0]).toMatchObject({
      actor: "known-gus",
      actor_id: id,
      details: { reason: "wrong_credentials" },
    });
  });

  test.each<[string, string]>([
    ["NUL", "adm\u0000in"],
    ["100,000 characters", "x".repeat(100_000)],
    ["emoji only", "🔥🔥🔥🔥"],
    ["a lone surrogate", "adm\ud800in"],
    ["invalid UTF-8 as decoded", "adm\ufffdin"],
  ])(
    "a name with %s is refused before any query, with a message of ours, and audited without its text",
    async (_, name) => {
      const before = checks();
      expect(await signIn(name, "whatever", "203.0.113.12")).toEqual({ ok: false, error: "InvalidUsername" });
      expect(checks()).toBe(before);
      const rows = await auditRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        actor: "unknown user",
        outcome: "denied",
        details: { reason: "malformed_username" },
      });
      expect(rows[0]!.text).not.toContain("adm");
      expect(rows[0]!.text).not.toContain("xxxx");
      expect(rows[0]!.text).not.toContain("🔥");
    },
  );
});

test("a database error during sign-in reaches the page as the default message, never as its own text", async () => {
  vi.mocked(users.checkPassword).mockRejectedValueOnce(new Error('invalid byte sequence for encoding "UTF8": 0x00'));
  const logged = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    expect(await signIn("db-error-name", "whatever", "203.0.113.20")).toEqual({ ok: false, error: "Default" });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("invalid byte sequence"));
  } finally {
    logged.mockRestore();
  }
});

describe("OIDC", () => {
  const oidcSignIn = (person: { sub: string; username: string; role: "admin" | "viewer" | null }) =>
    buildAuthOptions().callbacks!.signIn!({
      user: {
        id: person.sub,
        name: person.username,
        email: null,
        role: person.role,
        oidc: { subject: `https://idp.example|${person.sub}`, username: person.username, groups: [] },
      } as User,
      account: { provider: "oidc", type: "oauth", providerAccountId: person.sub },
    });

  test("the default role is none: a user in no mapped group is refused unless OIDC_DEFAULT_ROLE says otherwise", () => {
    expect(env().OIDC_DEFAULT_ROLE).toBe("none");
  });

  test("a sign-in whose groups no longer map to admin cannot demote the last enabled admin: refused, and the row keeps its role", async () => {
    expect(await oidcSignIn({ sub: "boss", username: "boss", role: "admin" })).toBe(true);
    expect(await oidcSignIn({ sub: "boss", username: "boss", role: "viewer" })).toBe("/sign-in?error=LastAdmin");
    const [row] = await sql().query<{ role: string }[]>(`SELECT role FROM app_user WHERE username = 'boss'`);
    expect(row!.role).toBe("admin");
    const denied = (await auditRows()).at(-1)!;
    expect(denied).toMatchObject({ outcome: "denied", details: { method: "oidc", reason: "last_enabled_admin" } });
    // With another enabled admin, the issuer's word holds.
    await createLocalUser({ username: "other-admin", password: PASSWORD, role: "admin" });
    expect(await oidcSignIn({ sub: "boss", username: "boss", role: "viewer" })).toBe(true);
    const [after] = await sql().query<{ role: string }[]>(`SELECT role FROM app_user WHERE username = 'boss'`);
    expect(after!.role).toBe("viewer");
  });

  test.each([["system"], ["Root"], ["anonymous"], ["unknown user"]])(
    "an OIDC user named %j gets <name>@<issuer host>, never the reserved name",
    async (name) => {
      const stored = await upsertOidcUser({
        subject: `https://idp.example|${name}`,
        username: name,
        displayName: name,
        email: null,
        groups: [],
        role: "viewer",
      });
      expect(stored.username).toBe(`${name}@idp.example`);
    },
  );
});
