// POST /v1/logs with the real OpenTelemetry JS logs SDK and its OTLP exporters as clients
// (protobuf and JSON, gzip on and off) over HTTP to the real route handler: reload events
// emitted as OpenTelemetry events (log records with an event name) land on their reload's
// timeline beside the spans of the trace they were emitted in.
import { context, trace } from "@opentelemetry/api";
import type { AnyValueMap } from "@opentelemetry/api-logs";
import { OTLPLogExporter as HttpJsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtobufLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPTraceExporter as ProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type ReadableLogRecord,
} from "@opentelemetry/sdk-logs";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POST as postLogs } from "@/app/v1/logs/route";
import { POST as postTraces } from "@/app/v1/traces/route";
import { db } from "@/lib/db/client";
import { ingestCounts } from "@/lib/metrics/ingest-counters";
import { ExportLogsServiceResponse } from "@/lib/otlp/logs-proto";
import { buildTimelineModel } from "@/lib/reloads/timeline-model";
import { getReloadTimelineData } from "@/lib/reloads/timeline-queries";
import { dispatchToTwoPods, wholeSecondsTenMinutesAgo } from "../support/otlp-bodies";
import { checkoutResource, inMemoryTracing, RELOAD_ATTRIBUTES } from "../support/otel-sdk";
import { asViewer } from "../support/readers";
import { startRouteServer, type RouteServer } from "../support/route-server";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

let server: RouteServer;
beforeAll(async () => {
  server = await startRouteServer({ "/v1/logs": postLogs, "/v1/traces": postTraces });
});
afterAll(() => server.close());

const resource = (instance: string) => checkoutResource(instance, { "host.name": `host-${instance}` });

/**
 * What one instance's agent records of a reload: a trace of its work (plain spans, no
 * reload.* attributes) and, inside it, OpenTelemetry events through the Logs API.
 */
async function instanceTelemetry(instance: string, reloadId: string, t0: number, outcome: "acked" | "nacked") {
  const { memory: spanMemory, provider: tracerProvider } = inMemoryTracing(resource(instance));
  const tracer = tracerProvider.getTracer("reload-agent");
  const logMemory = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource: resource(instance),
    processors: [new SimpleLogRecordProcessor({ exporter: logMemory })],
  });
  const logger = loggerProvider.getLogger("reload-agent", "1.4.0");

  const root = tracer.startSpan("config reload", { startTime: t0 });
  const inRoot = trace.setSpan(context.active(), root);
  const attributes = (extra: AnyValueMap = {}): AnyValueMap => ({
    "reload.id": reloadId,
    ...RELOAD_ATTRIBUTES,
    ...extra,
  });
  logger.emit({ eventName: "reload.received", timestamp: t0 + 10, context: inRoot, attributes: attributes() });
  const parse = tracer.startSpan("parse routes.yaml", { startTime: t0 + 20 }, inRoot);
  const inParse = trace.setSpan(context.active(), parse);
  // An ordinary log line of the same work: not a reload event, counted and dropped.
  logger.emit({ body: "parsed 42 routes", timestamp: t0 + 30, context: inParse, attributes: { "routes.count": 42 } });
  if (outcome === "acked") {
    parse.end(t0 + 60);
    logger.emit({
      eventName: "reload.applied",
      timestamp: t0 + 100,
      context: inRoot,
      attributes: attributes({ "config.hash": "sha256:ab12" }),
    });
    // reload.phase instead of an event name (an SDK without eventName, or a plain log call)
    logger.emit({
      body: "acked",
      timestamp: t0 + 120,
      context: inRoot,
      attributes: attributes({ "reload.phase": "acked" }),
    });
  } else {
    // The older convention: the event name as the event.name attribute.
    logger.emit({ timestamp: t0 + 50, context: inParse, attributes: attributes({ "event.name": "reload.validated" }) });
    parse.end(t0 + 60);
    // The error is the body when no reload.error is given.
    logger.emit({
      eventName: "reload.nacked",
      body: "routes.yaml: unknown field 'retries'",
      timestamp: t0 + 70,
      context: inRoot,
      attributes: attributes(),
    });
  }
  root.end(t0 + 200);
  await loggerProvider.forceFlush();
  return {
    spans: spanMemory.getFinishedSpans() as ReadableSpan[],
    logs: logMemory.getFinishedLogRecords() as ReadableLogRecord[],
    root,
  };
}

function exportWith<T>(
  exporter: { export(items: T[], done: (result: { code: number; error?: Error }) => void): void },
  items: T[],
) {
  return new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(items, resolve));
}

const options = (compression: "gzip" | "none") => ({
  url: `${server.url}/v1/logs`,
  headers: { Authorization: `Bearer ${TEST_TOKEN}` },
  compression: compression as never,
});

const EXPORTERS = [
  { name: "protobuf", Exporter: ProtobufLogExporter },
  { name: "JSON", Exporter: HttpJsonLogExporter },
].flatMap(({ name, Exporter }) =>
  (["none", "gzip"] as const).map((compression) => ({
    name,
    compression,
    make: (c: "gzip" | "none"): LogRecordExporter => new Exporter(options(c)),
  })),
);

describe.each(EXPORTERS)("the SDK's $name logs exporter, compression $compression", ({ name, compression, make }) => {
  test("reload events emitted through the Logs API are their reload's events, beside its spans; exporting again changes nothing", async () => {
    const reloadId = `rl-logs-${name}-${compression}`;
    const t0 = wholeSecondsTenMinutesAgo();
    await dispatchToTwoPods(reloadId, t0);

    const pod1 = await instanceTelemetry("pod-1", reloadId, t0, "acked");
    const pod2 = await instanceTelemetry("pod-2", reloadId, t0 + 55, "nacked");
    const traceExporter = new ProtobufTraceExporter({
      url: `${server.url}/v1/traces`,
      headers: { Authorization: `Bearer ${TEST_TOKEN}` },
    });
    expect((await exportWith(traceExporter, [...pod1.spans, ...pod2.spans])).code).toBe(0);
    await traceExporter.shutdown();

    const logs = [...pod1.logs, ...pod2.logs];
    expect(logs).toHaveLength(8);
    const before = ingestCounts();
    const exporter = make(compression);
    const first = await exportWith(exporter, logs);
    expect(first.error).toBeUndefined();
    expect(first.code).toBe(0);
    const answer = server.seen.at(-1)!;
    expect(answer.path).toBe("/v1/logs");
    expect(answer.headers["content-type"]).toMatch(
      name === "protobuf" ? /^application\/x-protobuf/ : /^application\/json/,
    );
    expect(answer.headers["content-encoding"] ?? "").toBe(compression === "gzip" ? "gzip" : "");
    expect(answer.status).toBe(200);
    // Fully accepted (the dropped log lines are no refusal): no partialSuccess.
    if (name === "protobuf") expect(ExportLogsServiceResponse.decode(answer.body).partialSuccess ?? null).toBeNull();
    else expect(JSON.parse(answer.body.toString())).toEqual({});

    const after = ingestCounts();
    expect(after.logRecords.reload - before.logRecords.reload).toBe(6);
    expect(after.logRecords.dropped - before.logRecords.dropped).toBe(2);
    expect(after.logRecords.rejected - before.logRecords.rejected).toBe(0);
    expect(after.events.logs.accepted - before.events.logs.accepted).toBe(6);

    const events = await db().reloadEvent.findMany({
      where: { reloadId, phase: { not: "dispatched" } },
      include: { instance: true },
      orderBy: { occurredAt: "asc" },
    });
    expect(events.map((e) => `${e.instance?.instanceKey}:${e.phase}`)).toEqual([
      "pod-1:received",
      "pod-2:received",
      "pod-1:applied",
      "pod-2:validated",
      "pod-1:acked",
      "pod-2:nacked",
    ]);
    for (const e of events) expect(e.id).toMatch(/^otlp-log:[0-9a-f]{32}$/);
    const applied = events.find((e) => e.phase === "applied")!;
    const rootContext = pod1.root.spanContext();
    expect(applied).toMatchObject({
      traceId: rootContext.traceId,
      spanId: rootContext.spanId,
      kind: "config",
      resource: "routes.yaml",
      fromVersion: "v1",
      toVersion: "v2",
    });
    expect(applied.occurredAt.getTime()).toBe(t0 + 100);
    expect(applied.attributes).toEqual({ "config.hash": "sha256:ab12" });
    expect(events.find((e) => e.phase === "nacked")!.error).toBe("routes.yaml: unknown field 'retries'");
    expect((await db().instance.findFirstOrThrow({ where: { instanceKey: "pod-1" } })).labels).toEqual({
      host: "host-pod-1",
    });

    const reload = await db().reload.findFirstOrThrow({ where: { reloadId } });
    expect(reload).toMatchObject({
      status: "partially_failed",
      instancesTargeted: 2,
      instancesSucceeded: 1,
      instancesNacked: 1,
    });
    // On the reload's timeline, each lane holds its events and the spans of the trace they were emitted in.
    const { timeline } = buildTimelineModel(
      (await asViewer(() => getReloadTimelineData(String(reload.id))))!,
      new Date(),
    );
    const lane1 = timeline.instances.find((l) => l.key === "pod-1")!;
    expect(lane1.events.map((e) => e.phase)).toEqual(["received", "applied", "acked"]);
    expect(lane1.spans.map((s) => s.name)).toEqual(["config reload", "parse routes.yaml"]);
    expect(lane1.spans[1]!.depth).toBe(lane1.spans[0]!.depth + 1);
    const lane2 = timeline.instances.find((l) => l.key === "pod-2")!;
    expect(lane2.events.map((e) => e.phase)).toEqual(["received", "validated", "nacked"]);
    expect(lane2.spans.map((s) => s.name)).toEqual(["config reload", "parse routes.yaml"]);
    expect(lane2.outcome).toBe("nacked");

    // The same records again (an exporter retry): all duplicates, the reload unchanged.
    expect((await exportWith(exporter, logs)).code).toBe(0);
    expect(server.seen.at(-1)!.status).toBe(200);
    expect(ingestCounts().events.logs.duplicate - after.events.logs.duplicate).toBe(6);
    expect(await db().reloadEvent.count()).toBe(1 + events.length);
    expect(await db().reload.findFirstOrThrow({ where: { reloadId } })).toEqual(reload);
    await exporter.shutdown();
  });
});

test("an exporter with a wrong token is refused (401) and nothing is stored", async () => {
  const exporter = new ProtobufLogExporter({
    url: `${server.url}/v1/logs`,
    headers: { Authorization: "Bearer rs_wrong_token_0000000000000000" },
  });
  const { logs } = await instanceTelemetry("pod-1", "rl-401", wholeSecondsTenMinutesAgo(), "acked");
  expect((await exportWith(exporter, logs)).code).toBe(1);
  expect(server.seen.at(-1)!.status).toBe(401);
  expect(await db().reloadEvent.count()).toBe(0);
  await exporter.shutdown();
});
