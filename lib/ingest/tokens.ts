import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

// Ingest tokens are random 32-byte secrets shown once; only their SHA-256 is stored (a
// fast hash is right for high-entropy tokens, unlike passwords). The prefix identifies a
// token in lists and logs without revealing it.

const TOKEN_PREFIX = "rs_";

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export async function createIngestToken(name: string): Promise<{ id: number; token: string }> {
  const token = generateToken();
  const row = await db().ingestToken.create({
    data: { name, tokenHash: hashToken(token), prefix: token.slice(0, 10) },
    select: { id: true },
  });
  return { id: row.id, token };
}

export const ENV_TOKEN_NAME = "INGEST_TOKEN (environment)";

/**
 * Stores a configured token's hash under a name that belongs to one configured token at a
 * time: another token stored under the same name earlier is revoked.
 */
async function storeConfiguredToken(token: string, name: string): Promise<void> {
  const tokenHash = hashToken(token);
  await db().$transaction([
    db().ingestToken.updateMany({ where: { name, revokedAt: null, NOT: { tokenHash } }, data: { revokedAt: new Date() } }),
    db().ingestToken.upsert({
      where: { tokenHash },
      create: { name, tokenHash, prefix: "(configured)" },
      update: { revokedAt: null },
    }),
  ]);
}

/** Stores INGEST_TOKEN's hash, so it is accepted like any other token. */
export async function ensureEnvToken(): Promise<void> {
  const token = env().INGEST_TOKEN;
  if (token) await storeConfiguredToken(token, ENV_TOKEN_NAME);
}

/** A fresh token for one run of a local process (the previous run's is revoked). */
export async function createRunToken(name: string): Promise<string> {
  const token = generateToken();
  await storeConfiguredToken(token, name);
  return token;
}

/** Tokens a person made (not configured or per-run ones), for deciding on a first token. */
export async function countPersonalTokens(): Promise<number> {
  return db().ingestToken.count({ where: { revokedAt: null, prefix: { not: "(configured)" } } });
}

let envTokenStored: Promise<void> | undefined;
const lastUseWritten = new Map<number, number>();
const LAST_USED_RESOLUTION_MS = 60_000;

/** The id of the live token the Authorization header carries, or null. */
export async function authenticateIngest(authorization: string | null): Promise<number | null> {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) return null;
  envTokenStored ??= ensureEnvToken().catch((error) => {
    envTokenStored = undefined;
    throw error;
  });
  await envTokenStored;
  const row = await db().ingestToken.findUnique({
    where: { tokenHash: hashToken(match[1]!) },
    select: { id: true, revokedAt: true },
  });
  if (!row || row.revokedAt) return null;
  // Record use at most once a minute per token, off the request's critical path.
  const now = Date.now();
  if (now - (lastUseWritten.get(row.id) ?? 0) > LAST_USED_RESOLUTION_MS) {
    lastUseWritten.set(row.id, now);
    void db().ingestToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } }).catch(() => {});
  }
  return row.id;
}
