import "server-only";
import { createHash } from "node:crypto";
import { FailureLimiter } from "@/lib/auth/failure-limiter";
import { sql } from "@/lib/db/client";
import { SCOPES, type Scope } from "@/lib/domain/token-scopes";
import { env } from "@/lib/env";

// Machine tokens (docs/adr/0006). A token is `rs_<public id>_<secret>`: the 8-character
// public id names it in lists and logs, the 43-character secret carries 256 random bits,
// and only the SHA-256 of the whole token is stored (a fast hash is right for high-entropy
// tokens, unlike passwords). Tokens made before this format (`rs_<secret>`) and configured
// ones (INGEST_TOKEN) are found by the same hash. Scopes say what a token may do
// (lib/domain/token-scopes.ts).
//
// This file is the check of a token on every machine request: a hash lookup behind a cache
// and a failure limiter, in plain SQL, since it is on the measured hot path (docs/adr/0004).
// Making, listing and revoking tokens is the admin's CRUD, on Prisma Client: token-admin.ts.

/** Tokens stored by a process rather than made by a person carry this in `prefix`. */
export const CONFIGURED_PREFIX = "(configured)";
export const ENV_TOKEN_NAME = "INGEST_TOKEN (environment)";

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Stores INGEST_TOKEN's hash so it is accepted like any other token, with both scopes.
 * Idempotent and never revokes anything: replicas started with an older INGEST_TOKEN leave
 * the newer one alone, and a token an admin revoked stays revoked (rotate by setting a new
 * INGEST_TOKEN everywhere, then revoking the old one).
 */
export async function ensureEnvToken(): Promise<void> {
  const token = env().INGEST_TOKEN;
  if (!token) return;
  const tokenHash = hashToken(token);
  const inserted = await sql().execute(
    `INSERT INTO ingest_token (name, token_hash, prefix, scopes) VALUES ($1, $2, $3, $4::text[])
     ON CONFLICT (token_hash) DO NOTHING`,
    ENV_TOKEN_NAME,
    tokenHash,
    // A fingerprint of the stored hash, never a piece of the configured secret.
    `${CONFIGURED_PREFIX} sha256:${tokenHash.slice(0, 8)}`,
    SCOPES,
  );
  if (inserted > 0) return;
  const [row] = await sql().query<{ id: number; revoked: boolean }[]>(
    `SELECT id, revoked_at IS NOT NULL AS revoked FROM ingest_token WHERE token_hash = $1`,
    tokenHash,
  );
  if (row?.revoked) {
    console.warn(
      `[reloadscope] INGEST_TOKEN is token #${row.id}, which was revoked; it is refused until INGEST_TOKEN is set to a new value`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Authentication: an in-memory cache in front of the lookup, and a failure limiter in
// front of the database that never refuses a live token (docs/adr/0006).

export interface TokenRecord {
  id: number;
  scopes: string[];
  revoked: boolean;
  /** environment/service patterns; null = every service */
  restrictions: string[] | null;
}

export type TokenLookup = (tokenHash: string) => Promise<TokenRecord | null>;

/** Live tokens with an id above `afterId`, in id order: what a process may learn of the tokens that exist. */
export type LiveTokenLoader = (afterId: number, limit: number) => Promise<{ id: number; tokenHash: string }[]>;

export async function liveTokensAfter(afterId: number, limit: number): Promise<{ id: number; tokenHash: string }[]> {
  return sql().query<{ id: number; tokenHash: string }[]>(
    `SELECT id, token_hash AS "tokenHash" FROM ingest_token
     WHERE id > $1::int AND revoked_at IS NULL ORDER BY id LIMIT $2::int`,
    afterId,
    limit,
  );
}

export type AuthResult =
  | { ok: true; tokenId: number; restrictions: string[] | null }
  | { ok: false; reason: "missing" | "malformed" | "unknown" | "revoked" }
  | { ok: false; reason: "insufficient_scope"; scope: Scope }
  | { ok: false; reason: "rate_limited"; retryAfterSeconds: number };

/** The stored record of a token hash; stores INGEST_TOKEN first, once per process. */
export async function lookupToken(tokenHash: string): Promise<TokenRecord | null> {
  const state = globalState();
  state.envTokenStored ??= ensureEnvToken().catch((error: unknown) => {
    state.envTokenStored = undefined;
    throw error;
  });
  await state.envTokenStored;
  const [row] = await sql().query<TokenRecord[]>(
    `SELECT id, scopes, revoked_at IS NOT NULL AS revoked, restrictions FROM ingest_token WHERE token_hash = $1`,
    tokenHash,
  );
  return row ?? null;
}

// Visible ASCII of a plausible length: anything else cannot be a token and costs no lookup.
const BEARER = /^Bearer +([\x21-\x7e]{16,512}) *$/i;
const CACHE_ENTRIES = 10_000;
/** Live tokens a process keeps the hash of; past it, the newest are not learnt (they still work from addresses under the limit). */
const LIVE_ENTRIES = 100_000;
const LIVE_PAGE = 10_000;
/** The least time between two reads of the live tokens, however many refused requests ask. */
const LIVE_REFRESH_MS = 1000;
const LAST_USED_RESOLUTION_MS = 60_000;

export interface TokenAuthOptions {
  now?: () => number;
  lookup?: TokenLookup;
  liveTokens?: LiveTokenLoader;
  /** records that a token was used (default: its last_used_at, off the request's path) */
  recordUse?: (id: number, at: Date) => Promise<unknown>;
  liveRefreshMs?: number;
}

interface CacheEntry {
  record: TokenRecord | null;
  expiresAt: number;
}

export class TokenAuthenticator {
  private readonly now: () => number;
  private readonly lookup: TokenLookup;
  private readonly loadLive: LiveTokenLoader;
  private readonly recordUse: (id: number, at: Date) => Promise<unknown>;
  private readonly ttlMs: number;
  private readonly liveRefreshMs: number;
  private readonly limiter: FailureLimiter;
  // Valid and failed lookups live apart, so a flood of bad tokens cannot push good ones out.
  private readonly valid = new Map<string, CacheEntry>();
  private readonly failed = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<TokenRecord | null>>();
  private readonly lastUseWritten = new Map<number, number>();
  // The hashes of the tokens that exist and are live (token hash → id), learnt from the
  // database in id order and from valid lookups: what lets a limited address still be
  // served a live token at the cost of a set lookup, and refused anything else for free.
  private readonly live = new Map<string, number>();
  private liveAfterId = 0;
  private lastLiveRefreshAt = -Infinity;
  private liveRefreshRunning: Promise<void> = Promise.resolve();
  private liveRefreshScheduled: Promise<void> | null = null;

  constructor(options: TokenAuthOptions = {}) {
    const config = env();
    this.now = options.now ?? Date.now;
    this.lookup = options.lookup ?? lookupToken;
    this.loadLive = options.liveTokens ?? liveTokensAfter;
    this.recordUse =
      options.recordUse ??
      ((id, at) => sql().execute(`UPDATE ingest_token SET last_used_at = $2 WHERE id = $1`, id, at));
    this.ttlMs = config.INGEST_TOKEN_CACHE_SECONDS * 1000;
    this.liveRefreshMs = options.liveRefreshMs ?? LIVE_REFRESH_MS;
    this.limiter = new FailureLimiter({
      maxFailures: config.INGEST_AUTH_MAX_FAILURES,
      windowMs: config.INGEST_AUTH_FAILURE_WINDOW_SECONDS * 1000,
      now: this.now,
    });
  }

  /** Checks the Authorization header for a live token with `scope`; `address` is charged for failed lookups. */
  async authenticate(authorization: string | null, scope: Scope, address: string): Promise<AuthResult> {
    if (!authorization) return { ok: false, reason: "missing" };
    const match = BEARER.exec(authorization);
    if (!match) return { ok: false, reason: "malformed" };
    const tokenHash = hashToken(match[1]!);

    const cached = this.fresh(this.valid, tokenHash) ?? this.fresh(this.failed, tokenHash);
    if (cached) return this.decide(cached.record, scope);

    // Requests with a token whose lookup is already under way wait for it at no cost.
    let lookup = this.inFlight.get(tokenHash);
    let ticket: string | null = null;
    if (!lookup) {
      const retryAfterSeconds = this.limiter.retryAfterSeconds(address);
      // An address past its failures is refused only tokens that cannot be live: one the
      // process knows exists is looked up as usual (a client's good token is never held
      // back by another's bad ones behind the same address), anything else costs no lookup.
      if (retryAfterSeconds !== null && !(await this.mayBeLive(tokenHash))) {
        return { ok: false, reason: "rate_limited", retryAfterSeconds };
      }
      // Re-checked: while this request learnt, another may have looked the token up.
      const settled = this.fresh(this.valid, tokenHash) ?? this.fresh(this.failed, tokenHash);
      if (settled) return this.decide(settled.record, scope);
      lookup = this.inFlight.get(tokenHash);
      if (!lookup) {
        ticket = this.limiter.charge(address);
        lookup = this.lookup(tokenHash).finally(() => this.inFlight.delete(tokenHash));
        this.inFlight.set(tokenHash, lookup);
      }
    }
    let record: TokenRecord | null;
    try {
      record = await lookup;
    } catch (error) {
      if (ticket !== null) this.limiter.settle(ticket, false);
      throw error;
    }
    if (ticket !== null) this.limiter.settle(ticket, !record || record.revoked);

    const expiresAt = this.now() + this.ttlMs;
    if (!record || record.revoked) {
      this.valid.delete(tokenHash);
      this.live.delete(tokenHash);
      remember(this.failed, tokenHash, { record, expiresAt });
    } else {
      this.failed.delete(tokenHash);
      remember(this.valid, tokenHash, { record, expiresAt });
      if (this.live.has(tokenHash) || this.live.size < LIVE_ENTRIES) this.live.set(tokenHash, record.id);
      this.touchLastUsed(record.id);
    }
    return this.decide(record, scope);
  }

  /**
   * Whether the token may exist: known live, or found so after a read of the tokens made
   * since the last one. That read begins after this call (so a token made a moment ago,
   * by any process or script, is found), runs at most once per liveRefreshMs, and serves
   * every request waiting at the time: a flood costs the database one indexed read a
   * second at most, never a lookup per request.
   */
  private async mayBeLive(tokenHash: string): Promise<boolean> {
    if (this.live.has(tokenHash)) return true;
    await this.refreshLive();
    return this.live.has(tokenHash);
  }

  private refreshLive(): Promise<void> {
    if (this.liveRefreshScheduled) return this.liveRefreshScheduled;
    const scheduled = this.liveRefreshRunning.then(async () => {
      const wait = this.lastLiveRefreshAt + this.liveRefreshMs - this.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, this.liveRefreshMs)));
      // Started: a request arriving from now on may miss what this read finds, so it waits for the next.
      this.liveRefreshScheduled = null;
      this.lastLiveRefreshAt = this.now();
      try {
        for (;;) {
          const rows = await this.loadLive(this.liveAfterId, LIVE_PAGE);
          for (const { id, tokenHash } of rows) if (this.live.size < LIVE_ENTRIES) this.live.set(tokenHash, id);
          if (rows.length > 0) this.liveAfterId = rows[rows.length - 1]!.id;
          if (rows.length < LIVE_PAGE || this.live.size >= LIVE_ENTRIES) break;
        }
      } catch {
        // The database is unreachable: what the process knew stays; lookups would fail too.
      }
    });
    this.liveRefreshScheduled = scheduled;
    this.liveRefreshRunning = scheduled;
    return scheduled;
  }

  /** Drops a token from this process's cache (after revoking it here). */
  forgetToken(id: number): void {
    for (const [tokenHash, entry] of this.valid) {
      if (entry.record?.id === id) this.valid.delete(tokenHash);
    }
    for (const [tokenHash, liveId] of this.live) {
      if (liveId === id) this.live.delete(tokenHash);
    }
  }

  private decide(record: TokenRecord | null, scope: Scope): AuthResult {
    if (!record) return { ok: false, reason: "unknown" };
    if (record.revoked) return { ok: false, reason: "revoked" };
    if (!record.scopes.includes(scope)) return { ok: false, reason: "insufficient_scope", scope };
    return { ok: true, tokenId: record.id, restrictions: record.restrictions ?? null };
  }

  private fresh(cache: Map<string, CacheEntry>, tokenHash: string): CacheEntry | undefined {
    const entry = cache.get(tokenHash);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry;
    cache.delete(tokenHash);
    return undefined;
  }

  /** Records use at most once a minute per token, off the request's critical path. */
  private touchLastUsed(id: number): void {
    const now = this.now();
    if (now - (this.lastUseWritten.get(id) ?? -Infinity) < LAST_USED_RESOLUTION_MS) return;
    remember(this.lastUseWritten, id, now);
    void this.recordUse(id, new Date(now)).catch(() => {});
  }
}

/** Sets a key as the newest entry, dropping the oldest when the map is full. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  if (map.size >= CACHE_ENTRIES) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

// Kept on globalThis so every route bundle in the process shares one cache and limiter.
interface AuthState {
  authenticator?: TokenAuthenticator;
  envTokenStored?: Promise<void>;
}

function globalState(): AuthState {
  const holder = globalThis as unknown as { reloadscopeTokenAuth?: AuthState };
  holder.reloadscopeTokenAuth ??= {};
  return holder.reloadscopeTokenAuth;
}

/** The process's authenticator, made from the environment on first use. */
export function tokenAuth(): TokenAuthenticator {
  const state = globalState();
  state.authenticator ??= new TokenAuthenticator();
  return state.authenticator;
}

/** Starts over with an empty cache and limiter (tests: a controlled clock or lookup, changed variables). */
export function resetTokenAuth(options: TokenAuthOptions = {}): TokenAuthenticator {
  const state = globalState();
  state.envTokenStored = undefined;
  state.authenticator = new TokenAuthenticator(options);
  return state.authenticator;
}
