import { describe, expect, test } from "vitest";
import { db } from "@/lib/db/client";
import { event, minutesAgo, postEvents } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const countEvents = async () => db().reloadEvent.count();

describe("POST /api/v1/events: accepted input", () => {
  test("a single event is stored with its instance state", async () => {
    const answer = await postEvents(
      event({ id: "one", toVersion: "b7d2f11", labels: { region: "eu-west-1", host: "ip-1" } }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const stored = await db().reloadEvent.findUniqueOrThrow({ where: { id: "one" } });
    expect(stored.phase).toBe("heartbeat");
    const state = await db().instanceState.findFirstOrThrow({});
    expect(state.version).toBe("b7d2f11");
    const instance = await db().instance.findFirstOrThrow({});
    expect(instance.labels).toEqual({ region: "eu-west-1", host: "ip-1" });
  });

  test("the same event sent twice is stored once", async () => {
    const e = event({ id: "twice" });
    expect((await postEvents(e)).body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await postEvents(e)).body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await postEvents([e, e])).body).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await countEvents()).toBe(1);
  });

  test("a repeat inside one batch counts as a duplicate", async () => {
    const e = event({ id: "dup-in-batch" });
    const answer = await postEvents([e, e, event()]);
    expect(answer.body).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(await countEvents()).toBe(2);
  });

  test("a batch with some invalid events stores the valid ones and names the others", async () => {
    const answer = await postEvents([
      event({ id: "ok-1" }),
      event({ phase: "applied", toVersion: null, reloadId: "rl-1" }),
      event({ id: "ok-2" }),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(2);
    expect(answer.body.rejected).toEqual([{ index: 1, reason: "toVersion: is required for phase applied" }]);
    expect(await countEvents()).toBe(2);
  });

  test("gzip bodies are accepted", async () => {
    const answer = await postEvents([event(), event()], { gzip: true });
    expect(answer.body).toMatchObject({ accepted: 2 });
  });

  test("a structured CloudEvent fills id, time and instance from its envelope", async () => {
    const occurred = minutesAgo(5);
    const answer = await postEvents(
      {
        specversion: "1.0",
        type: "dev.reloadscope.reload",
        id: "ce-1",
        source: "checkout-api-7d9f-x2k1",
        time: occurred,
        data: {
          environment: "prod",
          service: "checkout-api",
          kind: "config",
          resource: "routes.yaml",
          phase: "heartbeat",
          toVersion: "v9",
        },
      },
      { contentType: "application/cloudevents+json; charset=utf-8" },
    );
    expect(answer.body).toMatchObject({ accepted: 1, rejected: [] });
    const stored = await db().reloadEvent.findUniqueOrThrow({ where: { id: "ce-1" }, include: { instance: true } });
    expect(stored.occurredAt.toISOString()).toBe(occurred);
    expect(stored.instance?.instanceKey).toBe("checkout-api-7d9f-x2k1");
  });

  test("a CloudEvents batch is accepted item by item", async () => {
    const envelope = (id: string, extra: Record<string, unknown> = {}) => ({
      specversion: "1.0",
      type: "dev.reloadscope.reload",
      id,
      source: "inst-1",
      time: minutesAgo(3),
      data: {
        environment: "prod",
        service: "svc",
        kind: "model",
        resource: "ranker",
        phase: "heartbeat",
        toVersion: "m1",
      },
      ...extra,
    });
    const answer = await postEvents([envelope("b-1"), envelope("b-2", { type: "com.example.other" })], {
      contentType: "application/cloudevents-batch+json",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.rejected).toEqual([{ index: 1, reason: 'type: must be "dev.reloadscope.reload"' }]);
  });
});

describe("POST /api/v1/events: refused input writes nothing", () => {
  test.each([
    ["no phase", { phase: undefined }, "phase: must be one of"],
    ["a kind that is not a word", { kind: "Config Files" }, "kind: must be a lowercase word"],
    [
      "a NACK without its error",
      { phase: "nacked", reloadId: "rl-1", error: null },
      "error: is required for phase nacked",
    ],
    ["a time without a zone", { occurredAt: "2026-11-21 14:03:07" }, "occurredAt: must be an ISO 8601 timestamp"],
    ["no occurredAt", { occurredAt: undefined }, "occurredAt: is required"],
    ["no id", { id: undefined }, "id: is required"],
    [
      "a time in the future",
      { occurredAt: new Date(Date.now() + 3_600_000).toISOString() },
      "occurredAt: is more than 5 minutes in the future",
    ],
    [
      "a reload phase without reloadId",
      { phase: "applied", reloadId: undefined },
      "reloadId: is required for phase applied",
    ],
    ["a malformed trace id", { traceId: "xyz" }, "traceId: must be 32 hex digits"],
  ])("%s → 400 naming the field", async (_name, overrides, reason) => {
    const answer = await postEvents([event(overrides)]);
    expect(answer.status).toBe(400);
    expect(answer.body.accepted).toBe(0);
    expect(answer.body.rejected?.[0]?.reason).toContain(reason);
    expect(await countEvents()).toBe(0);
    expect(await db().service.count()).toBe(0);
  });

  test("invalid JSON → 400", async () => {
    const answer = await postEvents(null, { raw: "{not json" });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_json");
  });

  test("an empty array → 400", async () => {
    const answer = await postEvents([]);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe("the body holds no events");
  });

  test("a body that is neither object nor array → 400", async () => {
    const answer = await postEvents("hello");
    expect(answer.status).toBe(400);
  });

  test.each([
    ["no Authorization header", null],
    ["an unknown token", "rs_not_a_real_token_000000000000"],
  ])("%s → 401", async (_name, token) => {
    const answer = await postEvents(event(), { token });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toContain("Bearer");
    expect(await countEvents()).toBe(0);
  });

  test("a revoked token → 401 (revoked through the app: at once in this process)", async () => {
    const { createIngestToken, revokeIngestToken } = await import("@/lib/api/token-admin");
    const { id, token } = await createIngestToken("to revoke");
    expect((await postEvents(event(), { token })).status).toBe(200);
    expect(await revokeIngestToken(id)).toBe(true);
    expect((await postEvents(event(), { token })).status).toBe(401);
  });

  test("tokens are stored only as hashes", async () => {
    const { createIngestToken } = await import("@/lib/api/token-admin");
    const { hashToken } = await import("@/lib/api/tokens");
    const { token } = await createIngestToken("hashed");
    const rows = await db().$queryRawUnsafe<{ token_hash: string; whole_row: string }[]>(
      `SELECT token_hash, row_to_json(t)::text AS whole_row FROM ingest_token t`,
    );
    const mine = rows.filter((r) => r.token_hash === hashToken(token));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    // No column of any row (name, prefix, hash, …) holds the token itself.
    expect(rows.filter((r) => r.whole_row.includes(token))).toEqual([]);
  });

  test("another content type → 415", async () => {
    const answer = await postEvents(event(), { contentType: "text/plain" });
    expect(answer.status).toBe(415);
    expect(await countEvents()).toBe(0);
  });
});
