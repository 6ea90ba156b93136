// POST /v1/traces with hand-made bodies: what the OTLP specification asks of a receiver for
// bad input (400 with nothing written, 415, 401, 413, partial success) and the JSON rules.
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { POST } from "@/app/v1/traces/route";
import { db } from "@/lib/db/client";
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from "@/lib/otlp/proto";
import {
  billingSpansProtobuf,
  nothingWritten,
  NS_PER_MS,
  spanMaker,
  Status,
  traceRequest,
} from "../support/otlp-bodies";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

async function post(
  body: Uint8Array | string,
  contentType: string,
  options: { token?: string | null; gzip?: boolean } = {},
) {
  const headers = new Headers({ "content-type": contentType });
  const token = options.token === undefined ? TEST_TOKEN : options.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  let payload = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  if (options.gzip) {
    payload = gzipSync(payload);
    headers.set("content-encoding", "gzip");
  }
  const response = await POST(new Request("http://127.0.0.1/v1/traces", { method: "POST", headers, body: payload }));
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

const postJson = (body: unknown, options?: { token?: string | null; gzip?: boolean }) =>
  post(JSON.stringify(body), "application/json", options);

const nsAgo = (minutes: number) => (BigInt(Date.now() - minutes * 60_000) * NS_PER_MS).toString();

const span = spanMaker({ trace: "5b", span: "ee" });

const RESOURCE = {
  attributes: [
    { key: "service.name", value: { stringValue: "checkout-api" } },
    { key: "service.namespace", value: { stringValue: "payments" } },
    { key: "deployment.environment.name", value: { stringValue: "prod" } },
    { key: "service.instance.id", value: { stringValue: "pod-7" } },
  ],
};

const request = (spans: unknown[], resource: unknown = RESOURCE) => traceRequest(spans, resource);

const reloadAttributes = (phase: string, extra: { key: string; value: unknown }[] = []) => [
  { key: "reload.id", value: { stringValue: "rl-json" } },
  { key: "reload.phase", value: { stringValue: phase } },
  { key: "reload.kind", value: { stringValue: "config" } },
  { key: "reload.resource", value: { stringValue: "routes.yaml" } },
  { key: "reload.version.from", value: { stringValue: "v1" } },
  ...extra,
];

describe("bodies that cannot be decoded: 400 and nothing written", () => {
  test("a truncated protobuf answers 400 with a google.rpc.Status", async () => {
    // Field 1 (resource_spans), length-delimited, claiming 127 bytes of which 2 follow.
    const answer = await post(Uint8Array.from([0x0a, 0x7f, 0x0a, 0x00]), "application/x-protobuf");
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toBe("application/x-protobuf");
    const status = Status.toObject(Status.decode(answer.body)) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not a protobuf ExportTraceServiceRequest/);
    await nothingWritten();
  });

  test("invalid JSON answers 400 with a JSON Status", async () => {
    const answer = await post('{"resourceSpans": [', "application/json");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toMatchObject({
      code: 3,
      message: expect.stringMatching(/not valid JSON/),
    });
    await nothingWritten();
  });

  test("JSON that is not an ExportTraceServiceRequest answers 400", async () => {
    const answer = await postJson({ resourceSpans: "none" });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString()).message).toMatch(/^resourceSpans: must be an array/);
    await nothingWritten();
  });

  test("gzip that is not gzip answers 400", async () => {
    const answer = await POST(
      new Request("http://127.0.0.1/v1/traces", {
        method: "POST",
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          "content-type": "application/x-protobuf",
          "content-encoding": "gzip",
        },
        body: Buffer.from("not gzip"),
      }),
    );
    expect(answer.status).toBe(400);
    await nothingWritten();
  });
});

describe("requests refused whole", () => {
  test("another content type answers 415", async () => {
    const answer = await post("resourceSpans", "text/plain");
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body.toString()).message).toMatch(/application\/x-protobuf, application\/json/);
  });

  test("no token or a wrong one answers 401 and writes nothing", async () => {
    expect((await postJson(request([span()]), { token: null })).status).toBe(401);
    expect((await postJson(request([span()]), { token: "rs_nope_0000000000000000000000" })).status).toBe(401);
    await nothingWritten();
  });

  test("a body over the limit answers 413", async () => {
    const answer = await post(new Uint8Array(6 * 1024 * 1024), "application/x-protobuf");
    expect(answer.status).toBe(413);
    await nothingWritten();
  });
});

describe("partial success", () => {
  test("a JSON batch with bad spans stores the good ones and counts the others in partialSuccess", async () => {
    const good = span();
    const badId = span({ traceId: "xyz" });
    const badKind = span({ kind: "SPAN_KIND_SERVER" });
    const old = span({ startTimeUnixNano: nsAgo(60 * 24 * 40), endTimeUnixNano: nsAgo(60 * 24 * 40 - 1) });
    // A reload span whose event is refused (applied needs reload.version.to): the span is kept.
    const noTarget = span({ name: "reload.applied", attributes: reloadAttributes("applied") });
    const answer = await postJson(request([good, badId, badKind, old, noTarget]));
    expect(answer.status).toBe(200);
    const { partialSuccess } = JSON.parse(answer.body.toString());
    expect(partialSuccess.rejectedSpans).toBe("4");
    expect(partialSuccess.errorMessage).toContain("(#1): traceId: must be 16 bytes (32 hex digits)");
    expect(partialSuccess.errorMessage).toContain("(#2): kind: must be an integer (OTLP/JSON enums are integers)");
    expect(partialSuccess.errorMessage).toContain(
      "(#3): startTimeUnixNano: is older than the retention window of 30 days",
    );
    expect(partialSuccess.errorMessage).toContain(
      `span ${noTarget.spanId} of trace ${noTarget.traceId} (#4): reload event: reload.version.to: is required for phase applied`,
    );
    const stored = await db().span.findMany({ orderBy: { spanId: "asc" } });
    expect(stored.map((s) => s.spanId)).toEqual([good.spanId, noTarget.spanId]);
    expect(await db().reloadEvent.count()).toBe(0);
  });

  test("a protobuf batch gets partialSuccess in protobuf", async () => {
    const ids = (n: number) => ({ traceId: Buffer.alloc(16, n), spanId: Buffer.alloc(8, n) });
    const start = BigInt(nsAgo(5));
    const body = billingSpansProtobuf([
      { ...ids(1), name: "ok", startTimeUnixNano: start.toString(), endTimeUnixNano: (start + 1000n).toString() },
      {
        ...ids(2),
        name: "ends before it starts",
        startTimeUnixNano: start.toString(),
        endTimeUnixNano: (start - 1n).toString(),
      },
      {
        ...ids(3),
        name: "nul",
        startTimeUnixNano: start.toString(),
        endTimeUnixNano: start.toString(),
        attributes: [{ key: "k", value: { stringValue: "a\u0000b" } }],
      },
    ]);
    const answer = await post(body, "application/x-protobuf", { gzip: true });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/x-protobuf");
    const response = ExportTraceServiceResponse.decode(answer.body) as {
      partialSuccess: { rejectedSpans: { toString(): string }; errorMessage: string };
    };
    expect(response.partialSuccess.rejectedSpans.toString()).toBe("2");
    expect(response.partialSuccess.errorMessage).toMatch(
      /\(#1\): endTimeUnixNano: is before startTimeUnixNano; .*\(#2\): attributes: must not contain NUL/,
    );
    const stored = await db().span.findFirstOrThrow({ include: { service: true } });
    expect(stored.traceId).toBe("01".repeat(16));
    expect(stored.durationNs).toBe(1000n);
    // No deployment.environment.name on the resource: the environment is "default".
    expect(stored.service).toMatchObject({ environment: "default", namespace: "", name: "billing" });
    expect(stored.instanceKey).toBeNull();
  });
});

describe("the OTLP/JSON rules", () => {
  test("hex ids in any case, string int64s, integer enums, every AnyValue shape, unknown fields ignored", async () => {
    const start = BigInt(nsAgo(3)) + 123_456n;
    // A JSON number is accepted too; beyond 2^53 it holds what a double can (here, exactly).
    const end = Number(start + 7_000_000n);
    const body = {
      futureTopLevelField: true,
      resourceSpans: [
        {
          resource: RESOURCE,
          schemaUrl: "https://opentelemetry.io/schemas/1.30.0",
          scopeSpans: [
            {
              scope: {
                name: "agent",
                version: "2.0",
                attributes: [{ key: "scope.kind", value: { stringValue: "reload" } }],
              },
              spans: [
                {
                  traceId: "5B8EFFF798038103D269B633813FC60C",
                  spanId: "EEE19B7EC3C1B174",
                  parentSpanId: "",
                  traceState: "vendor=1",
                  name: "load routes",
                  kind: 1,
                  startTimeUnixNano: start.toString(),
                  endTimeUnixNano: end,
                  droppedAttributesCount: 0,
                  someFutureField: { x: 1 },
                  attributes: [
                    { key: "s", value: { stringValue: "text" } },
                    { key: "b", value: { boolValue: false } },
                    { key: "i", value: { intValue: "9007199254740993" } },
                    { key: "n", value: { intValue: 42 } },
                    { key: "neg", value: { intValue: "-5" } },
                    { key: "d", value: { doubleValue: 1.5 } },
                    { key: "nan", value: { doubleValue: "NaN" } },
                    { key: "a", value: { arrayValue: { values: [{ stringValue: "x" }, { intValue: "1" }, {}] } } },
                    {
                      key: "kv",
                      value: {
                        kvlistValue: {
                          values: [
                            { key: "inner", value: { boolValue: true } },
                            { key: "deeper", value: { kvlistValue: {} } },
                          ],
                        },
                      },
                    },
                    { key: "bytes", value: { bytesValue: "AQID" } },
                    { key: "empty", value: {} },
                    { key: "__proto__", value: { stringValue: "just a key" } },
                  ],
                  events: [
                    {
                      timeUnixNano: (start + 1_000_000n).toString(),
                      name: "cache warmed",
                      attributes: [{ key: "entries", value: { intValue: "12" } }],
                    },
                  ],
                  links: [{ traceId: "AB".repeat(16), spanId: "CD".repeat(8), attributes: [] }],
                  status: { code: 1, message: "" },
                },
              ],
            },
          ],
        },
      ],
    };
    const answer = await postJson(body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({});
    const stored = await db().span.findFirstOrThrow();
    expect(stored).toMatchObject({
      traceId: "5b8efff798038103d269b633813fc60c",
      spanId: "eee19b7ec3c1b174",
      parentSpanId: null,
      traceState: "vendor=1",
      kind: 1,
      statusCode: 1,
      statusMessage: null,
      scopeName: "agent",
      scopeVersion: "2.0",
      scopeAttributes: { "scope.kind": "reload" },
      instanceKey: "pod-7",
    });
    expect(stored.startTime.getTime()).toBe(Number(start / NS_PER_MS));
    expect(stored.durationNs).toBe(BigInt(end) - start);
    expect(stored.attributes).toEqual({
      s: "text",
      b: false,
      i: "9007199254740993",
      n: 42,
      neg: -5,
      d: 1.5,
      nan: "NaN",
      a: ["x", 1, null],
      kv: { inner: true, deeper: {} },
      bytes: "AQID",
      empty: null,
      ["__proto__"]: "just a key",
    });
    expect(stored.events).toEqual([
      { time: expect.stringMatching(/Z$/), name: "cache warmed", attributes: { entries: 12 } },
    ]);
    expect(stored.links).toEqual([
      { traceId: "ab".repeat(16), spanId: "cd".repeat(8), traceState: "", attributes: {} },
    ]);
    // Microseconds are kept: the stored start is the sent one to the microsecond.
    const rows = await db().$queryRawUnsafe<{ micros: string }[]>(
      `SELECT (extract(epoch FROM start_time) * 1000000)::bigint::text AS micros FROM span`,
    );
    expect(rows).toEqual([{ micros: (start / 1000n).toString() }]);
  });

  test("a reload span sent as JSON becomes its event: reload.id as an int, the phase from the name, status ERROR → failed", async () => {
    const applied = span({
      name: "reload.applied",
      attributes: [
        { key: "reload.id", value: { intValue: "4242" } },
        { key: "reload.kind", value: { stringValue: "model" } },
        { key: "reload.resource", value: { stringValue: "fraud-model" } },
        { key: "reload.version.to", value: { stringValue: "m-7" } },
        { key: "reload.initiator", value: { stringValue: "pipeline:train" } },
      ],
      status: { code: 2, message: "" },
      events: [
        {
          timeUnixNano: nsAgo(10),
          name: "exception",
          attributes: [{ key: "exception.message", value: { stringValue: "CUDA out of memory" } }],
        },
      ],
    });
    // reload.id without a phase: a span that only correlates with the reload.
    const correlated = span({
      name: "load weights",
      attributes: [{ key: "reload.id", value: { stringValue: "4242" } }],
    });
    const answer = await postJson(request([applied, correlated]));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({});
    const stored = await db().reloadEvent.findFirstOrThrow({ include: { instance: true, service: true } });
    expect(stored).toMatchObject({
      id: `otlp:${applied.traceId}:${applied.spanId}`,
      reloadId: "4242",
      phase: "failed",
      error: "CUDA out of memory",
      kind: "model",
      resource: "fraud-model",
      toVersion: "m-7",
      initiator: "pipeline:train",
      durationMs: 5n,
    });
    expect(stored.instance?.instanceKey).toBe("pod-7");
    expect(stored.service).toMatchObject({ environment: "prod", namespace: "payments", name: "checkout-api" });
    expect(await db().reloadEvent.count()).toBe(1);
    expect((await db().span.findMany({ select: { reloadId: true } })).map((s) => s.reloadId)).toEqual(["4242", "4242"]);
    expect((await db().reload.findFirstOrThrow()).reloadId).toBe("4242");
  });

  test("a bad reload.phase refuses the event, not the span; sent again, the span is still stored once", async () => {
    const bad = span({ name: "reload.step", attributes: reloadAttributes("exploded") });
    for (let i = 0; i < 2; i++) {
      const answer = await postJson(request([bad]));
      expect(answer.status).toBe(200);
      const { partialSuccess } = JSON.parse(answer.body.toString());
      expect(partialSuccess).toMatchObject({
        rejectedSpans: "1",
        errorMessage: expect.stringContaining("reload event: reload.phase: must be one of requested"),
      });
    }
    expect(await db().span.count()).toBe(1);
    expect(await db().reloadEvent.count()).toBe(0);
  });
});
