// POST /api/v1/events with the official CloudEvents JS SDK (cloudevents 10) as the client:
// its HTTP binary mode (the default of its emitters and of Knative sinks) and structured
// mode, sent over HTTP to the real route handler, against a real Postgres (or PGlite).
import { CloudEvent, emitterFor, httpTransport, HTTP, Mode, type Message } from "cloudevents";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POST } from "@/app/api/v1/events/route";
import { db } from "@/lib/db/client";
import { minutesAgo, type IngestAnswer } from "../support/ingest-client";
import { startRouteServer, type RouteServer } from "../support/route-server";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

let server: RouteServer;
beforeAll(async () => {
  server = await startRouteServer({ "/api/v1/events": POST });
});
afterAll(() => server.close());

const TYPE = "dev.reloadscope.reload";

/** What an instance's agent puts in the event's data: no id, time or instance (the envelope has them). */
const applied = (extra: Record<string, unknown> = {}) => ({
  reloadId: "rl-ce",
  environment: "prod",
  namespace: "payments",
  service: "checkout-api",
  kind: "config",
  resource: "routes.yaml",
  phase: "acked",
  fromVersion: "v1",
  toVersion: "v2",
  ...extra,
});

/** The ingest route's answer, as postEvents reads it (the headers are not looked at here). */
type Answer = Omit<IngestAnswer, "headers">;

/** Posts an SDK-made message with fetch, as any HTTP client would, adding only the token. */
async function send(message: Message, token: string | null = TEST_TOKEN): Promise<Answer> {
  const headers = new Headers(message.headers as Record<string, string>);
  if (token) headers.set("authorization", `Bearer ${token}`);
  const response = await fetch(`${server.url}/api/v1/events`, {
    method: "POST",
    headers,
    body: message.body as string,
  });
  return { status: response.status, body: await response.json() };
}

const storedEvent = (id: string) => db().reloadEvent.findUniqueOrThrow({ where: { id }, include: { instance: true } });

describe("HTTP binary mode (ce-* headers, the event as the body)", () => {
  test("one event: ce-id, ce-time and ce-source fill id, occurredAt and the instance", async () => {
    const time = minutesAgo(2);
    const ce = new CloudEvent({ type: TYPE, source: "checkout-api-7d9f-x2k1", id: "ce-bin-1", time, data: applied() });
    const message = HTTP.binary(ce);
    expect(message.headers["ce-specversion"]).toBe("1.0");
    expect(String(message.headers["content-type"])).toMatch(/^application\/json/);

    const answer = await send(message);
    expect(answer).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } });
    const stored = await storedEvent("ce-bin-1");
    expect(stored.occurredAt.toISOString()).toBe(time);
    expect(stored.instance?.instanceKey).toBe("checkout-api-7d9f-x2k1");
    expect(stored).toMatchObject({ phase: "acked", reloadId: "rl-ce", toVersion: "v2", initiator: null });

    // The SDK's retry of the same CloudEvent is a duplicate.
    expect((await send(message)).body).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
  });

  test("a control-plane phase: ce-source is the initiator, not an instance", async () => {
    const ce = new CloudEvent({
      type: TYPE,
      source: "pipeline:deploy-42",
      id: "ce-bin-dispatch",
      data: applied({ phase: "dispatched", targets: ["pod-1", "pod-2"] }),
    });
    expect((await send(HTTP.binary(ce))).body).toMatchObject({ accepted: 1, rejected: [] });
    const stored = await storedEvent("ce-bin-dispatch");
    expect(stored.instance).toBeNull();
    expect(stored.initiator).toBe("pipeline:deploy-42");
    // The SDK stamps the time it made the event; that is the event's time.
    expect(stored.occurredAt.toISOString()).toBe(ce.time);
  });

  test("what the event says itself wins over the headers", async () => {
    const own = minutesAgo(7);
    const ce = new CloudEvent({
      type: TYPE,
      source: "ignored-pod",
      id: "ce-bin-outer",
      data: applied({ id: "own-id", occurredAt: own, instance: "pod-own" }),
    });
    expect((await send(HTTP.binary(ce))).body).toMatchObject({ accepted: 1 });
    const stored = await storedEvent("own-id");
    expect(stored.occurredAt.toISOString()).toBe(own);
    expect(stored.instance?.instanceKey).toBe("pod-own");
    expect(await db().reloadEvent.count()).toBe(1);
  });

  test("an array as the body: each event without an id gets ce-id#<index>; a resend is all duplicates", async () => {
    const ce = new CloudEvent({
      type: TYPE,
      source: "pod-9",
      id: "ce-batch",
      time: minutesAgo(1),
      data: [
        applied({ phase: "received" }),
        applied({ phase: "applied" }),
        applied({ phase: "acked", id: "named" }),
        applied({ phase: "bogus" }),
      ],
    });
    const answer = await send(HTTP.binary(ce));
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(3);
    expect(answer.body.rejected).toEqual([{ index: 3, reason: expect.stringContaining("phase: must be one of") }]);
    const stored = await db().reloadEvent.findMany({ orderBy: { id: "asc" }, include: { instance: true } });
    expect(stored.map((e) => [e.id, e.phase, e.instance?.instanceKey])).toEqual([
      ["ce-batch#0", "received", "pod-9"],
      ["ce-batch#1", "applied", "pod-9"],
      ["named", "acked", "pod-9"],
    ]);
    expect((await send(HTTP.binary(ce))).body).toMatchObject({ accepted: 0, duplicates: 3 });
  });

  test("another ce-type is refused whole, naming the header", async () => {
    const answer = await send(
      HTTP.binary(new CloudEvent({ type: "com.example.deployed", source: "pod-1", data: applied() })),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('ce-type: must be "dev.reloadscope.reload"');
    expect(await db().reloadEvent.count()).toBe(0);
  });

  test("CloudEvents 0.3 is refused, naming ce-specversion", async () => {
    const answer = await send(
      HTTP.binary(new CloudEvent({ type: TYPE, source: "pod-1", specversion: "0.3", data: applied() })),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('ce-specversion: must be "1.0"');
  });

  test.each([
    ["no ce-id", { "ce-id": undefined }, "ce-id: is required"],
    ["no ce-source", { "ce-source": undefined }, "ce-source: is required"],
    ["ce-* headers without ce-specversion", { "ce-specversion": undefined }, "ce-specversion: is required"],
    ["a ce-time that is not RFC 3339", { "ce-time": "yesterday" }, "ce-time: must be an RFC 3339 timestamp"],
    ["a ce-source holding NUL (percent-encoded)", { "ce-source": "pod%00-1" }, "ce-source: must not contain NUL"],
    ["a ce-id that is not UTF-8 once percent-decoded", { "ce-id": "id-%FF" }, "ce-id: is not valid UTF-8"],
  ])("%s → 400 naming the header, nothing stored", async (_name, change, reason) => {
    const message = HTTP.binary(new CloudEvent({ type: TYPE, source: "pod-1", id: "ce-hdr", data: applied() }));
    const headers = { ...message.headers } as Record<string, string | undefined>;
    for (const [name, value] of Object.entries(change)) headers[name] = value;
    const answer = await send({
      headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as never,
      body: message.body,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain(reason);
    expect(await db().reloadEvent.count()).toBe(0);
  });

  test("percent-encoded header values are decoded as UTF-8 (the HTTP binding's rule)", async () => {
    const message = HTTP.binary(new CloudEvent({ type: TYPE, source: "pod-1", id: "x", data: applied() }));
    const answer = await send({
      ...message,
      headers: { ...message.headers, "ce-id": "caf%C3%A9-1", "ce-source": "pod-%C3%A9" } as never,
    });
    expect(answer.body).toMatchObject({ accepted: 1 });
    expect((await storedEvent("café-1")).instance?.instanceKey).toBe("pod-é");
  });

  test("an event without occurredAt and no ce-time says occurredAt is required", async () => {
    const message = HTTP.binary(new CloudEvent({ type: TYPE, source: "pod-1", id: "no-time", data: applied() }));
    const headers = { ...message.headers } as Record<string, string>;
    delete headers["ce-time"];
    const answer = await send({ headers: headers as never, body: message.body });
    expect(answer.status).toBe(400);
    expect(answer.body.rejected).toEqual([{ index: 0, reason: "occurredAt: is required" }]);
  });
});

describe("HTTP structured mode", () => {
  test("the same event as application/cloudevents+json is accepted the same way", async () => {
    const time = minutesAgo(3);
    const ce = new CloudEvent({ type: TYPE, source: "pod-s", id: "ce-structured", time, data: applied() });
    const message = HTTP.structured(ce);
    expect(String(message.headers["content-type"])).toMatch(/^application\/cloudevents\+json/);
    expect((await send(message)).body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const stored = await storedEvent("ce-structured");
    expect(stored.occurredAt.toISOString()).toBe(time);
    expect(stored.instance?.instanceKey).toBe("pod-s");
  });

  test("a structured event's time that is not RFC 3339 is named as time", async () => {
    const ce = new CloudEvent({ type: TYPE, source: "pod-s", id: "ce-bad-time", data: applied() });
    const body = JSON.parse(HTTP.structured(ce).body as string);
    body.time = "last tuesday";
    const answer = await send({
      headers: { "content-type": "application/cloudevents+json" } as never,
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.rejected).toEqual([{ index: 0, reason: "time: must be an RFC 3339 timestamp" }]);
  });
});

describe("the SDK's emitter: emitterFor(httpTransport(url))", () => {
  test("binary mode by default, the token passed as a transport header: stored", async () => {
    const emit = emitterFor(httpTransport(`${server.url}/api/v1/events`));
    const ce = new CloudEvent({ type: TYPE, source: "pod-emit", id: "ce-emitted", data: applied() });
    const response = (await emit(ce, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } })) as { body: string };
    expect(JSON.parse(response.body)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(server.seen.at(-1)!.headers["ce-id"]).toBe("ce-emitted");
    expect((await storedEvent("ce-emitted")).instance?.instanceKey).toBe("pod-emit");
  });

  test("structured mode through the emitter", async () => {
    const emit = emitterFor(httpTransport(`${server.url}/api/v1/events`), { mode: Mode.STRUCTURED });
    const ce = new CloudEvent({ type: TYPE, source: "pod-emit", id: "ce-emitted-s", data: applied() });
    const response = (await emit(ce, { headers: { Authorization: `Bearer ${TEST_TOKEN}` } })) as { body: string };
    expect(JSON.parse(response.body)).toMatchObject({ accepted: 1 });
    expect(server.seen.at(-1)!.headers["content-type"]).toMatch(/^application\/cloudevents\+json/);
  });

  test("without the token the emitter's event is refused (401)", async () => {
    const emit = emitterFor(httpTransport(`${server.url}/api/v1/events`));
    await emit(new CloudEvent({ type: TYPE, source: "pod-emit", data: applied() }));
    expect(server.seen.at(-1)!.status).toBe(401);
    expect(await db().reloadEvent.count()).toBe(0);
  });
});
