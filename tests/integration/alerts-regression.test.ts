// Regression after a reload (docs/adr/0014): the service's spans, sent to POST /v1/traces by
// the OpenTelemetry SDK's own protobuf exporter, before and after a reload sent to
// POST /api/v1/events; p95 or error ratio worse by more than 1.5× alerts, with both numbers.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SpanStatusCode } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POST } from "@/app/v1/traces/route";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { seededRandom } from "@/lib/random";
import { alertsOf, later } from "../support/alerts";
import { acceptEvents, scopedReload } from "../support/ingest-client";
import { checkoutResource, inMemoryTracing } from "../support/otel-sdk";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const response = await POST(
      new Request(`${baseUrl}${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const checkout = { environment: "prod", namespace: "payments", service: "checkout-api" };

/** `count` GET /checkout server spans of checkout-api's pod-1, `ms` long (±10 %), from `from` on, one a second; `errors` of them fail. */
async function traffic(from: number, count: number, ms: number, errors: number, seed: number): Promise<ReadableSpan[]> {
  const { memory, provider } = inMemoryTracing(checkoutResource("pod-1"));
  const tracer = provider.getTracer("http");
  const random = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const start = from + i * 1000;
    const span = tracer.startSpan("GET /checkout", { startTime: start, attributes: { "http.route": "/checkout" } });
    if (i < errors) span.setStatus({ code: SpanStatusCode.ERROR, message: "upstream reset" });
    span.end(start + ms * (0.9 + 0.2 * random()));
  }
  await provider.forceFlush();
  return memory.getFinishedSpans();
}

async function exportSpans(spans: ReadableSpan[]): Promise<void> {
  const exporter = new OTLPTraceExporter({
    url: `${baseUrl}/v1/traces`,
    headers: { Authorization: `Bearer ${TEST_TOKEN}` },
  });
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
  expect(result.error).toBeUndefined();
  expect(result.code).toBe(0);
  await exporter.shutdown();
}

describe("regression after a reload", () => {
  test("p95 span duration 1.5× worse after the reload than before it fires, showing both numbers; the window passing resolves it", async () => {
    // the reload: requested 30 min ago, acked by pod-1 21 s later
    await acceptEvents(
      scopedReload(checkout, "rl-slow-model", "model", "ranker", "m1", "m2", 30, { "pod-1": "acked" }),
    );
    const startedAt = Date.now() - 30 * 60_000;
    const completedAt = startedAt + 21_000;
    // before: 100 ms spans in the 10 minutes before it started; after: 260 ms ones
    await exportSpans([
      ...(await traffic(startedAt - 9 * 60_000, 40, 100, 0, 1)),
      ...(await traffic(completedAt + 1000, 40, 260, 0, 2)),
    ]);
    const now = new Date();
    const opened = (await evaluateAlerts({ now, rules: ["regression"] })).opened;
    expect(opened).toHaveLength(1);
    const [alert] = await alertsOf("regression");
    expect(alert).toMatchObject({ state: "firing", severity: "critical", kind: "model", resource: "ranker" });
    const details = alert!.details as {
      latency: boolean;
      errors: boolean;
      before: { spans: number; p95Ms: number };
      after: { spans: number; p95Ms: number };
    };
    expect(details).toMatchObject({ latency: true, errors: false, before: { spans: 40 }, after: { spans: 40 } });
    expect(details.before.p95Ms).toBeGreaterThan(90);
    expect(details.before.p95Ms).toBeLessThan(111);
    expect(details.after.p95Ms).toBeGreaterThan(234);
    expect(details.after.p95Ms).toBeLessThan(287);
    expect(alert!.summary).toMatch(
      /^prod\/payments\/checkout-api after reload rl-slow-model \(model\/ranker m2\): p95 \d+(\.\d)? ms → \d+(\.\d)? ms$/,
    );
    expect(alert!.link).toBe(`/reloads/${alert!.reload_key}`);

    expect((await evaluateAlerts({ now: later(now, 1), rules: ["regression"] })).opened).toEqual([]);
    // an hour on, the reload is past the rule's lookback
    expect((await evaluateAlerts({ now: later(now, 61), rules: ["regression"] })).resolved).toHaveLength(1);
  });

  test("an error ratio 1.5× worse fires; too few spans on either side, or a change within the factor, does not", async () => {
    await acceptEvents(scopedReload(checkout, "rl-errors", "config", "app.yaml", "a1", "a2", 30, { "pod-1": "acked" }));
    await acceptEvents(
      scopedReload({ ...checkout, service: "ledger" }, "rl-few", "config", "app.yaml", "a1", "a2", 30, {
        "l-1": "acked",
      }),
    );
    const startedAt = Date.now() - 30 * 60_000;
    const completedAt = startedAt + 21_000;
    // same latency; 1 error in 40 before, 8 in 40 after
    await exportSpans([
      ...(await traffic(startedAt - 9 * 60_000, 40, 100, 1, 3)),
      ...(await traffic(completedAt + 1000, 40, 110, 8, 4)),
    ]);
    const opened = (await evaluateAlerts({ rules: ["regression"] })).opened;
    expect(opened.map((a) => a.summary)).toEqual([
      expect.stringMatching(/after reload rl-errors .*: errors 2\.5% → 20%$/),
    ]);
    expect(opened[0]!.details).toMatchObject({
      latency: false,
      errors: true,
      before: { errorRatio: 0.025 },
      after: { errorRatio: 0.2 },
    });
  });
});
