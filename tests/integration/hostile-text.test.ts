// Hostile text on both ingest routes (DESIGN.md "Reload events": valid UTF-8, refused with a
// reason): AnyValue and attribute nesting bounded before any recursive validator sees it, and
// invalid UTF-8 refused with a reason naming its field instead of being stored as U+FFFD.
import { describe, expect, test } from "vitest";
import { POST as postEventsRoute } from "@/app/api/v1/events/route";
import { POST as postTracesRoute } from "@/app/v1/traces/route";
import { db } from "@/lib/db/client";
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from "@/lib/otlp/proto";
import { event } from "../support/ingest-client";
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

const headers = (contentType: string) => ({ authorization: `Bearer ${TEST_TOKEN}`, "content-type": contentType });

async function postTraces(body: Uint8Array, contentType: "application/json" | "application/x-protobuf") {
  const response = await postTracesRoute(
    new Request("http://127.0.0.1/v1/traces", {
      method: "POST",
      headers: headers(contentType),
      body: Buffer.from(body),
    }),
  );
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

async function postEvents(body: Uint8Array) {
  const response = await postEventsRoute(
    new Request("http://127.0.0.1/api/v1/events", {
      method: "POST",
      headers: headers("application/json"),
      body: Buffer.from(body),
    }),
  );
  return {
    status: response.status,
    body: (await response.json()) as {
      accepted?: number;
      duplicates?: number;
      rejected?: { index: number; reason: string }[];
    },
  };
}

/** UTF-8 of `text` with each `<XX>` replaced by the byte 0xXX (which may make it invalid UTF-8). */
function withBytes(text: string): Buffer {
  return Buffer.concat(
    text
      .split(/<([0-9A-F]{2})>/)
      .map((part, i) => (i % 2 === 1 ? Buffer.from([parseInt(part, 16)]) : Buffer.from(part))),
  );
}

const start = () => BigInt(Date.now() - 10 * 60_000) * NS_PER_MS;
const span = spanMaker({ trace: "7a", span: "aa" });

const RESOURCE = { attributes: [{ key: "service.name", value: { stringValue: "checkout-api" } }] };
const request = (spans: unknown[], resource: unknown = RESOURCE) => traceRequest(spans, resource);

/** An AnyValue holding `levels` kvlists, one inside the other (the same shape in OTLP/JSON and protobufjs objects). */
function nestedAnyValue(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { stringValue: "leaf" };
  for (let i = 0; i < levels; i++) value = { kvlistValue: { values: [{ key: "k", value }] } };
  return value;
}

describe("nesting is bounded before validation, in both encodings", () => {
  test("OTLP/JSON: 451 kvlists deep in span attributes answers 400 naming the path, nothing written", async () => {
    const body = request([span({ attributes: [{ key: "deep", value: nestedAnyValue(451) }] })]);
    const answer = await postTraces(Buffer.from(JSON.stringify(body)), "application/json");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toEqual({
      code: 3,
      message: "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: nested deeper than 32 levels",
    });
    await nothingWritten();
  });

  test("OTLP/JSON: 451 arrays deep in resource attributes answers 400", async () => {
    let value: Record<string, unknown> = { stringValue: "leaf" };
    for (let i = 0; i < 451; i++) value = { arrayValue: { values: [value] } };
    const body = request([span()], { attributes: [...RESOURCE.attributes, { key: "deep", value }] });
    const answer = await postTraces(Buffer.from(JSON.stringify(body)), "application/json");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString()).message).toBe(
      "resourceSpans[0].resource.attributes[1].value: nested deeper than 32 levels",
    );
    await nothingWritten();
  });

  test("OTLP/JSON: 32 levels are stored, 33 are refused", async () => {
    const ok = await postTraces(
      Buffer.from(JSON.stringify(request([span({ attributes: [{ key: "deep", value: nestedAnyValue(32) }] })]))),
      "application/json",
    );
    expect(ok.status).toBe(200);
    expect(await db().span.count()).toBe(1);
    const refused = await postTraces(
      Buffer.from(JSON.stringify(request([span({ attributes: [{ key: "deep", value: nestedAnyValue(33) }] })]))),
      "application/json",
    );
    expect(refused.status).toBe(400);
    expect(await db().span.count()).toBe(1);
  });

  test("protobuf: 451 kvlists deep answers 400 with a google.rpc.Status naming the path", async () => {
    const t = start();
    const body = billingSpansProtobuf([
      {
        traceId: Buffer.alloc(16, 1),
        spanId: Buffer.alloc(8, 1),
        name: "deep",
        startTimeUnixNano: t.toString(),
        endTimeUnixNano: t.toString(),
        attributes: [{ key: "deep", value: nestedAnyValue(451) }],
      },
    ]);
    const answer = await postTraces(body, "application/x-protobuf");
    expect(answer.status).toBe(400);
    const status = Status.toObject(Status.decode(answer.body)) as { code: number; message: string };
    expect(status).toEqual({
      code: 3,
      message: "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: nested deeper than 32 levels",
    });
    await nothingWritten();
  });

  test("events: attributes nested 451 levels are refused for that event alone", async () => {
    let attributes: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 451; i++) attributes = { a: attributes };
    const answer = await postEvents(Buffer.from(JSON.stringify([event({ attributes }), event()])));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 0, reason: "attributes: nested deeper than 32 levels" }],
    });
  });
});

describe("invalid UTF-8 is refused, naming the field, never stored as U+FFFD", () => {
  test("events: u8-X\\xff and then u8-X\\xfe are both refused as ids, not one duplicate of the other", async () => {
    const json = (id: string) => JSON.stringify(event({ id: "@ID@" })).replace("@ID@", id);
    for (const id of ["u8-X<FF>", "u8-X<FE>"]) {
      const answer = await postEvents(withBytes(json(id)));
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        accepted: 0,
        duplicates: 0,
        rejected: [{ index: 0, reason: "id: is not valid UTF-8" }],
      });
    }
    expect(await db().reloadEvent.count()).toBe(0);
  });

  test("events: a truncated sequence or an overlong form in one event refuses that event; its neighbours are stored", async () => {
    const body = JSON.stringify([
      event({ service: "@A@" }),
      event({ resource: "@B@" }),
      event({ id: "ok-\u00e9\u{1F600}" }),
    ])
      .replace("@A@", "svc-<E2><82>")
      .replace("@B@", "<C0><AF>etc");
    const answer = await postEvents(withBytes(body));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { index: 0, reason: "service: is not valid UTF-8" },
        { index: 1, reason: "resource: is not valid UTF-8" },
      ],
    });
    expect((await db().reloadEvent.findFirstOrThrow()).id).toBe("ok-\u00e9\u{1F600}");
  });

  test("OTLP/JSON: a span name with invalid bytes is refused in partialSuccess; the other span is stored", async () => {
    const good = span({ name: "caf\u00e9" });
    const bad = span({ name: "@NAME@" });
    const body = JSON.stringify(request([good, bad])).replace("@NAME@", "bad<FF>name");
    const answer = await postTraces(withBytes(body), "application/json");
    expect(answer.status).toBe(200);
    const { partialSuccess } = JSON.parse(answer.body.toString());
    expect(partialSuccess.rejectedSpans).toBe("1");
    expect(partialSuccess.errorMessage).toContain("(#1): name: is not valid UTF-8");
    expect((await db().span.findFirstOrThrow()).name).toBe("caf\u00e9");
  });

  test.each([
    ["the span name", { name: "bad-@@" }, undefined, "name: is not valid UTF-8"],
    [
      "an attribute key",
      { attributes: [{ key: "key-@@", value: { stringValue: "v" } }] },
      undefined,
      "attributes: is not valid UTF-8",
    ],
    [
      "an attribute value",
      { attributes: [{ key: "k", value: { stringValue: "val-@@" } }] },
      undefined,
      "attributes: is not valid UTF-8",
    ],
    [
      "reload.id",
      { attributes: [{ key: "reload.id", value: { stringValue: "rl-@@" } }] },
      undefined,
      "attributes: is not valid UTF-8",
    ],
    ["service.name", {}, "svc-@@", "resource attributes: is not valid UTF-8"],
  ])("protobuf: invalid bytes in %s refuse that span with a reason", async (_name, overrides, serviceName, reason) => {
    const t = start();
    const spanOf = (n: number, extra: Record<string, unknown>) => ({
      traceId: Buffer.alloc(16, n),
      spanId: Buffer.alloc(8, n),
      name: `span-${n}`,
      startTimeUnixNano: t.toString(),
      endTimeUnixNano: t.toString(),
      ...extra,
    });
    const resourceSpans = [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: serviceName ?? "billing" } }] },
        scopeSpans: [{ scope: null, spans: [spanOf(1, overrides)] }],
      },
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "billing" } }] },
        scopeSpans: [{ scope: null, spans: [spanOf(2, {})] }],
      },
    ];
    const encoded = Buffer.from(ExportTraceServiceRequest.encode({ resourceSpans } as never).finish());
    // "@@" becomes 0xFF 0xFE: the same length, so every length prefix still holds.
    const at = encoded.indexOf("@@");
    expect(at).toBeGreaterThan(0);
    encoded[at] = 0xff;
    encoded[at + 1] = 0xfe;
    const answer = await postTraces(encoded, "application/x-protobuf");
    expect(answer.status).toBe(200);
    const response = ExportTraceServiceResponse.decode(answer.body) as {
      partialSuccess: { rejectedSpans: { toString(): string }; errorMessage: string };
    };
    expect(response.partialSuccess.rejectedSpans.toString()).toBe("1");
    expect(response.partialSuccess.errorMessage).toContain(`(#0): ${reason}`);
    const stored = await db().span.findMany();
    expect(stored.map((s) => s.name)).toEqual(["span-2"]);
    expect(JSON.stringify(stored.map((s) => [s.name, s.attributes, s.resourceAttributes]))).not.toContain("\uFFFD");
  });
});
