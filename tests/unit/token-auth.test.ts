import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { generateToken } from "@/lib/api/token-admin";
import { hashToken, TokenAuthenticator, type TokenRecord } from "@/lib/api/tokens";
import { resetEnvCache } from "@/lib/env";

// The failure limiter never refuses a live token (docs/adr/0006), on a controlled clock
// with an in-memory token table: the lookup and the live-token read are counted, never a database.

const saved = { max: process.env.INGEST_AUTH_MAX_FAILURES, window: process.env.INGEST_AUTH_FAILURE_WINDOW_SECONDS };
process.env.INGEST_AUTH_MAX_FAILURES = "30";
process.env.INGEST_AUTH_FAILURE_WINDOW_SECONDS = "60";
resetEnvCache();
afterAll(() => {
  if (saved.max === undefined) delete process.env.INGEST_AUTH_MAX_FAILURES;
  else process.env.INGEST_AUTH_MAX_FAILURES = saved.max;
  if (saved.window === undefined) delete process.env.INGEST_AUTH_FAILURE_WINDOW_SECONDS;
  else process.env.INGEST_AUTH_FAILURE_WINDOW_SECONDS = saved.window;
  resetEnvCache();
});

const ADDRESS = "unknown"; // TRUST_PROXY=0: every caller shares one bucket
const header = (token: string) => `Bearer ${token}`;

let now: number;
let table: Map<string, TokenRecord & { tokenHash: string }>;
let lookups: number;
let liveReads: number;
let nextId: number;

function store(token: string, revoked = false): TokenRecord {
  const record = { id: nextId++, scopes: ["ingest", "read"], revoked, restrictions: null, tokenHash: hashToken(token) };
  table.set(record.tokenHash, record);
  return record;
}

function authenticator(): TokenAuthenticator {
  return new TokenAuthenticator({
    now: () => now,
    liveRefreshMs: 0,
    recordUse: async () => {},
    lookup: async (tokenHash) => {
      lookups++;
      const row = table.get(tokenHash);
      return row ? { id: row.id, scopes: row.scopes, revoked: row.revoked, restrictions: row.restrictions } : null;
    },
    liveTokens: async (afterId, limit) => {
      liveReads++;
      return [...table.values()]
        .filter((r) => r.id > afterId && !r.revoked)
        .sort((a, b) => a.id - b.id)
        .slice(0, limit)
        .map((r) => ({ id: r.id, tokenHash: r.tokenHash }));
    },
  });
}

const badToken = (n: number) => `rs_aaaaaaaa_bad-token-${String(n).padStart(32, "0")}`;

async function flood(auth: TokenAuthenticator, count: number, from = 0) {
  const answers = [];
  for (let n = from; n < from + count; n++) answers.push(await auth.authenticate(header(badToken(n)), "read", ADDRESS));
  return answers;
}

beforeEach(() => {
  now = Date.parse("2026-12-07T03:00:00Z");
  table = new Map();
  lookups = 0;
  liveReads = 0;
  nextId = 1;
});

describe("an address over its failure limit", () => {
  test("is still served a token made after the flood began, and refused the next bad one without a lookup", async () => {
    const auth = authenticator();
    const answers = await flood(auth, 32);
    expect(answers.slice(0, 30).every((a) => !a.ok && a.reason === "unknown")).toBe(true);
    expect(answers.slice(30).every((a) => !a.ok && a.reason === "rate_limited")).toBe(true);
    expect(lookups).toBe(30);

    const { token } = generateToken();
    const record = store(token);
    expect(await auth.authenticate(header(token), "read", ADDRESS)).toEqual({
      ok: true,
      tokenId: record.id,
      restrictions: null,
    });
    expect(lookups).toBe(31);

    const after = await auth.authenticate(header(badToken(99)), "read", ADDRESS);
    expect(after).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(lookups).toBe(31);
  });

  test("serves a token it saw valid before the flood, with a lookup once its cache entry ends (revocation holds)", async () => {
    const auth = authenticator();
    const { token } = generateToken();
    store(token);
    expect((await auth.authenticate(header(token), "read", ADDRESS)).ok).toBe(true);
    await flood(auth, 31);
    now += 10_000;
    const before = lookups;
    expect((await auth.authenticate(header(token), "read", ADDRESS)).ok).toBe(true);
    expect(lookups).toBe(before + 1);

    table.get(hashToken(token))!.revoked = true;
    now += 10_000;
    expect(await auth.authenticate(header(token), "read", ADDRESS)).toEqual({ ok: false, reason: "revoked" });
    // Now known to be dead: refused like any other bad token, without another lookup.
    now += 10_000;
    expect(await auth.authenticate(header(token), "read", ADDRESS)).toMatchObject({
      ok: false,
      reason: "rate_limited",
    });
    expect(lookups).toBe(before + 2);
  });

  test("a token with a live token's public id but another secret costs no lookup", async () => {
    const auth = authenticator();
    const { token, prefix } = generateToken();
    store(token);
    await flood(auth, 30);
    const forged = `${prefix}_${"x".repeat(43)}`;
    expect(await auth.authenticate(header(forged), "read", ADDRESS)).toMatchObject({
      ok: false,
      reason: "rate_limited",
    });
    expect(lookups).toBe(30);
  });

  test("a concurrent flood of unknown tokens reads the live tokens a bounded number of times and looks none up", async () => {
    const auth = authenticator();
    await flood(auth, 30);
    const reads = liveReads;
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, n) => auth.authenticate(header(badToken(1000 + n)), "read", ADDRESS)),
    );
    expect(answers.every((a) => !a.ok && a.reason === "rate_limited")).toBe(true);
    expect(lookups).toBe(30);
    // One read under way when the burst began at most, and one more for everyone who arrived during it.
    expect(liveReads - reads).toBeLessThanOrEqual(2);
  });

  test("an address under its limit costs no read of the live tokens", async () => {
    const auth = authenticator();
    await flood(auth, 29);
    const { token } = generateToken();
    store(token);
    expect((await auth.authenticate(header(token), "read", ADDRESS)).ok).toBe(true);
    expect(liveReads).toBe(0);
  });
});
