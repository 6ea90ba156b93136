import "server-only";
import { randomBytes } from "node:crypto";
import { hash, verify, type Options } from "@node-rs/argon2";
import { db } from "@/lib/db/client";
import { ROLES, type Role } from "@/lib/domain/permissions";

// Local users (DESIGN.md "Roles", docs/adr/0012): passwords hashed with argon2id at OWASP's
// minimum (19 MiB, 2 passes, 1 lane), which costs tens of milliseconds per check: slow
// enough to make guessing expensive, fast enough for a sign-in. Only the hash is stored.

// algorithm 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const ARGON2: Options = {
  algorithm: 2 as NonNullable<Options["algorithm"]>,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/** False for a wrong password and for a stored hash that is not argon2 at all (never throws on bad input). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// A hash of nothing anyone knows, checked against when the username is unknown or has no
// password, so that "no such user" takes as long as "wrong password" and the time of an
// answer does not tell which usernames exist.
let decoy: Promise<string> | undefined;
function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString("base64url"));
  return decoy;
}

export type PasswordCheck =
  | { ok: true; user: { id: number; username: string; displayName: string; role: Role; sessionEpoch: number } }
  | { ok: false; reason: "wrong_credentials" | "disabled"; userId: number | null };

/**
 * Checks a local user's password. A disabled account is named as such only after its
 * password was right, so the message gives nothing away to someone guessing.
 */
export async function checkPassword(username: string, password: string): Promise<PasswordCheck> {
  // The session epoch is read with the hash: a reset that commits after this read moves the
  // epoch on, so the session made from it ends however the two interleave.
  const row = await db().appUser.findUnique({
    where: { username },
    select: {
      id: true,
      username: true,
      displayName: true,
      role: true,
      passwordHash: true,
      disabledAt: true,
      sessionEpoch: true,
    },
  });
  if (!row || row.passwordHash === null) {
    await verifyPassword(await decoyHash(), password);
    return { ok: false, reason: "wrong_credentials", userId: row?.id ?? null };
  }
  if (!(await verifyPassword(row.passwordHash, password))) {
    return { ok: false, reason: "wrong_credentials", userId: row.id };
  }
  if (row.disabledAt !== null) return { ok: false, reason: "disabled", userId: row.id };
  await db().appUser.update({ where: { id: row.id }, data: { lastSignInAt: new Date() }, select: { id: true } });
  return {
    ok: true,
    user: {
      id: row.id,
      username: row.username,
      displayName: row.displayName || row.username,
      role: row.role as Role,
      sessionEpoch: row.sessionEpoch,
    },
  };
}

export interface NewLocalUser {
  username: string;
  password: string;
  role: Role;
  displayName?: string;
  email?: string | null;
}

/** Inserts a local user (outside any transaction: scripts, tests; the admin page's action has insertLocalUser). */
export async function createLocalUser(user: NewLocalUser): Promise<number> {
  const passwordHash = await hashPassword(user.password);
  const row = await db().appUser.create({
    data: {
      username: user.username,
      displayName: user.displayName ?? "",
      email: user.email ?? null,
      passwordHash,
      role: user.role,
    },
    select: { id: true },
  });
  return row.id;
}

export const DEMO_USERNAMES: readonly Role[] = ROLES;

export interface DemoUsers {
  /** the demo users made now */
  created: string[];
  /** the password made for them when none was given: print it once, it is stored nowhere */
  generatedPassword: string | null;
}

/**
 * Demo users `viewer`, `operator`, `approver`, `admin`, each with the role of its name.
 * Idempotent: users that exist are left alone, except that a given `password` (DEMO_PASSWORD)
 * is made theirs when it is not already, so that setting DEMO_PASSWORD later does what the
 * README says. Without one, a password is generated for the users made now only.
 */
export async function ensureDemoUsers(password?: string): Promise<DemoUsers> {
  const existing = await db().appUser.findMany({
    where: { username: { in: [...DEMO_USERNAMES] } },
    select: { username: true, passwordHash: true },
  });
  const missing = DEMO_USERNAMES.filter((name) => !existing.some((row) => row.username === name));
  const generatedPassword = password === undefined && missing.length > 0 ? generateDemoPassword() : null;
  const created: string[] = [];
  for (const role of missing) {
    // skipDuplicates (ON CONFLICT DO NOTHING): another process preparing the same database may have made it meanwhile.
    const passwordHash = await hashPassword((password ?? generatedPassword)!);
    const inserted = await db().appUser.createMany({
      data: { username: role, displayName: `Demo ${role}`, passwordHash, role },
      skipDuplicates: true,
    });
    if (inserted.count > 0) created.push(role);
  }
  if (password !== undefined) {
    for (const row of existing) {
      if (row.passwordHash !== null && (await verifyPassword(row.passwordHash, password))) continue;
      // A new password ends the sessions signed in with the old one (ADR 0012).
      await db().appUser.update({
        where: { username: row.username },
        data: { passwordHash: await hashPassword(password), sessionEpoch: { increment: 1 } },
        select: { id: true },
      });
    }
  }
  return { created, generatedPassword: created.length > 0 ? generatedPassword : null };
}

/** Four groups of four from an alphabet without look-alikes (no 0/O, 1/l/I): easy to type from a terminal. */
function generateDemoPassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(16);
  let text = "";
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) text += "-";
    // 256 is not a multiple of 31: the bias (under 1 %) does not matter for 16 characters of a demo password.
    text += alphabet[bytes[i]! % alphabet.length];
  }
  return text;
}
