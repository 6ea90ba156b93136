import "server-only";
import { randomBytes } from "node:crypto";
import { hash, verify, type Options } from "@node-rs/argon2";
import { sql, type Sql } from "@/lib/db/client";
import { ROLES, type Role } from "@/lib/domain/permissions";

// Local users (issue 7 §1, docs/adr/0012): passwords hashed with argon2id at OWASP's
// minimum (19 MiB, 2 passes, 1 lane), which costs tens of milliseconds per check: slow
// enough to make guessing expensive, fast enough for a sign-in. Only the hash is stored.

// algorithm 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const ARGON2: Options = { algorithm: 2 as NonNullable<Options["algorithm"]>, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

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
  const [row] = await sql().query<{ id: number; username: string; display_name: string; role: Role; password_hash: string | null; disabled: boolean; session_epoch: number }[]>(
    `SELECT id, username, display_name, role, password_hash, disabled_at IS NOT NULL AS disabled, session_epoch FROM app_user WHERE username = $1`,
    username,
  );
  if (!row || row.password_hash === null) {
    await verifyPassword(await decoyHash(), password);
    return { ok: false, reason: "wrong_credentials", userId: row?.id ?? null };
  }
  if (!(await verifyPassword(row.password_hash, password))) return { ok: false, reason: "wrong_credentials", userId: row.id };
  if (row.disabled) return { ok: false, reason: "disabled", userId: row.id };
  await sql().execute(`UPDATE app_user SET last_sign_in_at = now() WHERE id = $1`, row.id);
  return { ok: true, user: { id: row.id, username: row.username, displayName: row.display_name || row.username, role: row.role, sessionEpoch: row.session_epoch } };
}

export interface NewLocalUser {
  username: string;
  password: string;
  role: Role;
  displayName?: string;
  email?: string | null;
}

/** Inserts a local user; pass the action's `tx` when inside a transaction (the embedded pool has one connection). */
export async function createLocalUser(user: NewLocalUser, q: Sql = sql()): Promise<number> {
  const passwordHash = await hashPassword(user.password);
  const [row] = await q.query<{ id: number }[]>(
    `INSERT INTO app_user (username, display_name, email, password_hash, role) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    user.username,
    user.displayName ?? "",
    user.email ?? null,
    passwordHash,
    user.role,
  );
  return row!.id;
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
  const existing = await sql().query<{ username: string; password_hash: string | null }[]>(
    `SELECT username, password_hash FROM app_user WHERE username = ANY($1::text[])`,
    DEMO_USERNAMES,
  );
  const missing = DEMO_USERNAMES.filter((name) => !existing.some((row) => row.username === name));
  const generatedPassword = password === undefined && missing.length > 0 ? generateDemoPassword() : null;
  const created: string[] = [];
  for (const role of missing) {
    // ON CONFLICT: another process preparing the same database may have made it meanwhile.
    const passwordHash = await hashPassword((password ?? generatedPassword)!);
    const inserted = await sql().execute(
      `INSERT INTO app_user (username, display_name, password_hash, role) VALUES ($1, $2, $3, $1) ON CONFLICT (username) DO NOTHING`,
      role,
      `Demo ${role}`,
      passwordHash,
    );
    if (inserted > 0) created.push(role);
  }
  if (password !== undefined) {
    for (const row of existing) {
      if (row.password_hash !== null && (await verifyPassword(row.password_hash, password))) continue;
      // A new password ends the sessions signed in with the old one (ADR 0012).
      await sql().execute(`UPDATE app_user SET password_hash = $2, session_epoch = session_epoch + 1 WHERE username = $1`, row.username, await hashPassword(password));
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
