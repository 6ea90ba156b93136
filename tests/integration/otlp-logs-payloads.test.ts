// POST /v1/logs with hand-made bodies: bad input (400 google.rpc.Status with nothing written,
// 415), records that are not reload events (counted and dropped), refused reload records
// (counted in partialSuccess), and how a record's fields become the event's.
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { POST } from "@/app/v1/logs/route";
import { createIngestToken } from "@/lib/api/token-admin";
import { db } from "@/lib/db/client";
import { ingestCounts } from "@/lib/metrics/ingest-counters";
import { ExportLogsServiceRequest, ExportLogsServiceResponse, type PbLogsRequest } from "@/lib/otlp/logs-proto";
import { nothingWritten, NS_PER_MS, Status } from "../support/otlp-bodies";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

async function post(body: Uint8Array | string, contentType: string, options: { gzip?: boolean; token?: string } = {}) {
  const headers = new Headers({ "content-type": contentType, authorization: `Bearer ${options.token ?? TEST_TOKEN}` });
  let payload = Buffer.from(body);
  if (options.gzip) {
    payload = gzipSync(payload);
    headers.set("content-encoding", "gzip");
  }
  const response = await POST(new Request("http://127.0.0.1/v1/logs", { method: "POST", headers, body: payload }));
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

const postJson = (body: unknown, options?: { gzip?: boolean; token?: string }) =>
  post(JSON.stringify(body), "application/json", options);

const nsAgo = (minutes: number) => BigInt(Date.now() - minutes * 60_000) * NS_PER_MS;

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const RESOURCE = {
  attributes: [
    str("service.name", "checkout-api"),
    str("service.namespace", "payments"),
    str("deployment.environment.name", "prod"),
    str("service.instance.id", "pod-7"),
  ],
};
const reloadAttributes = (extra: { key: string; value: unknown }[] = []) => [
  str("reload.id", "rl-logs"),
  str("reload.kind", "config"),
  str("reload.resource", "routes.yaml"),
  str("reload.version.from", "v1"),
  str("reload.version.to", "v2"),
  ...extra,
];

/** A JSON log record that is a reload event, emitted 10 minutes ago. */
const reloadRecord = (eventName: string, overrides: Record<string, unknown> = {}) => ({
  timeUnixNano: nsAgo(10).toString(),
  eventName,
  attributes: reloadAttributes(),
  traceId: "5b8efff798038103d269b633813fc60c",
  spanId: "eee19b7ec3c1b174",
  ...overrides,
});
const plainRecord = (text: string) => ({
  timeUnixNano: nsAgo(10).toString(),
  severityNumber: 9,
  body: { stringValue: text },
});
const request = (records: unknown[], resource: unknown = RESOURCE) => ({
  resourceLogs: [{ resource, scopeLogs: [{ scope: { name: "test" }, logRecords: records }] }],
});

describe("bodies that cannot be decoded: 400 and nothing written", () => {
  test("a truncated protobuf answers 400 with a google.rpc.Status", async () => {
    const answer = await post(Uint8Array.from([0x0a, 0x7f, 0x0a, 0x00]), "application/x-protobuf");
    expect(answer.status).toBe(400);
    expect(answer.contentType).toBe("application/x-protobuf");
    const status = Status.decode(answer.body) as unknown as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^the body is not a protobuf ExportLogsServiceRequest: /);
    await nothingWritten();
  });

  test("invalid JSON, and JSON that is not an ExportLogsServiceRequest, answer 400 with a JSON Status", async () => {
    const bad = await post("{not json", "application/json");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString())).toMatchObject({
      code: 3,
      message: expect.stringMatching(/^the body is not valid JSON/),
    });
    const wrong = await postJson({ resourceLogs: "all of them" });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body.toString()).message).toBe("resourceLogs: must be an array");
    await nothingWritten();
  });

  test("AnyValue nested beyond 32 levels is refused before it is walked, in protobuf too", async () => {
    let value: unknown = { stringValue: "deep" };
    for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
    const json = await postJson(request([reloadRecord("reload.applied", { body: value })]));
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString()).message).toMatch(/nested/);
    const message = {
      resourceLogs: [{ resource: null, scopeLogs: [{ scope: null, logRecords: [{ body: value }] }] }],
    } as unknown as PbLogsRequest;
    const proto = await post(ExportLogsServiceRequest.encode(message).finish(), "application/x-protobuf");
    expect(proto.status).toBe(400);
    await nothingWritten();
  });

  test("another content type → 415", async () => {
    expect((await post("x", "text/plain")).status).toBe(415);
  });
});

describe("records that are not reload events", () => {
  test("are counted and dropped without error: 200, no partialSuccess, nothing stored", async () => {
    const before = ingestCounts().logRecords;
    const answer = await postJson(
      request([
        plainRecord("GET /health 200"),
        plainRecord("cache warmed"),
        { eventName: "user.login", timeUnixNano: nsAgo(1).toString() },
      ]),
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({});
    const after = ingestCounts().logRecords;
    expect(after.dropped - before.dropped).toBe(3);
    expect(after.reload - before.reload).toBe(0);
    await nothingWritten();
  });
});

describe("reload records that are refused: counted in partialSuccess, the others stored", () => {
  test("JSON: a record without reload.id and one with an unknown phase, beside a good one and a log line", async () => {
    const before = ingestCounts().logRecords;
    const answer = await postJson(
      request([
        reloadRecord("reload.applied"),
        reloadRecord("reload.acked", { attributes: reloadAttributes().filter((a) => a.key !== "reload.id") }),
        plainRecord("applied routes.yaml"),
        reloadRecord("reload.started"),
      ]),
      { gzip: true },
    );
    expect(answer.status).toBe(200);
    const partial = JSON.parse(answer.body.toString()).partialSuccess;
    expect(partial.rejectedLogRecords).toBe("2");
    expect(partial.errorMessage).toContain("log record #1: reload.id: is required for phase acked");
    expect(partial.errorMessage).toContain("log record #3: reload.phase: must be one of");
    expect(await db().reloadEvent.count()).toBe(1);
    const after = ingestCounts().logRecords;
    expect([after.reload - before.reload, after.dropped - before.dropped, after.rejected - before.rejected]).toEqual([
      1, 1, 2,
    ]);
  });

  test("protobuf: the answer is an ExportLogsServiceResponse with partialSuccess.rejectedLogRecords", async () => {
    const attributes = (phase: string) => [
      { key: "reload.phase", value: { stringValue: phase } },
      ...reloadAttributes().map((a) => ({
        key: a.key,
        value: { stringValue: (a.value as { stringValue: string }).stringValue },
      })),
    ];
    const message = {
      resourceLogs: [
        {
          resource: { attributes: RESOURCE.attributes },
          scopeLogs: [
            {
              scope: { name: "agent" },
              logRecords: [
                // no trace context, and only the observed time: an event all the same
                { observedTimeUnixNano: Number(nsAgo(5) / 1000n) * 1000, attributes: attributes("applied") },
                // no time at all
                { attributes: attributes("acked") },
              ],
            },
          ],
        },
      ],
    } as unknown as PbLogsRequest;
    const answer = await post(ExportLogsServiceRequest.encode(message).finish(), "application/x-protobuf");
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe("application/x-protobuf");
    const partial = ExportLogsServiceResponse.decode(answer.body).partialSuccess!;
    expect(Number(partial.rejectedLogRecords)).toBe(1);
    expect(partial.errorMessage).toBe("log record #1: timeUnixNano: is required (or observedTimeUnixNano)");
    const stored = await db().reloadEvent.findFirstOrThrow({ include: { instance: true } });
    expect(stored).toMatchObject({ phase: "applied", traceId: null, spanId: null, reloadId: "rl-logs" });
    expect(stored.instance?.instanceKey).toBe("pod-7");
  });

  test("invalid UTF-8 in a protobuf string is refused naming the attribute, never stored as U+FFFD", async () => {
    const message = {
      resourceLogs: [
        {
          resource: { attributes: RESOURCE.attributes },
          scopeLogs: [
            {
              scope: null,
              logRecords: [
                {
                  timeUnixNano: Number(nsAgo(5) / 1000n) * 1000,
                  eventName: "reload.applied",
                  attributes: reloadAttributes().map((a) =>
                    a.key === "reload.resource" ? str(a.key, "routes-XY.yaml") : a,
                  ),
                },
              ],
            },
          ],
        },
      ],
    } as unknown as PbLogsRequest;
    const body = Buffer.from(ExportLogsServiceRequest.encode(message).finish());
    body[body.indexOf("routes-XY") + 7] = 0xff;
    const answer = await post(body, "application/x-protobuf");
    expect(answer.status).toBe(200);
    expect(ExportLogsServiceResponse.decode(answer.body).partialSuccess!.errorMessage).toBe(
      "log record #0: reload.resource: is not valid UTF-8",
    );
    await nothingWritten();
  });
});

describe("a record's fields as the event's", () => {
  test("reload.error wins over the body; a structured body is the error as JSON; the same record twice is one event", async () => {
    const withError = reloadRecord("reload.nacked", {
      body: { stringValue: "see attribute" },
      attributes: reloadAttributes([str("reload.error", "schema: unknown field 'retries'")]),
    });
    const structured = reloadRecord("reload.failed", {
      spanId: "eee19b7ec3c1b175",
      body: { kvlistValue: { values: [str("reason", "timeout")] } },
      attributes: reloadAttributes([
        str("service.instance.id", "ignored"),
        { key: "attempt", value: { intValue: "2" } },
      ]),
    });
    const answer = await postJson(request([withError, structured, withError]));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({});
    const events = await db().reloadEvent.findMany({ orderBy: { phase: "asc" } });
    expect(events.map((e) => [e.phase, e.error])).toEqual([
      ["failed", '{"reason":"timeout"}'],
      ["nacked", "schema: unknown field 'retries'"],
    ]);
    expect(events[0]!.attributes).toEqual({ "service.instance.id": "ignored", attempt: 2 });
    expect(events[0]!.traceId).toBe("5b8efff798038103d269b633813fc60c");
    // events[0] is the "failed" record: its own time (the two records are stamped a moment apart)
    expect(events[0]!.occurredAt.getTime()).toBe(Number(BigInt(structured.timeUnixNano) / NS_PER_MS));
    expect(events[1]!.occurredAt.getTime()).toBe(Number(BigInt(withError.timeUnixNano) / NS_PER_MS));
    // A resend of the request: all duplicates.
    await postJson(request([withError, structured]));
    expect(await db().reloadEvent.count()).toBe(2);
  });

  test("a request or approval is the reload's, not the reporting instance's (as for spans)", async () => {
    const answer = await postJson(
      request([
        reloadRecord("reload.requested", {
          attributes: reloadAttributes([str("reload.initiator", "pipeline:deploy-7")]),
        }),
      ]),
    );
    expect(answer.status).toBe(200);
    const stored = await db().reloadEvent.findFirstOrThrow();
    expect(stored).toMatchObject({ phase: "requested", instanceId: null, initiator: "pipeline:deploy-7" });
  });

  test("a token restricted to other services: the record is refused with the token's reason, nothing of it written", async () => {
    const { token } = await createIngestToken("staging agent", ["ingest"], undefined, ["staging/*"]);
    const answer = await postJson(request([reloadRecord("reload.applied")]), { token });
    expect(answer.status).toBe(200);
    const partial = JSON.parse(answer.body.toString()).partialSuccess;
    expect(partial.rejectedLogRecords).toBe("1");
    expect(partial.errorMessage).toMatch(/^log record #0: .*prod\/payments\/checkout-api/);
    expect(await db().reloadEvent.count()).toBe(0);
  });
});
