// POST /v1/traces with the real OpenTelemetry JS SDK exporters as clients (protobuf and JSON,
// gzip on and off) over HTTP to the real route handler, against a real Postgres (or PGlite).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { context, SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";
import { OTLPTraceExporter as HttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { POST } from "@/app/v1/traces/route";
import { db } from "@/lib/db/client";
import { ExportTraceServiceResponse } from "@/lib/otlp/proto";
import { sendDemoTraces } from "@/lib/demo/demo-traces";
import { buildTimelineModel } from "@/lib/reloads/timeline-model";
import { getReloadTimelineData } from "@/lib/reloads/timeline-queries";
import { dispatchToTwoPods, wholeSecondsTenMinutesAgo } from "../support/otlp-bodies";
import { checkoutResource, inMemoryTracing, RELOAD_ATTRIBUTES } from "../support/otel-sdk";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();

interface Seen {
  contentType: string;
  contentEncoding: string;
  status: number;
  body: Buffer;
}

/** A plain node:http server in front of the route handler, as `next start` would be. */
let server: http.Server;
let baseUrl: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/v1/traces") {
      res.writeHead(404).end();
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    const response = await POST(
      new Request(`${baseUrl}${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) }),
    );
    const body = Buffer.from(await response.arrayBuffer());
    seen.push({
      contentType: req.headers["content-type"] ?? "",
      contentEncoding: req.headers["content-encoding"] ?? "",
      status: response.status,
      body,
    });
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  seen.length = 0;
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_COMPRESSION"])
    delete process.env[name];
});

/** Spans one instance of checkout-api records for a reload, made by the SDK's own tracer. */
async function instanceSpans(
  instance: string,
  reloadId: string,
  t0: number,
  outcome: "acked" | "nacked",
): Promise<ReadableSpan[]> {
  const { memory, provider } = inMemoryTracing(checkoutResource(instance, { "host.name": `host-${instance}` }));
  const tracer = provider.getTracer("reload-agent", "1.4.0");
  const attributes = (extra: Attributes = {}): Attributes => ({
    "reload.id": reloadId,
    ...RELOAD_ATTRIBUTES,
    ...extra,
  });
  const root = tracer.startSpan("reload", { startTime: t0 }, context.active());
  const inTrace = trace.setSpan(context.active(), root);
  tracer.startSpan("reload.received", { startTime: t0 + 10, attributes: attributes() }, inTrace).end(t0 + 20);
  if (outcome === "acked") {
    const applied = tracer.startSpan(
      "reload.applied",
      { startTime: t0 + 100, attributes: attributes({ "config.hash": "sha256:ab12" }) },
      inTrace,
    );
    // A child without reload.id: stored with the trace, no reload event.
    tracer
      .startSpan(
        "parse routes.yaml",
        { startTime: t0 + 110, attributes: { "routes.count": 42, "routes.valid": true } },
        trace.setSpan(inTrace, applied),
      )
      .end(t0 + 150);
    applied.end(t0 + 284);
    tracer.startSpan("reload.acked", { startTime: t0 + 300, attributes: attributes() }, inTrace).end(t0 + 301);
  } else {
    const validated = tracer.startSpan(
      "reload.validated",
      { startTime: t0 + 100, attributes: attributes({ "reload.phase": "nacked" }) },
      inTrace,
    );
    validated.setStatus({ code: SpanStatusCode.ERROR, message: "routes.yaml: unknown field 'retries'" });
    validated.end(t0 + 140);
  }
  root.end(t0 + 400);
  await provider.forceFlush();
  return memory.getFinishedSpans();
}

/** Exports the spans with the exporter and resolves with its result code (0 = success). */
function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

const EXPORTERS = [
  { name: "protobuf", compression: "none", make: (c: "gzip" | "none") => new ProtobufExporter(options(c)) },
  { name: "protobuf", compression: "gzip", make: (c: "gzip" | "none") => new ProtobufExporter(options(c)) },
  { name: "JSON", compression: "none", make: (c: "gzip" | "none") => new HttpJsonExporter(options(c)) },
  { name: "JSON", compression: "gzip", make: (c: "gzip" | "none") => new HttpJsonExporter(options(c)) },
] as const;

function options(compression: "gzip" | "none") {
  return {
    url: `${baseUrl}/v1/traces`,
    headers: { Authorization: `Bearer ${TEST_TOKEN}` },
    compression: compression as never,
  };
}

const reloadOf = (reloadId: string) => db().reload.findFirstOrThrow({ where: { reloadId } });

describe.each(EXPORTERS)("the SDK's $name exporter, compression $compression", ({ name, compression, make }) => {
  test("delivers spans that are stored and become the reload's events; exporting again changes nothing", async () => {
    const reloadId = `rl-otlp-${name}-${compression}`;
    const t0 = wholeSecondsTenMinutesAgo();
    await dispatchToTwoPods(reloadId, t0);

    const spans = [
      ...(await instanceSpans("pod-1", reloadId, t0, "acked")),
      ...(await instanceSpans("pod-2", reloadId, t0 + 50, "nacked")),
    ];
    const exporter = make(compression);
    const first = await exportWith(exporter, spans);
    expect(first.error).toBeUndefined();
    expect(first.code).toBe(0);
    expect(spans).toHaveLength(8);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.contentType).toMatch(name === "protobuf" ? /^application\/x-protobuf/ : /^application\/json/);
    expect(seen[0]!.contentEncoding).toBe(compression === "gzip" ? "gzip" : "");
    expect(seen[0]!.status).toBe(200);
    // Fully accepted: no partialSuccess in the answer.
    if (name === "protobuf") expect(ExportTraceServiceResponse.decode(seen[0]!.body).partialSuccess ?? null).toBeNull();
    else expect(JSON.parse(seen[0]!.body.toString())).toEqual({});

    expect(await db().span.count()).toBe(spans.length);
    const stored = await db().span.findMany({ include: { service: true }, orderBy: { startTime: "asc" } });
    const applied = stored.find((s) => s.name === "reload.applied" && s.instanceKey === "pod-1")!;
    expect(applied.service).toMatchObject({ environment: "prod", namespace: "payments", name: "checkout-api" });
    expect(applied.reloadId).toBe(reloadId);
    expect(applied.durationNs).toBe(184_000_000n);
    expect(applied.startTime.getTime()).toBe(t0 + 100);
    expect(applied.scopeName).toBe("reload-agent");
    expect(applied.scopeVersion).toBe("1.4.0");
    expect(applied.resourceAttributes).toMatchObject({ "service.instance.id": "pod-1", "host.name": "host-pod-1" });
    const child = stored.find((s) => s.name === "parse routes.yaml")!;
    expect(child.parentSpanId).toBe(applied.spanId);
    expect(child.traceId).toBe(applied.traceId);
    expect(child.reloadId).toBeNull();
    expect(child.attributes).toEqual({ "routes.count": 42, "routes.valid": true });
    const refused = stored.find((s) => s.name === "reload.validated")!;
    expect(refused.statusCode).toBe(2);
    expect(refused.statusMessage).toBe("routes.yaml: unknown field 'retries'");

    // Reload spans became reload events of the same reload, with the span's ids and timing.
    const events = await db().reloadEvent.findMany({
      where: { reloadId, phase: { not: "dispatched" } },
      include: { instance: true },
    });
    expect(events.map((e) => `${e.instance?.instanceKey}:${e.phase}`).sort()).toEqual([
      "pod-1:acked",
      "pod-1:applied",
      "pod-1:received",
      "pod-2:nacked",
      "pod-2:received",
    ]);
    const appliedEvent = events.find((e) => e.phase === "applied")!;
    expect(appliedEvent).toMatchObject({
      id: `otlp:${applied.traceId}:${applied.spanId}`,
      traceId: applied.traceId,
      spanId: applied.spanId,
      durationMs: 184n,
      kind: "config",
      resource: "routes.yaml",
      toVersion: "v2",
    });
    expect(appliedEvent.occurredAt.getTime()).toBe(t0 + 100);
    expect(appliedEvent.attributes).toEqual({ "config.hash": "sha256:ab12" });
    expect(events.find((e) => e.phase === "nacked")!.error).toBe("routes.yaml: unknown field 'retries'");

    const reload = await reloadOf(reloadId);
    expect(reload).toMatchObject({
      status: "partially_failed",
      instancesTargeted: 2,
      instancesSucceeded: 1,
      instancesNacked: 1,
    });
    // …and the spans sit on that reload's timeline, under their instance, parent above child.
    const timelineData = (await asViewer(() => getReloadTimelineData(String(reload.id))))!;
    const { timeline } = buildTimelineModel(timelineData, new Date());
    const lane = timeline.instances.find((l) => l.key === "pod-1")!;
    expect(lane.spans.map((s) => s.spanId)).toContain(applied.spanId);
    const childOnLane = lane.spans.find((s) => s.spanId === child.spanId)!;
    expect(childOnLane.depth).toBe(lane.spans.find((s) => s.spanId === applied.spanId)!.depth + 1);
    expect(timeline.instances.find((l) => l.key === "pod-2")!.spans.some((s) => s.error)).toBe(true);
    const states = await db().instanceState.findMany({ include: { instance: true } });
    expect(Object.fromEntries(states.map((s) => [s.instance.instanceKey, [s.version, s.outcome]]))).toEqual({
      "pod-1": ["v2", "ok"],
      "pod-2": ["v1", "nacked"],
    });
    expect((await db().instance.findFirstOrThrow({ where: { instanceKey: "pod-1" } })).labels).toEqual({
      host: "host-pod-1",
    });

    // The same spans again (an exporter retry): stored once, the reload unchanged.
    const again = await exportWith(exporter, spans);
    expect(again.code).toBe(0);
    expect(seen[1]!.status).toBe(200);
    expect(await db().span.count()).toBe(spans.length);
    expect(await db().reloadEvent.count()).toBe(1 + events.length);
    expect(await reloadOf(reloadId)).toEqual(reload);
    await exporter.shutdown();
  });
});

test("an exporter configured only by OTEL_EXPORTER_OTLP_* variables posts to /v1/traces and is accepted", async () => {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = baseUrl;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=Bearer ${TEST_TOKEN}`;
  process.env.OTEL_EXPORTER_OTLP_COMPRESSION = "gzip";
  const exporter = new ProtobufExporter();
  const spans = await instanceSpans("pod-9", "rl-env", wholeSecondsTenMinutesAgo(), "acked");
  expect((await exportWith(exporter, spans)).code).toBe(0);
  expect(seen.map((s) => [s.contentEncoding, s.status])).toEqual([["gzip", 200]]);
  expect(await db().span.count()).toBe(spans.length);
  expect((await reloadOf("rl-env")).instancesSucceeded).toBe(1);
  await exporter.shutdown();
});

test("an exporter with a wrong token is refused (401) and nothing is stored", async () => {
  const exporter = new ProtobufExporter({
    url: `${baseUrl}/v1/traces`,
    headers: { Authorization: "Bearer rs_wrong_token_0000000000000000" },
  });
  const result = await exportWith(
    exporter,
    await instanceSpans("pod-1", "rl-401", wholeSecondsTenMinutesAgo(), "acked"),
  );
  expect(result.code).toBe(1);
  expect(seen.map((s) => s.status)).toEqual([401]);
  expect(await db().span.count()).toBe(0);
  await exporter.shutdown();
});

test("the embedded demo's traces make a reload with a slow instance and a NACK", async () => {
  const now = new Date();
  await sendDemoTraces(baseUrl, TEST_TOKEN, now);
  expect(seen.map((s) => [s.contentType, s.contentEncoding, s.status])).toEqual([
    ["application/x-protobuf", "gzip", 200],
  ]);
  expect(JSON.stringify(ExportTraceServiceResponse.decode(seen[0]!.body))).toBe("{}");
  const reload = await db().reload.findFirstOrThrow({ include: { service: true } });
  expect(reload.service).toMatchObject({ environment: "prod", namespace: "assistant", name: "chat-service" });
  expect(reload).toMatchObject({
    kind: "config",
    resource: "tools.yaml",
    status: "partially_failed",
    instancesSucceeded: 6,
    instancesNacked: 1,
  });
  const applied = await db().span.findMany({ where: { name: "reload.applied" }, orderBy: { durationNs: "desc" } });
  expect(applied).toHaveLength(6);
  expect(applied[0]!.durationNs).toBe(9_200_000_000n);
  expect(applied[1]!.durationNs < 1_000_000_000n).toBe(true);
  const nack = await db().reloadEvent.findFirstOrThrow({ where: { phase: "nacked" } });
  expect(nack.error).toMatch(/web_search_v2/);
  // Every span of the reload is in one trace, under the control plane's dispatch.
  const spans = await db().span.findMany();
  expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  expect(spans.filter((s) => s.parentSpanId === null).map((s) => s.name)).toEqual(["reload.dispatched"]);
});
