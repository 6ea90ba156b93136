// The two secrets the app needs before it serves (docs/adr/0012): NEXTAUTH_SECRET signs
// session cookies, SECRETS_KEY encrypts reload target secrets. A deployment (DATABASE_URL)
// must set both: one generated per start would sign everyone out at every restart and make
// stored target secrets unreadable, and two replicas would disagree. The embedded demo makes
// them once and keeps them in .data/ (0600) next to its database, so restarts keep both.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export const START_SECRETS = ["NEXTAUTH_SECRET", "SECRETS_KEY"] as const;
type SecretName = (typeof START_SECRETS)[number];
type Env = Record<string, string | undefined>;

const HOW_TO_MAKE: Record<SecretName, string> = {
  NEXTAUTH_SECRET:
    "it signs session cookies; make one with `openssl rand -base64 32` and keep it the same across restarts and replicas",
  SECRETS_KEY:
    "it encrypts reload target secrets (32 bytes); make one with `openssl rand -base64 32` and never change it without re-entering the targets' secrets",
};

/** 32 random bytes in base64: what SECRETS_KEY must be (lib/crypto/secret-box.ts), and plenty for NEXTAUTH_SECRET. */
export function generateStartSecret(): string {
  return randomBytes(32).toString("base64");
}

/** A deployment's check: throws naming every missing variable. */
export function requireStartSecrets(environment: Env = process.env): void {
  const missing = START_SECRETS.filter((name) => !environment[name]);
  if (missing.length === 0) return;
  throw new Error(
    missing.map((name) => `${name} is not set: ${HOW_TO_MAKE[name]}.`).join(" ") +
      " (With DATABASE_URL set, Reloadscope does not make secrets up.)",
  );
}

/** The same check as lines, `NAME: is not set: …`, for `npm start` to print before it builds; none for the embedded demo, which makes its own. */
export function startSecretProblems(environment: Env): string[] {
  if (!environment.DATABASE_URL) return [];
  return START_SECRETS.filter((name) => !environment[name]).map((name) => `${name}: is not set: ${HOW_TO_MAKE[name]}`);
}

/**
 * The embedded demo's secrets: the environment's when set, else the ones kept in
 * `<dataDir>/secrets.json`, else new ones written there (mode 0600). Sets process.env.
 * Returns the names it generated now.
 */
export function ensureEmbeddedSecrets(dataDir: string, environment: Env = process.env): SecretName[] {
  const file = path.join(dataDir, "secrets.json");
  let kept: Partial<Record<SecretName, string>> = {};
  try {
    kept = JSON.parse(readFileSync(file, "utf8")) as Partial<Record<SecretName, string>>;
    // Someone may have copied .data/ with a looser mode; these secrets are for this user only.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw new Error(`${file} could not be read: ${(error as Error).message}`);
  }
  const generated: SecretName[] = [];
  for (const name of START_SECRETS) {
    if (environment[name]) continue;
    if (typeof kept[name] !== "string" || kept[name] === "") {
      kept[name] = generateStartSecret();
      generated.push(name);
    }
    environment[name] = kept[name];
  }
  if (generated.length > 0) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600); // the mode above applies only when the file is created
  }
  return generated;
}
