import { describe, expect, test } from "vitest";
import { errorStatus } from "@/lib/api/errors";
import { IngestError } from "@/lib/ingest/errors";
import { DEFAULT_RETENTION_MS, parseEvents, type BodyFormat, type TimeBounds } from "@/lib/ingest/parse-events";
import fixture from "../fixtures/wire-events.json";

type Wire = Record<string, unknown>;
const valid = fixture.valid as Wire;
const NOW = new Date(fixture.now);
const BOUNDS: TimeBounds = { now: NOW, retentionMs: DEFAULT_RETENTION_MS };
const MIN = 60_000;
const DAY = 86_400_000;

/** Puts in the lone surrogates that the fixture spells `{lone:D800}`, in strings and keys. */
function withLoneSurrogates(value: unknown): unknown {
  const expand = (text: string) =>
    text.replace(/\{lone:([0-9A-F]{4})\}/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  if (typeof value === "string") return expand(value);
  if (Array.isArray(value)) return value.map(withLoneSurrogates);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [expand(k), withLoneSurrogates(v)]));
  }
  return value;
}

/** `{ a: { a: … value } }`, `depth` objects deep. */
function nested(depth: number, value: unknown): Wire {
  let v: unknown = value;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v as Wire;
}

/** parseEvents with the server's clock pinned at the fixture's `now` and the default retention. */
const parse = (body: unknown, format: BodyFormat, maxEvents: number) => parseEvents(body, format, maxEvents, BOUNDS);

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
    const parsed = parse(event(), "json", 10);
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
        targets: null,
        targetCount: null,
      },
    });
  });

  test("an array keeps the order and the indexes", () => {
    const parsed = parse([event({ id: "a" }), event({ id: "b" }), event({ id: "c" })], "json", 10);
    expect(parsed.total).toBe(3);
    expect(parsed.events.map((e) => [e.index, e.event.id])).toEqual([
      [0, "a"],
      [1, "b"],
      [2, "c"],
    ]);
  });

  test("a minimal heartbeat is normalised: absent optionals become null/empty", () => {
    const parsed = parse(
      {
        id: "hb-1",
        environment: "prod",
        service: "ledger",
        instance: "ledger-1",
        kind: "config",
        resource: "ledger.toml",
        phase: "heartbeat",
        toVersion: "5e1d2c0",
        occurredAt: "2026-11-21T14:00:00+01:00",
      },
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
      targets: null,
      targetCount: null,
    });
  });

  test("a control-plane event needs no instance", () => {
    const parsed = parse(event({ phase: "requested", instance: null }), "json", 1);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events[0]!.event.instance).toBeNull();
  });

  test.each<[string, Wire, Partial<Record<string, unknown>>]>([
    ["error text is trimmed", { phase: "nacked", error: "  route conflict \n" }, { error: "route conflict" }],
    [
      "trace and span ids are lower-cased",
      { traceId: "4BF92F3577B34DA6A3CE929D0E0E4736", spanId: "00F067AA0BA902B7" },
      { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" },
    ],
    [
      "names are trimmed",
      { service: "  checkout-api ", environment: " prod" },
      { service: "checkout-api", environment: "prod" },
    ],
    [
      "a time zone offset is honoured",
      { occurredAt: "2026-11-21T16:03:07.412+02:00" },
      { occurredAt: new Date("2026-11-21T14:03:07.412Z") },
    ],
    [
      "an occurredAt 4 minutes ahead of the clock is tolerated",
      { occurredAt: "2026-11-21T15:04:00.000Z" },
      { occurredAt: new Date("2026-11-21T15:04:00.000Z") },
    ],
    [
      "an occurredAt exactly 5 minutes ahead is tolerated",
      { occurredAt: "2026-11-21T15:05:00.000Z" },
      { occurredAt: new Date("2026-11-21T15:05:00.000Z") },
    ],
    [
      "an occurredAt 29 days old is accepted",
      { occurredAt: "2026-10-23T15:00:00.000Z" },
      { occurredAt: new Date("2026-10-23T15:00:00.000Z") },
    ],
    [
      "an occurredAt exactly the retention old is accepted",
      { occurredAt: "2026-10-22T15:00:00.000Z" },
      { occurredAt: new Date("2026-10-22T15:00:00.000Z") },
    ],
    ["a durationMs of 3e9 (beyond 32 bits)", { durationMs: 3e9 }, { durationMs: 3_000_000_000 }],
    [
      "a durationMs of Number.MAX_SAFE_INTEGER",
      { durationMs: Number.MAX_SAFE_INTEGER },
      { durationMs: Number.MAX_SAFE_INTEGER },
    ],
    [
      "a well-formed astral character (a surrogate pair) in names",
      { service: "checkout-\u{1F600}", labels: { "\u{1F30D}": "eu-\u{1F600}" } },
      { service: "checkout-\u{1F600}", labels: { "\u{1F30D}": "eu-\u{1F600}" } },
    ],
    [
      "a dispatched event's targets, counted",
      { phase: "dispatched", instance: null, targets: ["checkout-api-1", "checkout-api-2"] },
      { targets: ["checkout-api-1", "checkout-api-2"], targetCount: 2 },
    ],
    [
      "a dispatched event's targets with the same count",
      { phase: "dispatched", instance: null, targets: ["a", "b", "c"], targetCount: 3 },
      { targets: ["a", "b", "c"], targetCount: 3 },
    ],
    [
      "a dispatched event's targetCount alone",
      { phase: "dispatched", instance: null, targetCount: 20 },
      { targets: null, targetCount: 20 },
    ],
    ["any lowercase kind is accepted", { kind: "ml.tokenizer_v2" }, { kind: "ml.tokenizer_v2" }],
  ])("%s", (_name, patch, expected) => {
    const parsed = parse(event(patch), "json", 1);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events[0]!.event).toMatchObject(expected);
  });
});

describe("parseEvents: rejection reasons name the field", () => {
  type Rejection = { name: string; patch: Wire; omit: string[]; reason?: string; reasonMatches?: string };
  const rejections = (fixture.rejections as Rejection[]).map((r) => ({
    ...r,
    patch: withLoneSurrogates(r.patch) as Wire,
  }));
  test.each(rejections.map((r) => [r.name, r] as const))("%s", (_name, r) => {
    const parsed = parse([event(), event(r.patch, r.omit)], "json", 10);
    expect(parsed.events.map((e) => e.index)).toEqual([0]);
    expect(parsed.rejected).toHaveLength(1);
    expect(parsed.rejected[0]!.index).toBe(1);
    if (r.reason !== undefined) expect(parsed.rejected[0]!.reason).toBe(r.reason);
    else expect(parsed.rejected[0]!.reason).toMatch(new RegExp(r.reasonMatches!));
  });

  test("the fixture's surrogate cases really hold lone surrogates once expanded", () => {
    const cases = rejections.filter((r) => r.name.includes("surrogate"));
    expect(cases.length).toBeGreaterThanOrEqual(6);
    // JSON.stringify writes a lone surrogate as a \uXXXX escape.
    for (const r of cases) expect(JSON.stringify(r.patch), r.name).toMatch(/\\ud[89a-f][0-9a-f]{2}/);
  });

  test.each<[string, Wire, string]>([
    [
      "attributes nested 70 levels deep",
      { attributes: nested(70, "leaf") },
      "attributes: nested deeper than 32 levels",
    ],
    [
      "a lone surrogate 20 levels deep in attributes",
      { attributes: nested(20, "x\uD800") },
      "attributes: must be valid Unicode (it holds a lone UTF-16 surrogate)",
    ],
    [
      "a NUL 20 levels deep in attributes",
      { attributes: nested(20, "x\u0000") },
      "attributes: must not contain NUL characters (\\u0000)",
    ],
    [
      "a lone surrogate in a targets entry",
      { phase: "dispatched", instance: null, targets: ["ok", "i-\uDFFF"] },
      "targets: must be valid Unicode (it holds a lone UTF-16 surrogate)",
    ],
    [
      "a lone surrogate in the initiator",
      { initiator: "person:\uD83D" },
      "initiator: must be valid Unicode (it holds a lone UTF-16 surrogate)",
    ],
    [
      "a reversed surrogate pair in the resource",
      { resource: "routes-\uDE00\uD83D.yaml" },
      "resource: must be valid Unicode (it holds a lone UTF-16 surrogate)",
    ],
  ])("%s is rejected naming the field", (_name, patch, reason) => {
    const parsed = parse([event(), event(patch)], "json", 10);
    expect(parsed.events.map((e) => e.index)).toEqual([0]);
    expect(parsed.rejected).toEqual([{ index: 1, reason }]);
  });

  test("attributes over 16 KiB of JSON are refused", () => {
    const parsed = parse(event({ attributes: { blob: "x".repeat(16 * 1024) } }), "json", 1);
    expect(parsed.events).toEqual([]);
    expect(parsed.rejected).toEqual([{ index: 0, reason: "attributes: must be at most 16384 bytes of JSON" }]);
  });

  test.each<[string, unknown]>([
    ["a number", 42],
    ["a string", "event"],
    ["null", null],
    ["a nested array", [event()]],
  ])("an array item that is %s is rejected at its index", (_name, item) => {
    const parsed = parse([event(), item], "json", 10);
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
    const parsed = parse(body, "json", 10);
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

describe("parseEvents: time bounds (now and retention are the caller's)", () => {
  const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
  test.each<[string, number, TimeBounds, string | null]>([
    ["4 minutes ahead", 4 * MIN, BOUNDS, null],
    ["6 minutes ahead", 6 * MIN, BOUNDS, "occurredAt: is more than 5 minutes in the future (check the sender's clock)"],
    ["9 minutes ahead", 9 * MIN, BOUNDS, "occurredAt: is more than 5 minutes in the future (check the sender's clock)"],
    ["30 days ago", -30 * DAY, BOUNDS, null],
    ["31 days ago", -31 * DAY, BOUNDS, "occurredAt: is older than the retention window of 30 days"],
    [
      "8 days ago with a 7-day retention",
      -8 * DAY,
      { now: NOW, retentionMs: 7 * DAY },
      "occurredAt: is older than the retention window of 7 days",
    ],
    ["6 days ago with a 7-day retention", -6 * DAY, { now: NOW, retentionMs: 7 * DAY }, null],
    [
      "6 minutes ahead of a clock an hour later",
      6 * MIN,
      { now: new Date(NOW.getTime() + 60 * MIN), retentionMs: DEFAULT_RETENTION_MS },
      null,
    ],
  ])("%s → %s", (_name, offsetMs, bounds, reason) => {
    const parsed = parseEvents(event({ occurredAt: at(offsetMs) }), "json", 1, bounds);
    expect(parsed.rejected).toEqual(reason === null ? [] : [{ index: 0, reason }]);
    expect(parsed.events).toHaveLength(reason === null ? 1 : 0);
  });

  test("the default retention is 30 days", () => {
    expect(DEFAULT_RETENTION_MS).toBe(30 * DAY);
  });

  test("a CloudEvent's envelope time is checked like the event's own", () => {
    const ce = cloudEvent(event({}, ["occurredAt"]), { time: "0000-01-01T00:00:00Z" });
    expect(parse(ce, "cloudevent", 1).rejected).toEqual([
      { index: 0, reason: "occurredAt: is older than the retention window of 30 days" },
    ]);
    const future = cloudEvent(event({}, ["occurredAt"]), { time: at(6 * MIN) });
    expect(parse(future, "cloudevent", 1).rejected).toEqual([
      { index: 0, reason: "occurredAt: is more than 5 minutes in the future (check the sender's clock)" },
    ]);
  });
});

describe("parseEvents: CloudEvents", () => {
  const bare = event({}, ["id", "occurredAt", "instance"]);

  test("structured mode: the envelope's id/time/source fill id/occurredAt/instance", () => {
    const parsed = parse(cloudEvent(bare), "cloudevent", 1);
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
    const parsed = parse(cloudEvent(event()), "cloudevent", 1);
    expect(parsed.events[0]!.event).toMatchObject({
      id: "01JD8X4Q2W",
      occurredAt: new Date("2026-11-21T14:03:07.412Z"),
      instance: "checkout-api-7d9f-x2k1",
    });
    const other = parse(
      cloudEvent(event({ instance: "checkout-api-other" }), { source: "/some/source" }),
      "cloudevent",
      1,
    );
    expect(other.events[0]!.event.instance).toBe("checkout-api-other");
  });

  // DESIGN.md: `source` fills `instance` only for instance phases; for control-plane phases it
  // goes to `initiator` when that is absent.
  const SOURCE = "checkout-api-7d9f-x2k1";
  const asInstance = { instance: SOURCE, initiator: null };
  const asInitiator = { instance: null, initiator: SOURCE };
  test.each<[string, Wire, { instance: string | null; initiator: string | null }]>([
    ["received", { phase: "received" }, asInstance],
    ["parsed", { phase: "parsed" }, asInstance],
    ["validated", { phase: "validated" }, asInstance],
    ["staged", { phase: "staged" }, asInstance],
    ["applied", { phase: "applied" }, asInstance],
    ["acked", { phase: "acked" }, asInstance],
    ["nacked", { phase: "nacked", error: "route conflict" }, asInstance],
    ["heartbeat", { phase: "heartbeat", reloadId: null }, asInstance],
    ["requested", { phase: "requested" }, asInitiator],
    ["approved", { phase: "approved" }, asInitiator],
    ["rejected", { phase: "rejected" }, asInitiator],
    ["dispatched", { phase: "dispatched", targetCount: 4 }, asInitiator],
    ["failed (the control plane's)", { phase: "failed", error: "webhook unreachable" }, asInitiator],
    ["rolled_back (the control plane's)", { phase: "rolled_back" }, asInitiator],
  ])("source of a %s event without instance or initiator → %o", (_name, patch, who) => {
    const data = event(patch, ["id", "occurredAt", "instance", "initiator"]);
    const parsed = parse(cloudEvent(data), "cloudevent", 1);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events[0]!.event).toMatchObject({ phase: patch.phase, ...who });
  });

  test.each<[string, Wire, { instance: string | null; initiator: string | null }]>([
    [
      "an instance phase keeps its own initiator",
      { phase: "applied" },
      { instance: SOURCE, initiator: "pipeline:deploy-v1.2" },
    ],
    [
      "a control-plane phase keeps its own initiator",
      { phase: "dispatched" },
      { instance: null, initiator: "pipeline:deploy-v1.2" },
    ],
    [
      "an instance's own failure keeps its instance and takes source as initiator",
      { phase: "failed", error: "disk full", instance: "checkout-api-9" },
      { instance: "checkout-api-9", initiator: SOURCE },
    ],
    [
      "an instance's own rollback keeps its instance",
      { phase: "rolled_back", instance: "checkout-api-9", initiator: "agent:sidecar" },
      { instance: "checkout-api-9", initiator: "agent:sidecar" },
    ],
  ])("%s", (_name, patch, who) => {
    const omit = [
      "id",
      "occurredAt",
      ...(patch.instance === undefined ? ["instance"] : []),
      ...(patch.phase === "failed" ? ["initiator"] : []),
    ];
    const parsed = parse(cloudEvent(event(patch, omit)), "cloudevent", 1);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events[0]!.event).toMatchObject(who);
  });

  test("a control-plane dispatched/failed never gets an instance from source, even in a batch", () => {
    const batch = (["dispatched", "failed"] as const).map((phase, i) =>
      cloudEvent(
        event({ phase, error: phase === "failed" ? "webhook unreachable" : null }, [
          "id",
          "occurredAt",
          "instance",
          "initiator",
        ]),
        { id: `ce-${i}`, source: "control-plane-7" },
      ),
    );
    const parsed = parse(batch, "cloudevent-batch", 10);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.events.map((e) => [e.event.phase, e.event.instance, e.event.initiator])).toEqual([
      ["dispatched", null, "control-plane-7"],
      ["failed", null, "control-plane-7"],
    ]);
  });

  test('an explicit "instance": null on an instance phase stays null (and is rejected)', () => {
    const parsed = parse(cloudEvent({ ...event({}, ["id", "occurredAt"]), instance: null }), "cloudevent", 1);
    expect(parsed.rejected).toEqual([{ index: 0, reason: "instance: is required for phase applied" }]);
  });

  test.each<[string, Wire, string]>([
    [
      "a lone surrogate in source (filling instance)",
      { source: "checkout-\uD800" },
      "instance: must be valid Unicode (it holds a lone UTF-16 surrogate)",
    ],
    [
      "a NUL in source (filling instance)",
      { source: "checkout\u0000" },
      "instance: must not contain NUL characters (\\u0000)",
    ],
    [
      "a lone surrogate in the envelope id",
      { id: "ce-\uDC00" },
      "id: must be valid Unicode (it holds a lone UTF-16 surrogate)",
    ],
  ])("%s is rejected naming the field it fills", (_name, envelope, reason) => {
    const parsed = parse(cloudEvent(bare, envelope), "cloudevent", 1);
    expect(parsed.rejected).toEqual([{ index: 0, reason }]);
  });

  test.each<[string, Wire, string]>([
    ["wrong specversion", { specversion: "0.3" }, 'specversion: must be "1.0"'],
    ["wrong type", { type: "com.example.other" }, 'type: must be "dev.reloadscope.reload"'],
    ["data not an object", { data: "applied" }, "data: must be a reload event object"],
    ["id empty", { id: "" }, "id: must not be empty"],
  ])("envelope with %s is rejected", (_name, envelope, reason) => {
    const parsed = parse(cloudEvent(bare, envelope), "cloudevent", 1);
    expect(parsed.events).toEqual([]);
    expect(parsed.rejected).toEqual([{ index: 0, reason }]);
  });

  test("no time in the envelope nor the event: occurredAt is the rejected field", () => {
    const ce = cloudEvent(bare);
    delete ce.time;
    const parsed = parse(ce, "cloudevent", 1);
    expect(parsed.rejected).toHaveLength(1);
    expect(parsed.rejected[0]!.reason).toMatch(/^occurredAt: /);
  });

  test("the data is validated like a plain event", () => {
    const parsed = parse(cloudEvent({ ...bare, phase: "nacked" }), "cloudevent", 1);
    expect(parsed.rejected).toEqual([{ index: 0, reason: "error: is required for phase nacked" }]);
  });

  test("a batch: each envelope fills its own event; bad ones rejected by index", () => {
    const batch = [
      cloudEvent(bare, { id: "ce-1", source: "checkout-api-a", time: "2026-11-21T14:01:00Z" }),
      cloudEvent(bare, { id: "ce-2", specversion: "2.0" }),
      cloudEvent(
        { ...bare, phase: "heartbeat", reloadId: null },
        { id: "ce-3", source: "checkout-api-b", time: "2026-11-21T14:02:00Z" },
      ),
      { not: "a cloudevent" },
    ];
    const parsed = parse(batch, "cloudevent-batch", 10);
    expect(parsed.total).toBe(4);
    expect(parsed.events.map((e) => [e.index, e.event.id, e.event.instance, e.event.occurredAt.toISOString()])).toEqual(
      [
        [0, "ce-1", "checkout-api-a", "2026-11-21T14:01:00.000Z"],
        [2, "ce-3", "checkout-api-b", "2026-11-21T14:02:00.000Z"],
      ],
    );
    expect(parsed.rejected.map((r) => r.index)).toEqual([1, 3]);
    expect(parsed.rejected[0]!.reason).toBe('specversion: must be "1.0"');
    expect(parsed.rejected[1]!.reason).toMatch(/specversion/);
  });
});

describe("parseEvents: whole-body errors", () => {
  test.each<[string, unknown, BodyFormat, number, number, string]>([
    ["an empty array", [], "json", 10, 400, "empty_batch"],
    ["an empty CloudEvents batch", [], "cloudevent-batch", 10, 400, "empty_batch"],
    [
      "one event over the limit",
      [event({ id: "1" }), event({ id: "2" }), event({ id: "3" })],
      "json",
      2,
      413,
      "too_many_events",
    ],
    [
      "a CloudEvents batch over the limit",
      [cloudEvent(event()), cloudEvent(event())],
      "cloudevent-batch",
      1,
      413,
      "too_many_events",
    ],
    ["a JSON number", 7, "json", 10, 400, "invalid_body"],
    ["a JSON string", "hello", "json", 10, 400, "invalid_body"],
    ["null", null, "json", 10, 400, "invalid_body"],
    ["a structured CloudEvent that is an array", [cloudEvent(event())], "cloudevent", 10, 400, "invalid_body"],
    ["a CloudEvents batch that is an object", cloudEvent(event()), "cloudevent-batch", 10, 400, "invalid_body"],
  ])("%s → IngestError, answered through the route's error table", (_name, body, format, max, status, code) => {
    const error = ingestError(() => parse(body, format, max));
    expect(error.code).toBe(code);
    expect(errorStatus(error.code)).toBe(status);
    expect(error.message.length).toBeGreaterThan(0);
  });

  test("the over-limit message says how many were sent and how many are allowed", () => {
    const error = ingestError(() =>
      parse(
        Array.from({ length: 5 }, (_, i) => event({ id: `e${i}` })),
        "json",
        4,
      ),
    );
    expect(error.message).toContain("5");
    expect(error.message).toContain("4");
  });

  test("exactly at the limit is accepted", () => {
    const parsed = parse(
      Array.from({ length: 4 }, (_, i) => event({ id: `e${i}` })),
      "json",
      4,
    );
    expect(parsed.events).toHaveLength(4);
    expect(parsed.rejected).toEqual([]);
  });

  test("all invalid is still an answer (the route turns it into 400), not a throw", () => {
    const parsed = parse([event({ phase: "nacked" }), event({ kind: "X" })], "json", 10);
    expect(parsed.events).toEqual([]);
    expect(parsed.rejected.map((r) => r.index)).toEqual([0, 1]);
  });
});
