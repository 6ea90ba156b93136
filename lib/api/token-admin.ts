import "server-only";
import { randomBytes } from "node:crypto";
import { db, dbTransaction, type Db, type DbTx } from "@/lib/db/client";
import { parseRestrictionList } from "@/lib/domain/token-restrictions";
import { SCOPES, type Scope } from "@/lib/domain/token-scopes";
import { CONFIGURED_PREFIX, hashToken, tokenAuth } from "./tokens";

// Machine tokens' CRUD (docs/adr/0006): making a token, revoking it, the per-run token of the
// embedded demo, and counting the tokens a person made. A room that writes a few rows at a
// time, so on Prisma Client (docs/adr/0004); an admin action runs it in its `dbTransaction`
// (`tx.db`), so the token and the audit entry commit together. The whole token is returned
// once and never stored or logged: only its SHA-256 (hashToken) and its public prefix are.
// The check of a token on each request stays plain SQL, measured: tokens.ts.

/**
 * Prisma Client, or an interactive transaction's client (an admin action's `tx.db`). The
 * client leaves the token hash out of every answer unless a query selects it (lib/db/client.ts).
 */
export type TokenClient = Pick<Db, "ingestToken"> | Pick<DbTx, "ingestToken">;

const PUBLIC_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** A new token and the part of it that may be stored and shown (`rs_<public id>`). */
export function generateToken(): { token: string; prefix: string } {
  // 5 random bytes are exactly 8 base32 characters; lowercase letters and digits never
  // collide with the `_` that separates the parts.
  let bits = 0n;
  for (const byte of randomBytes(5)) bits = (bits << 8n) | BigInt(byte);
  let publicId = "";
  for (let i = 0; i < 8; i++) publicId = PUBLIC_ID_ALPHABET[Number((bits >> BigInt(5 * i)) & 31n)] + publicId;
  const prefix = `rs_${publicId}`;
  return { token: `${prefix}_${randomBytes(32).toString("base64url")}`, prefix };
}

/**
 * Makes and stores a token; the whole token is in the answer and nowhere else. `client` is
 * where to write (an admin action's `tx.db`: the embedded database has one connection, so a
 * second one from `db()` would wait forever); default: the pool.
 * `restrictions`: the environment/service patterns it may write and read (null: all).
 */
export async function createIngestToken(
  name: string,
  scopes: readonly Scope[] = SCOPES,
  client: TokenClient = db(),
  restrictions: readonly string[] | null = null,
): Promise<{ id: number; token: string; prefix: string; scopes: Scope[]; restrictions: string[] | null }> {
  const { token, prefix } = generateToken();
  const unique = SCOPES.filter((s) => scopes.includes(s));
  if (unique.length === 0) throw new Error("a token needs at least one scope");
  const patterns = parseRestrictionList(restrictions ?? []);
  if (!patterns.ok) throw new Error(`restrictions: ${patterns.problem}`);
  const row = await client.ingestToken.create({
    data: {
      name,
      tokenHash: hashToken(token),
      prefix,
      scopes: unique,
      // Left out when null: the column stays NULL (every service).
      ...(patterns.patterns ? { restrictions: patterns.patterns } : {}),
    },
    select: { id: true },
  });
  return { id: row.id, token, prefix, scopes: unique, restrictions: patterns.patterns };
}

/** Revokes a token; this process forgets it at once, other processes within the cache time. */
export async function revokeIngestToken(id: number): Promise<boolean> {
  const changed = await markTokenRevoked(db(), id);
  tokenAuth().forgetToken(id);
  return changed;
}

/**
 * Revokes a token inside the caller's transaction; false when it was revoked already (or
 * never existed). The caller calls `tokenAuth().forgetToken(id)` after commit: forgetting
 * earlier would let a request between the two re-cache the still-live row.
 */
export async function markTokenRevoked(client: TokenClient, id: number): Promise<boolean> {
  const { count } = await client.ingestToken.updateMany({
    where: { id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count > 0;
}

/** A token's name and public prefix (never its hash), for an action's answer and audit entry. */
export async function tokenLabel(client: TokenClient, id: number): Promise<{ name: string; prefix: string } | null> {
  return client.ingestToken.findUnique({ where: { id }, select: { name: true, prefix: true } });
}

/**
 * A fresh ingest-only token for one run of a local process; the previous run's token under
 * the same name is revoked. Only the embedded demo's single process uses this.
 */
export async function createRunToken(name: string): Promise<string> {
  const { token, prefix } = generateToken();
  await dbTransaction(async (tx) => {
    await tx.db.ingestToken.updateMany({
      where: { name, revokedAt: null, prefix: { startsWith: CONFIGURED_PREFIX } },
      data: { revokedAt: new Date() },
    });
    await tx.db.ingestToken.create({
      data: { name, tokenHash: hashToken(token), prefix: `${CONFIGURED_PREFIX} ${prefix}`, scopes: ["ingest"] },
      select: { id: true },
    });
  });
  return token;
}

/** Tokens a person made (not configured or per-run ones), for deciding on a first token. */
export async function countPersonalTokens(): Promise<number> {
  return db().ingestToken.count({ where: { revokedAt: null, NOT: { prefix: { startsWith: CONFIGURED_PREFIX } } } });
}
