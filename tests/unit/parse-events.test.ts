import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { IngestError } from "@/lib/ingest/errors";
import { parseEvents, type BodyFormat } from "@/lib/ingest/parse-events";
import fixture from "../fixtures/wire-events.json";

type Wire = Record<string, unknown>;
const valid = fixture.valid as Wire;
const NOW = new Date(fixture.now);

beforeAll(() => {
  // The "future occurredAt" rule reads the clock; pin it.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterAll(() => {
  vi.useRealTimers();
});

const event = (patch: Wire = {}, omit: string[] = []): Wire => {
  const e: Wire = { ...valid, ...patch };
  for (const key of omit) delete e[key];
  return e;
};
const cloudEvent = (data: Wire, envelope: Wire = {}): Wire => ({
  specversion: "1.0",
  type: "dev.reloadscope.reload",
  id: "ce-0001",
  source: "checkout-api-7d9f-x2k1",
  time: "2026-11-21T14:05:00.000Z",
  datacontenttype: "application/json",
  data,
  ...envelope,
});

function ingestError(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(IngestError);
    return error as IngestError;
  }
  throw new Error("expected an IngestError, nothing was thrown");
}

describe("parseEvents: accepted shapes", () => {
  test("a single object", () => {
    const parsed = parseEvents(event(), "json", 10);
    expect(parsed.total).toBe(1);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toEqual({
      index: 0,
      event: {
        id: "01JD8X4Q2W",
        reloadId: "rl-7f3a",
        environment: "prod",
        namespace: "payments",
        service: "checkout-api",
        instance: "checkout-api-7d9f-x2k1",
        labels: { region: "eu-west-1", host: "ip-10-0-3-7" },
        kind: "config",
        resource: "routes.yaml",
        phase: "applied",
        fromVersion: "a41c9e0",
        toVersion: "b7d2f11",
        initiator: "pipeline:deploy-v1.2",
        occurredAt: new Date("2026-11-21T14:03:07.412Z"),
        durationMs: 184,
        error: null,
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        attributes: { "config.hash": "sha256:9f86d08" },
      },
    });
  });

  test("an array keeps the order and the indexes", () => {
    const parsed = parseEvents([event({ id: "a" }), event({ id: "b" }), event({ id: "c" })], "json", 10);
    expect(parsed.total).toBe(3);
    expect(parsed.events.map((e) => [e.index, e.event.id])).toEqual([
      [0, "a"],
      [1, "b"],
      [2, "c"],
    ]);
  });

  test("a minimal heartbeat is normalised: absent optionals become null/empty", () => {
    const parsed = parseEvents(
      { id: "hb-1", environment: "prod", service: "ledger", instance: "ledger-1", kind: "config", resource: "ledger.toml", phase: "heartbeat", toVersion: "5e1d2c0", occurredAt: "2026-11-21T14:00:00+01:00" },
      "json",
      1,
    );
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events[0]!.event).toEqual({
      id: "hb-1",
      reloadId: null,
      environment: "prod",
      namespace: "",
      service: "ledger",
      instance: "ledger-1",
      labels: {},
      kind: "config",
      resource: "ledger.toml",
      phase: "heartbeat",
      fromVersion: null,
      toVersion: "5e1d2c0",
      initiator: null,
      occurredAt: new Date("2026-11-21T13:00:00.000Z"),
      durationMs: null,
      error: null,
      traceId: null,
      spanId: null,
      attributes: {},
    });
  });

  test("a control-plane event needs no instance", () => {
    const parsed = parseEvents(event({ phase: "requested", instance: null }), "json", 1);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events[0]!.event.instance).toBeNull();
  });

  test.each<[string, Wire, Partial<Record<string, unknown>>]>([
    ["error text is trimmed", { phase: "nacked", error: "  route conflict \n" }, { error: "route conflict" }],
    ["trace and span ids are lower-cased", { traceId: "4BF92F3577B34DA6A3CE929D0E0E4736", spanId: "00F067AA0BA902B7" }, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" }],
    ["names are trimmed", { service: "  checkout-api ", environment: " prod" }, { service: "checkout-api", environment: "prod" }],
    ["a time zone offset is honoured", { occurredAt: "2026-11-21T16:03:07.412+02:00" }, { occurredAt: new Date("2026-11-21T14:03:07.412Z") }],
    ["an occurredAt a little ahead of the clock is tolerated", { occurredAt: "2026-11-21T15:09:00.000Z" }, { occurredAt: new Date("2026-11-21T15:09:00.000Z") }],
    ["any lowercase kind is accepted", { kind: "ml.tokenizer_v2" }, { kind: "ml.tokenizer_v2" }],
  ])("%s", (_name, patch, expected) => {
    const parsed = parseEvents(event(patch), "json", 1);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events[0]!.event).toMatchObject(expected);
  });
});

describe("parseEvents: rejection reasons name the field", () => {
  type Rejection = { name: string; patch: Wire; omit: string[]; reason?: string; reasonMatches?: string };
  test.each((fixture.rejections as Rejection[]).map((r) => [r.name, r] as const))("%s", (_name, r) => {
    const parsed = parseEvents([event(), event(r.patch, r.omit)], "json", 10);
    expect(parsed.events.map((e) => e.index)).toEqual([0]);
    expect(parsed.rejected).toHaveLength(1);
    expect(parsed.rejected[0]!.index).toBe(1);
    if (r.reason !== undefined) expect(parsed.rejected[0]!.reason).toBe(r.reason);
    else expect(parsed.rejected[0]!.reason).toMatch(new RegExp(r.reasonMatches!));
  });

  test("attributes over 16 KiB of JSON are refused", () => {
    const parsed = parseEvents(event({ attributes: { blob: "x".repeat(16 * 1024) } }), "json", 1);
    expect(parsed.events).toEqual([]);
    expect(parsed.rejected).toEqual([{ index: 0, reason: "attributes: must be at most 16384 bytes of JSON" }]);
  });

  test.each<[string, unknown]>([
    ["a number", 42],
    ["a string", "event"],
    ["null", null],
    ["a nested array", [event()]],
  ])("an array item that is %s is rejected at its index", (_name, item) => {
    const parsed = parseEvents([event(), item], "json", 10);
    expect(parsed.events.map((e) => e.index)).toEqual([0]);
    expect(parsed.rejected.map((r) => r.index)).toEqual([1]);
    expect(parsed.rejected[0]!.reason.length).toBeGreaterThan(0);
  });

  test("mixed valid and invalid events keep their indexes", () => {
    const body = [
      event({ id: "ok-0" }),
      event({ id: "bad-1", phase: "nacked" }),
      event({ id: "ok-2" }),
      event({ id: "bad-3", traceId: "nope" }),
      event({ id: "bad-4" }, ["toVersion"]),
      event({ id: "ok-5", phase: "heartbeat", reloadId: null }),
    ];
    const parsed = parseEvents(body, "json", 10);
    expect(parsed.total).toBe(6);
    expect(parsed.events.map((e) => [e.index, e.event.id])).toEqual([
      [0, "ok-0"],
      [2, "ok-2"],
      [5, "ok-5"],
    ]);
    expect(parsed.rejected).toEqual([
      { index: 1, reason: "error: is required for phase nacked" },
      { index: 3, reason: "traceId: must be 32 hex digits" },
      { index: 4, reason: "toVersion: is required for phase applied" },
    ]);
  });
});

describe("parseEvents: CloudEvents", () => {
  const bare = event({}, ["id", "occurredAt", "instance"]);

  test("structured mode: the envelope's id/time/source fill id/occurredAt/instance", () => {
    const parsed = parseEvents(cloudEvent(bare), "cloudevent", 1);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]!.event).toMatchObject({
      id: "ce-0001",
      occurredAt: new Date("2026-11-21T14:05:00.000Z"),
      instance: "checkout-api-7d9f-x2k1",
      phase: "applied",
      toVersion: "b7d2f11",
      service: "checkout-api",
    });
  });

  test("structured mode: the event's own id/occurredAt/instance win over the envelope", () => {
    const parsed = parseEvents(cloudEvent(event()), "cloudevent", 1);
    expect(parsed.events[0]!.event).toMatchObject({
      id: "01JD8X4Q2W",
      occurredAt: new Date("2026-11-21T14:03:07.412Z"),
      instance: "checkout-api-7d9f-x2k1",
    });
    const other = parseEvents(cloudEvent(event({ instance: "checkout-api-other" }), { source: "/some/source" }), "cloudevent", 1);
    expect(other.events[0]!.event.instance).toBe("checkout-api-other");
  });

  test.each<[string, Wire, string]>([
    ["wrong specversion", { specversion: "0.3" }, 'specversion: must be "1.0"'],
    ["wrong type", { type: "com.example.other" }, 'type: must be "dev.reloadscope.reload"'],
    ["data not an object", { data: "applied" }, "data: must be a reload event object"],
    ["id empty", { id: "" }, "id: must not be empty"],
  ])("envelope with %s is rejected", (_name, envelope, reason) => {
    const parsed = parseEvents(cloudEvent(bare, envelope), "cloudevent", 1);
    expect(parsed.events).toEqual([]);
    expect(parsed.rejected).toEqual([{ index: 0, reason }]);
  });

  test("no time in the envelope nor the event: occurredAt is the rejected field", () => {
    const ce = cloudEvent(bare);
    delete ce.time;
    const parsed = parseEvents(ce, "cloudevent", 1);
    expect(parsed.rejected).toHaveLength(1);
    expect(parsed.rejected[0]!.reason).toMatch(/^occurredAt: /);
  });

  test("the data is validated like a plain event", () => {
    const parsed = parseEvents(cloudEvent({ ...bare, phase: "nacked" }), "cloudevent", 1);
    expect(parsed.rejected).toEqual([{ index: 0, reason: "error: is required for phase nacked" }]);
  });

  test("a batch: each envelope fills its own event; bad ones rejected by index", () => {
    const batch = [
      cloudEvent(bare, { id: "ce-1", source: "checkout-api-a", time: "2026-11-21T14:01:00Z" }),
      cloudEvent(bare, { id: "ce-2", specversion: "2.0" }),
      cloudEvent({ ...bare, phase: "heartbeat", reloadId: null }, { id: "ce-3", source: "checkout-api-b", time: "2026-11-21T14:02:00Z" }),
      { not: "a cloudevent" },
    ];
    const parsed = parseEvents(batch, "cloudevent-batch", 10);
    expect(parsed.total).toBe(4);
    expect(parsed.events.map((e) => [e.index, e.event.id, e.event.instance, e.event.occurredAt.toISOString()])).toEqual([
      [0, "ce-1", "checkout-api-a", "2026-11-21T14:01:00.000Z"],
      [2, "ce-3", "checkout-api-b", "2026-11-21T14:02:00.000Z"],
    ]);
    expect(parsed.rejected.map((r) => r.index)).toEqual([1, 3]);
    expect(parsed.rejected[0]!.reason).toBe('specversion: must be "1.0"');
    expect(parsed.rejected[1]!.reason).toMatch(/specversion/);
  });
});

describe("parseEvents: whole-body errors", () => {
  test.each<[string, unknown, BodyFormat, number, number, string]>([
    ["an empty array", [], "json", 10, 400, "empty_batch"],
    ["an empty CloudEvents batch", [], "cloudevent-batch", 10, 400, "empty_batch"],
    ["one event over the limit", [event({ id: "1" }), event({ id: "2" }), event({ id: "3" })], "json", 2, 413, "too_many_events"],
    ["a CloudEvents batch over the limit", [cloudEvent(event()), cloudEvent(event())], "cloudevent-batch", 1, 413, "too_many_events"],
    ["a JSON number", 7, "json", 10, 400, "invalid_body"],
    ["a JSON string", "hello", "json", 10, 400, "invalid_body"],
    ["null", null, "json", 10, 400, "invalid_body"],
    ["a structured CloudEvent that is an array", [cloudEvent(event())], "cloudevent", 10, 400, "invalid_body"],
    ["a CloudEvents batch that is an object", cloudEvent(event()), "cloudevent-batch", 10, 400, "invalid_body"],
  ])("%s → IngestError %i", (_name, body, format, max, status, code) => {
    const error = ingestError(() => parseEvents(body, format, max));
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
  });

  test("the over-limit message says how many were sent and how many are allowed", () => {
    const error = ingestError(() => parseEvents(Array.from({ length: 5 }, (_, i) => event({ id: `e${i}` })), "json", 4));
    expect(error.message).toContain("5");
    expect(error.message).toContain("4");
  });

  test("exactly at the limit is accepted", () => {
    const parsed = parseEvents(Array.from({ length: 4 }, (_, i) => event({ id: `e${i}` })), "json", 4);
    expect(parsed.events).toHaveLength(4);
    expect(parsed.rejected).toEqual([]);
  });

  test("all invalid is still an answer (the route turns it into 400), not a throw", () => {
    const parsed = parseEvents([event({ phase: "nacked" }), event({ kind: "X" })], "json", 10);
    expect(parsed.events).toEqual([]);
    expect(parsed.rejected.map((r) => r.index)).toEqual([0, 1]);
  });
});
