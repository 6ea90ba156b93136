// The built app as the CloudEvents SDK's emitter and the OpenTelemetry logs SDK see it (DESIGN.md
// "Reload events", "Events as OpenTelemetry log records"): events sent with
// emitterFor(httpTransport(…)) in binary mode (the SDK's default) and OpenTelemetry events through
// an OTLP/protobuf logs exporter, read back through GET /api/v1/reloads. Also checks that the build
// loads protobufjs with long.js for /v1/logs.
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { CloudEvent, emitterFor, httpTransport } from "cloudevents";
import { expect, inject, test } from "vitest";

const baseUrl = inject("baseUrl");
const token = inject("ingestToken");
const RUN = Date.now().toString(36);
const auth = { Authorization: `Bearer ${token}` };

const SERVICE = { environment: "prod", namespace: "e2e", service: `sdk-${RUN}` };
const CHANGE = { kind: "config", resource: "routes.yaml", fromVersion: "v1", toVersion: "v2" };

async function reloadOf(reloadId: string) {
  const answer = await fetch(`${baseUrl}/api/v1/reloads?reloadId=${encodeURIComponent(reloadId)}`, { headers: auth });
  expect(answer.status).toBe(200);
  const { items } = (await answer.json()) as { items: { key: string }[] };
  expect(items).toHaveLength(1);
  return (await (await fetch(`${baseUrl}/api/v1/reloads/${items[0]!.key}`, { headers: auth })).json()) as {
    status: string;
    initiator: string | null;
    instances: { instance: string; phase: string }[];
  };
}

test("the CloudEvents SDK's emitter (binary mode): a pipeline's dispatch and each instance's ack make a succeeded reload", async () => {
  const reloadId = `rl-ce-${RUN}`;
  const emit = emitterFor(httpTransport(`${baseUrl}/api/v1/events`));
  const send = async (source: string, data: Record<string, unknown>) => {
    const response = (await emit(
      new CloudEvent({ type: "dev.reloadscope.reload", source, data: { ...SERVICE, ...CHANGE, reloadId, ...data } }),
      { headers: auth },
    )) as { body: string };
    expect(JSON.parse(response.body)).toMatchObject({ accepted: 1, rejected: [] });
  };
  await send("pipeline:deploy-e2e", { phase: "dispatched", targets: ["pod-a", "pod-b"] });
  await send("pod-a", { phase: "acked" });
  await send("pod-b", { phase: "acked" });
  const reload = await reloadOf(reloadId);
  expect(reload.status).toBe("succeeded");
  expect(reload.initiator).toBe("pipeline:deploy-e2e");
  expect(reload.instances.map((i) => [i.instance, i.phase]).sort()).toEqual([
    ["pod-a", "acked"],
    ["pod-b", "acked"],
  ]);
});

test("OpenTelemetry events through the OTLP/protobuf logs exporter (gzip) become the reload's events; other log lines are dropped", async () => {
  const reloadId = `rl-logs-${RUN}`;
  const exporter = new OTLPLogExporter({ url: `${baseUrl}/v1/logs`, headers: auth, compression: "gzip" as never });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      "service.name": SERVICE.service,
      "service.namespace": SERVICE.namespace,
      "deployment.environment.name": SERVICE.environment,
      "service.instance.id": "pod-l",
    }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger("reload-agent");
  const attributes = {
    "reload.id": reloadId,
    "reload.kind": CHANGE.kind,
    "reload.resource": CHANGE.resource,
    "reload.version.from": "v1",
    "reload.version.to": "v2",
  };
  logger.emit({ eventName: "reload.received", attributes });
  logger.emit({ body: "parsed 42 routes" });
  logger.emit({ eventName: "reload.nacked", body: "routes.yaml: unknown field 'retries'", attributes });
  await provider.forceFlush();
  await provider.shutdown();
  const reload = await reloadOf(reloadId);
  // The service's other live instances (the test above made them) are in the reload's scope, still pending.
  expect(reload.instances.filter((i) => i.phase !== "pending")).toEqual([
    expect.objectContaining({ instance: "pod-l", phase: "nacked", error: "routes.yaml: unknown field 'retries'" }),
  ]);
});
