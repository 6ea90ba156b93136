// Machine-endpoint auth: token format and storage, scopes, the in-memory token cache (on a
// controlled clock), the failure limiter in front of the database, INGEST_TOKEN across
// replicas, and the body read deadline that frees ingest slots.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { POST } from "@/app/api/v1/events/route";
import { GET as listReloadsRoute } from "@/app/api/v1/reloads/route";
import {
  countPersonalTokens,
  createIngestToken,
  createRunToken,
  generateToken,
  revokeIngestToken,
} from "@/lib/api/token-admin";
import {
  ensureEnvToken,
  ENV_TOKEN_NAME,
  hashToken,
  liveTokensAfter,
  lookupToken,
  resetTokenAuth,
  type TokenLookup,
} from "@/lib/api/tokens";
import { clientAddress, FailureLimiter, normaliseAddress, UNKNOWN_ADDRESS } from "@/lib/auth/failure-limiter";
import { sql } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { useEnv } from "../support/env-vars";
import { event, postEvents } from "../support/ingest-client";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

const AUTH_VARIABLES = {
  INGEST_TOKEN_CACHE_SECONDS: "5",
  INGEST_AUTH_MAX_FAILURES: "3",
  INGEST_AUTH_FAILURE_WINDOW_SECONDS: "60",
  TRUST_PROXY: "1",
};
useEnv(AUTH_VARIABLES);

// A controlled clock and a lookup that counts its trips to the database.
let now = Date.parse("2026-11-21T12:00:00Z");
let lookups = 0;
const countingLookup: TokenLookup = (tokenHash) => {
  lookups++;
  return lookupToken(tokenHash);
};
beforeEach(() => {
  now = Date.parse("2026-11-21T12:00:00Z");
  lookups = 0;
  resetTokenAuth({ now: () => now, lookup: countingLookup });
});

/** GET /api/v1/reloads (needs the read scope; answers 200 with an empty list on an empty database). */
async function read(token: string | null, headers: Record<string, string> = {}) {
  const request = new Request("http://127.0.0.1/api/v1/reloads", {
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
  const response = await listReloadsRoute(request, undefined);
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

const from = (address: string) => ({ "x-forwarded-for": address });
// Tokens are not emptied between tests, so every unknown token is new to the whole file.
let unknownTokens = 0;
const unknownToken = () => `rs_unknown_token_${String(++unknownTokens).padStart(20, "0")}`;

describe("token format and storage", () => {
  test("a new token is rs_<public id>_<256-bit secret>, and only the public part is stored", async () => {
    const { id, token, prefix } = await createIngestToken("format");
    const match = /^(rs_[a-z2-7]{8})_([A-Za-z0-9_-]{43})$/.exec(token);
    expect(match).not.toBeNull();
    expect(prefix).toBe(match![1]);
    const secret = match![2]!;
    expect(Buffer.from(secret, "base64url")).toHaveLength(32);
    const [row] = await sql().query<{ name: string; prefix: string; token_hash: string }[]>(
      `SELECT name, prefix, token_hash FROM ingest_token WHERE id = $1`,
      id,
    );
    expect(row!.prefix).toBe(prefix);
    expect(row!.token_hash).toBe(hashToken(token));
    // No 6 characters of the secret appear in anything stored.
    const stored = `${row!.name}|${row!.prefix}|${row!.token_hash}`;
    for (let i = 0; i + 6 <= secret.length; i++) expect(stored).not.toContain(secret.slice(i, i + 6));
  });

  test("public ids differ between tokens", () => {
    const prefixes = new Set(Array.from({ length: 50 }, () => generateToken().prefix));
    expect(prefixes.size).toBe(50);
  });

  test("a token of the earlier format (rs_<secret>) still authenticates by its hash", async () => {
    const legacy = `rs_${"Q".repeat(43)}`;
    await sql().execute(
      `INSERT INTO ingest_token (name, token_hash, prefix) VALUES ('legacy', $1, $2)`,
      hashToken(legacy),
      legacy.slice(0, 10),
    );
    expect((await read(legacy)).status).toBe(200);
  });
});

describe("scopes", () => {
  test("INGEST_TOKEN has both scopes", async () => {
    expect((await read(TEST_TOKEN)).status).toBe(200);
    const [row] = await sql().query<{ scopes: string[] }[]>(
      `SELECT scopes FROM ingest_token WHERE token_hash = $1`,
      hashToken(TEST_TOKEN),
    );
    expect(row!.scopes.sort()).toEqual(["ingest", "read"]);
  });

  test("a token without the read scope → 403 naming it on the read API", async () => {
    const { token } = await createIngestToken("ingest only", ["ingest"]);
    const answer = await read(token);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe("insufficient_scope");
    expect(answer.body.message).toContain('"read"');
    expect(answer.headers.get("www-authenticate")).toContain('scope="read"');
  });

  test("a token without the ingest scope → 403 naming it on ingest, and nothing stored", async () => {
    const { token } = await createIngestToken("read only", ["read"]);
    const answer = await postEvents(event(), { token });
    expect(answer.status).toBe(403);
    expect(answer.body.message).toContain('"ingest"');
    const [count] = await sql().query<{ n: number }[]>(`SELECT count(*)::int AS n FROM reload_event`);
    expect(count!.n).toBe(0);
    expect((await read(token)).status).toBe(200);
  });

  test("createIngestToken refuses a token with no scope", async () => {
    await expect(createIngestToken("nothing", [])).rejects.toThrow("at least one scope");
  });
});

describe("headers that cannot carry a token never reach the database", () => {
  test.each([
    ["no header", null],
    ["another scheme", "Basic dXNlcjpwYXNz"],
    ["Bearer alone", "Bearer"],
    ["a token shorter than any real one", "Bearer rs_short"],
    ["a token too long to be one", `Bearer rs_${"a".repeat(600)}`],
    ["two words", "Bearer rs_aaaaaaaaaaaaaaaa rs_bbbbbbbbbbbbbbbb"],
    ["non-ASCII", "Bearer rs_tøken_ååååååååååååååå"],
    ["a control character", "Bearer rs_token_\u0001_aaaaaaaaaaaaaaaa"],
  ])("%s → 401", async (_name, authorization) => {
    const request = new Request("http://127.0.0.1/api/v1/reloads", {
      headers: authorization === null ? {} : { authorization },
    });
    const response = await listReloadsRoute(request, undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(lookups).toBe(0);
  });

  test("a session cookie alone is not accepted", async () => {
    const answer = await read(null, { cookie: "next-auth.session-token=abc; authjs.session-token=abc" });
    expect(answer.status).toBe(401);
  });
});

describe("token cache", () => {
  test("a valid token is looked up once per cache period; a revocation in the database takes effect when it ends", async () => {
    const { id, token } = await createIngestToken("cached");
    expect((await read(token)).status).toBe(200);
    expect(lookups).toBe(1);
    await sql().execute(`UPDATE ingest_token SET revoked_at = now() WHERE id = $1`, id);

    now += 4_999;
    expect((await read(token)).status).toBe(200);
    expect(lookups).toBe(1);

    now += 2;
    const answer = await read(token);
    expect(answer.status).toBe(401);
    expect(lookups).toBe(2);
  });

  test("revokeIngestToken takes effect in this process at once", async () => {
    const { id, token } = await createIngestToken("revoked here");
    expect((await read(token)).status).toBe(200);
    expect(await revokeIngestToken(id)).toBe(true);
    expect((await read(token)).status).toBe(401);
    expect(await revokeIngestToken(id)).toBe(false);
  });

  test("a token stored after it was refused works once the refusal's cache period ends", async () => {
    const token = unknownToken();
    expect((await read(token)).status).toBe(401);
    await sql().execute(
      `INSERT INTO ingest_token (name, token_hash, prefix) VALUES ('late', $1, 'rs_late')`,
      hashToken(token),
    );
    now += 1_000;
    expect((await read(token)).status).toBe(401);
    expect(lookups).toBe(1);
    now += 4_001;
    expect((await read(token)).status).toBe(200);
    expect(lookups).toBe(2);
  });

  test("a token made after this process started works at once", async () => {
    expect((await read(TEST_TOKEN)).status).toBe(200);
    const { token } = await createIngestToken("fresh");
    expect((await read(token)).status).toBe(200);
  });

  test("concurrent requests with the same uncached token share one lookup", async () => {
    const { token } = await createIngestToken("concurrent");
    const answers = await Promise.all(Array.from({ length: 10 }, () => read(token)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(lookups).toBe(1);
  });

  test("with INGEST_TOKEN_CACHE_SECONDS=0 every request looks the token up", async () => {
    process.env.INGEST_TOKEN_CACHE_SECONDS = "0";
    resetEnvCache();
    try {
      resetTokenAuth({ now: () => now, lookup: countingLookup });
      const { token } = await createIngestToken("uncached");
      await read(token);
      await read(token);
      expect(lookups).toBe(2);
    } finally {
      process.env.INGEST_TOKEN_CACHE_SECONDS = AUTH_VARIABLES.INGEST_TOKEN_CACHE_SECONDS;
      resetEnvCache();
    }
  });
});

describe("failed authentication is limited per client address, before the database", () => {
  test("after the allowed failures an address gets 429 with Retry-After and no lookup; others are unaffected", async () => {
    for (let n = 0; n < 3; n++) expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(401);
    expect(lookups).toBe(3);

    const limited = await read(unknownToken(), from("203.0.113.7"));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.body.error).toBe("too_many_failed_authentications");
    expect(lookups).toBe(3);

    expect((await read(unknownToken(), from("203.0.113.8"))).status).toBe(401);
    expect(lookups).toBe(4);

    now += 20_000;
    expect((await read(unknownToken(), from("203.0.113.7"))).headers.get("retry-after")).toBe("40");
    now += 40_000;
    expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(401);
  });

  test("the same bad token again within the cache period costs no lookup and no failure", async () => {
    const repeated = unknownToken();
    for (let n = 0; n < 10; n++) expect((await read(repeated, from("203.0.113.7"))).status).toBe(401);
    expect(lookups).toBe(1);
    expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(401);
  });

  test("a good token is never held back by its address's failures", async () => {
    const { token } = await createIngestToken("good");
    expect((await read(token, from("203.0.113.7"))).status).toBe(200);
    for (let n = 0; n < 4; n++) await read(unknownToken(), from("203.0.113.7"));
    expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(429);

    // Cached: no lookup at all.
    expect((await read(token, from("203.0.113.7"))).status).toBe(200);
    // Cache period over: looked up again (revocation still counts), past the limiter.
    now += 10_000;
    const before = lookups;
    expect((await read(token, from("203.0.113.7"))).status).toBe(200);
    expect(lookups).toBe(before + 1);
  });

  test("a token made during a flood is served from the limited address; the next bad token is not looked up", async () => {
    for (let n = 0; n < 3; n++) await read(unknownToken(), from("203.0.113.7"));
    const { token } = await createIngestToken("new during a flood");
    expect((await read(token, from("203.0.113.7"))).status).toBe(200);
    const before = lookups;
    expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(429);
    expect(lookups).toBe(before);
  });

  test("a process that starts during a flood serves every live token, and reads the live tokens only when limited", async () => {
    let reads = 0;
    resetTokenAuth({
      now: () => now,
      lookup: countingLookup,
      liveTokens: (afterId, limit) => {
        reads++;
        return liveTokensAfter(afterId, limit);
      },
    });
    const inUse = await createIngestToken("in use elsewhere");
    const unused = await createIngestToken("never used");
    const revoked = await createIngestToken("revoked");
    await revokeIngestToken(revoked.id);
    for (let n = 0; n < 3; n++) expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(401);
    expect(reads).toBe(0);

    expect((await read(inUse.token, from("203.0.113.7"))).status).toBe(200);
    expect((await read(unused.token, from("203.0.113.7"))).status).toBe(200);
    const before = lookups;
    expect((await read(revoked.token, from("203.0.113.7"))).status).toBe(429);
    expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(429);
    expect(lookups).toBe(before);
    expect(reads).toBeGreaterThanOrEqual(1);
  });

  test("a concurrent flood of bad tokens costs a bounded number of lookups and starves no good request", async () => {
    const { token } = await createIngestToken("steady");
    expect((await read(token)).status).toBe(200);
    lookups = 0;
    const answers = await Promise.all(
      Array.from({ length: 240 }, (_, n) =>
        n % 12 === 0
          ? read(token, from("198.51.100.1")).then((a) => ["good", a.status] as const)
          : read(unknownToken(), from("198.51.100.1")).then((a) => ["bad", a.status] as const),
      ),
    );
    const good = answers.filter(([kind]) => kind === "good").map(([, status]) => status);
    const bad = answers.filter(([kind]) => kind === "bad").map(([, status]) => status);
    expect(good).toEqual(Array(20).fill(200));
    // Lookups are charged as they start, so a burst cannot outrun the limit.
    expect(bad.filter((status) => status === 401)).toHaveLength(3);
    expect(bad.filter((status) => status === 429)).toHaveLength(217);
    expect(lookups).toBe(3);
  });

  test("valid tokens use up none of an address's allowance", async () => {
    for (let n = 0; n < 5; n++) {
      const { token } = await createIngestToken(`new ${n}`);
      expect((await read(token, from("203.0.113.7"))).status).toBe(200);
    }
    for (let n = 0; n < 3; n++) expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(401);
    expect((await read(unknownToken(), from("203.0.113.7"))).status).toBe(429);
  });

  test("a burst of new tokens past the allowance is served whole; a burst of unknown ones waits a second, not the window", async () => {
    const tokens = await Promise.all(Array.from({ length: 5 }, (_, n) => createIngestToken(`burst ${n}`)));
    // Four requests per token, all at once: each token's first request looks it up, and the
    // others wait for that lookup at no cost.
    const answers = await Promise.all(
      tokens.flatMap(({ token }) => Array.from({ length: 4 }, () => read(token, from("203.0.113.7")))),
    );
    expect(lookups).toBe(5);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));

    const unknown = await Promise.all(Array.from({ length: 5 }, () => read(unknownToken(), from("203.0.113.7"))));
    expect(unknown.slice(0, 3).map((a) => a.status)).toEqual([401, 401, 401]);
    expect(unknown.slice(3).map((a) => [a.status, a.headers.get("retry-after")])).toEqual(Array(2).fill([429, "1"]));
  });

  test("X-Forwarded-For is read from the right: entries the client added itself do not pick a new bucket", async () => {
    for (let n = 0; n < 3; n++) await read(unknownToken(), from(`10.0.0.${n}, 203.0.113.7`));
    expect((await read(unknownToken(), from("192.0.2.99, 203.0.113.7"))).status).toBe(429);
  });

  test("without TRUST_PROXY, 32 random bad tokens leave a token made next working", async () => {
    const variables = { TRUST_PROXY: "0", INGEST_AUTH_MAX_FAILURES: "30" };
    for (const [name, value] of Object.entries(variables)) process.env[name] = value;
    resetEnvCache();
    try {
      resetTokenAuth({ now: () => now, lookup: countingLookup });
      const statuses = [];
      for (let n = 0; n < 32; n++) statuses.push((await read(unknownToken(), from(`198.51.100.${n}`))).status);
      expect(statuses).toEqual([...Array(30).fill(401), 429, 429]);
      const { token } = await createIngestToken("made after the flood", ["read"]);
      expect((await read(token, from("192.0.2.1"))).status).toBe(200);
      const refused = await read(unknownToken(), from("192.0.2.1"));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(1);
    } finally {
      process.env.TRUST_PROXY = AUTH_VARIABLES.TRUST_PROXY;
      process.env.INGEST_AUTH_MAX_FAILURES = AUTH_VARIABLES.INGEST_AUTH_MAX_FAILURES;
      resetEnvCache();
    }
  });

  test("without TRUST_PROXY every caller shares one bucket, whatever it claims", async () => {
    process.env.TRUST_PROXY = "0";
    resetEnvCache();
    try {
      resetTokenAuth({ now: () => now, lookup: countingLookup });
      for (let n = 0; n < 3; n++) await read(unknownToken(), from(`203.0.113.${n}`));
      expect((await read(unknownToken(), from("198.51.100.77"))).status).toBe(429);
    } finally {
      process.env.TRUST_PROXY = AUTH_VARIABLES.TRUST_PROXY;
      resetEnvCache();
    }
  });
});

describe("client addresses", () => {
  test.each([
    ["203.0.113.7", "203.0.113.7"],
    ["203.0.113.7:51234", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2::9", "2001:db8:1:2::/64"],
    ["[2001:db8:0001:0002::1]:443", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["not-an-address", "invalid"],
  ])("%s → %s", (raw, expected) => {
    expect(normaliseAddress(raw)).toBe(expected);
  });

  test.each([
    [0, { "x-forwarded-for": "203.0.113.7" }, UNKNOWN_ADDRESS],
    [1, {}, UNKNOWN_ADDRESS],
    [1, { "x-forwarded-for": "192.0.2.1, 203.0.113.7" }, "203.0.113.7"],
    [2, { "x-forwarded-for": "192.0.2.1, 203.0.113.7, 10.0.0.2" }, "203.0.113.7"],
    [3, { "x-forwarded-for": "203.0.113.7" }, "203.0.113.7"],
    [1, { "x-real-ip": "203.0.113.8" }, "203.0.113.8"],
  ])("trusting %i proxies, %o → %s", (hops, headers, expected) => {
    expect(clientAddress(new Headers(headers), hops)).toBe(expected);
  });

  test("the limiter's memory is bounded, and addresses past the bound share one bucket", () => {
    let time = 0;
    const limiter = new FailureLimiter({ maxFailures: 1, windowMs: 60_000, maxAddresses: 100, now: () => time });
    for (let n = 0; n < 1000; n++) limiter.settle(limiter.charge(`10.0.${n >> 8}.${n & 255}`), true);
    expect(limiter.trackedAddresses).toBeLessThanOrEqual(101);
    expect(limiter.retryAfterSeconds("10.0.0.1")).toBe(60);
    expect(limiter.retryAfterSeconds("192.0.2.200")).toBe(60);
    time += 60_000;
    expect(limiter.retryAfterSeconds("10.0.0.1")).toBeNull();
    limiter.settle(limiter.charge("192.0.2.201"), true);
    expect(limiter.trackedAddresses).toBe(1);
    expect(limiter.retryAfterSeconds("192.0.2.201")).toBe(60);
  });
});

describe("INGEST_TOKEN across replicas", () => {
  const TOKEN_A = "replica-token-a-0000000000000001";
  const TOKEN_B = "replica-token-b-0000000000000002";
  const withEnvToken = async (token: string) => {
    process.env.INGEST_TOKEN = token;
    resetEnvCache();
    await ensureEnvToken();
  };
  afterEach(() => {
    process.env.INGEST_TOKEN = TEST_TOKEN;
    resetEnvCache();
  });
  const liveTokens = async () =>
    (await sql().query<{ token_hash: string }[]>(`SELECT token_hash FROM ingest_token WHERE revoked_at IS NULL`)).map(
      (r) => r.token_hash,
    );

  test("a replica starting with an older INGEST_TOKEN revokes nothing", async () => {
    await withEnvToken(TOKEN_B); // the new deployment
    await withEnvToken(TOKEN_A); // an old replica restarts
    await withEnvToken(TOKEN_A); // and again: idempotent
    const live = await liveTokens();
    expect(live).toContain(hashToken(TOKEN_A));
    expect(live).toContain(hashToken(TOKEN_B));
    expect((await read(TOKEN_B)).status).toBe(200);
    const rows = await sql().query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ingest_token WHERE token_hash = $1`,
      hashToken(TOKEN_A),
    );
    expect(rows[0]!.n).toBe(1);
  });

  test("a configured token an admin revoked stays revoked when a replica starts with it", async () => {
    await withEnvToken(TOKEN_A);
    const [row] = await sql().query<{ id: number }[]>(
      `SELECT id FROM ingest_token WHERE token_hash = $1`,
      hashToken(TOKEN_A),
    );
    await revokeIngestToken(row!.id);
    await withEnvToken(TOKEN_A);
    expect(await liveTokens()).not.toContain(hashToken(TOKEN_A));
    expect((await read(TOKEN_A)).status).toBe(401);
  });

  test("a configured token is stored with both scopes and no part of it", async () => {
    await withEnvToken(TOKEN_B);
    const [row] = await sql().query<{ name: string; prefix: string; scopes: string[] }[]>(
      `SELECT name, prefix, scopes FROM ingest_token WHERE token_hash = $1`,
      hashToken(TOKEN_B),
    );
    expect(row!.name).toBe(ENV_TOKEN_NAME);
    expect(row!.prefix).toBe(`(configured) sha256:${hashToken(TOKEN_B).slice(0, 8)}`);
    for (let i = 0; i + 6 <= TOKEN_B.length; i++) expect(row!.prefix).not.toContain(TOKEN_B.slice(i, i + 6));
    expect(row!.scopes.sort()).toEqual(["ingest", "read"]);
  });

  test("the embedded demo's run token replaces its previous one and may only ingest", async () => {
    const first = await createRunToken("demo heartbeats (test)");
    const second = await createRunToken("demo heartbeats (test)");
    const live = await liveTokens();
    expect(live).not.toContain(hashToken(first));
    expect(live).toContain(hashToken(second));
    expect((await read(second)).status).toBe(403);
  });

  test("configured and run tokens are not counted as a person's tokens", async () => {
    const before = await countPersonalTokens();
    await withEnvToken(TOKEN_A);
    await createRunToken("demo heartbeats (count)");
    expect(await countPersonalTokens()).toBe(before);
    await createIngestToken("a person's");
    expect(await countPersonalTokens()).toBe(before + 1);
  });
});

describe("body read deadline", () => {
  const LIMITS = { INGEST_BODY_TIMEOUT_MS: "300", INGEST_MAX_CONCURRENT: "1" };
  beforeEach(() => {
    Object.assign(process.env, LIMITS);
    resetEnvCache();
  });
  afterEach(() => {
    for (const name of Object.keys(LIMITS)) delete process.env[name];
    resetEnvCache();
  });

  /** A body that sends "[" and then nothing; `reading` resolves once the server waits for more. */
  function stalledBody() {
    let markReading!: () => void;
    const reading = new Promise<void>((resolve) => (markReading = resolve));
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (++pulls === 1) {
          controller.enqueue(new TextEncoder().encode("["));
          return;
        }
        markReading();
        return new Promise<void>(() => {}); // silence
      },
    });
    return { stream, reading };
  }

  test("a stalled upload answers 408 and gives its ingest slot back", async () => {
    const stalled = stalledBody();
    const first = postEvents(null, { raw: stalled.stream });
    await stalled.reading;
    // The stalled request holds the only slot while its body is awaited.
    expect((await postEvents(event())).status).toBe(429);

    const answer = await first;
    expect(answer.status).toBe(408);
    expect(answer.body.error).toBe("body_timeout");
    expect(answer.body.message).toContain("300 ms");

    expect((await postEvents(event())).status).toBe(200);
  });

  test("a body within the deadline is read whole", async () => {
    const answer = await postEvents([event(), event()]);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(2);
  });
});
