// The embedded demo's traces: at each start, one reload of chat-service's tools.yaml told
// only through OpenTelemetry spans, exported with the SDK's protobuf exporter to the app's
// own POST /v1/traces — the path a real service uses. One instance is slow to apply, one
// refuses the new version (NACK), so the reload timeline has spans, errors and a laggard.
// A resource the demo heartbeats do not report, so they never turn its version back.
import { context, SpanStatusCode, trace, type Attributes, type Context } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { demoFleetEvents } from "./demo-fleet";

const SERVICE = { environment: "prod", namespace: "assistant", name: "chat-service" };
const SECOND = 1000;

/** A tracer provider for one resource, collecting finished spans in memory. */
function recorder(attributes: Attributes) {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(attributes),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  return {
    tracer: provider.getTracer("reloadscope-demo-agent", "1.0.0"),
    finished: async () => {
      await provider.forceFlush();
      return memory.getFinishedSpans();
    },
  };
}

/** The demo instances of chat-service, with their labels, as the demo fleet names them. */
function demoInstances(now: Date): { name: string; labels: Record<string, string> }[] {
  const instances = new Map<string, Record<string, string>>();
  for (const e of demoFleetEvents({ now })) {
    if (
      e.environment === SERVICE.environment &&
      e.namespace === SERVICE.namespace &&
      e.service === SERVICE.name &&
      typeof e.instance === "string"
    ) {
      instances.set(e.instance, e.labels as Record<string, string>);
    }
  }
  return [...instances].map(([name, labels]) => ({ name, labels }));
}

/** The spans of one reload that started 90 seconds before `now`. */
export async function demoReloadSpans(now: Date): Promise<ReadableSpan[]> {
  const t0 = now.getTime() - 90 * SECOND;
  const stamp = (d: Date) => `tools-${d.toISOString().slice(0, 16).replace(/[-:T]/g, "")}`;
  const version = stamp(now);
  // What the instances ran before: the NACKing one keeps running it.
  const previous = stamp(new Date(now.getTime() - 86_400_000));
  const reloadId = `rl-demo-trace-${Math.floor(now.getTime() / SECOND).toString(36)}`;
  const reload = (phase: string, extra: Attributes = {}): Attributes => ({
    "reload.id": reloadId,
    "reload.phase": phase,
    "reload.kind": "config",
    "reload.resource": "tools.yaml",
    "reload.version.from": previous,
    "reload.version.to": version,
    "reload.initiator": "pipeline:deploy",
    ...extra,
  });
  const resource = {
    "service.name": SERVICE.name,
    "service.namespace": SERVICE.namespace,
    "deployment.environment.name": SERVICE.environment,
  };

  const controlPlane = recorder(resource);
  const rollout = controlPlane.tracer.startSpan("reload.dispatched", {
    startTime: t0,
    attributes: reload("dispatched"),
  });
  const inRollout = trace.setSpan(context.active(), rollout);

  const instances = demoInstances(now);
  const recorders = instances.map((instance, i) => {
    const r = recorder({
      ...resource,
      "service.instance.id": instance.name,
      "host.name": instance.labels.host ?? "",
      "cloud.region": instance.labels.region ?? "",
      "cloud.availability_zone": instance.labels.zone ?? "",
    });
    const slow = i === 1;
    const refuses = i === 3;
    let t = t0 + 300 + i * 170;
    const step = (
      name: string,
      attributes: Attributes,
      ms: number,
      parent: Context,
      end?: (span: ReturnType<typeof r.tracer.startSpan>) => void,
    ) => {
      const span = r.tracer.startSpan(name, { startTime: t, attributes }, parent);
      end?.(span);
      t += ms;
      span.end(t);
      t += 15;
    };
    const agent = r.tracer.startSpan(
      "handle reload",
      { startTime: t, attributes: { "reload.id": reloadId } },
      inRollout,
    );
    const inAgent = trace.setSpan(inRollout, agent);
    step("reload.received", reload("received"), 4, inAgent);
    step("reload.parsed", reload("parsed", { "tools.count": 12 }), 18, inAgent);
    if (refuses) {
      step("reload.validated", reload("nacked"), 22, inAgent, (span) =>
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: "tools.yaml: tool 'web_search_v2' needs scope search:write, which this instance's credentials lack",
        }),
      );
    } else {
      step("reload.validated", reload("validated"), 25, inAgent);
      // The slow instance spends nine seconds warming its tool clients.
      const applyMs = slow ? 9_200 : 140 + i * 11;
      const applied = r.tracer.startSpan("reload.applied", { startTime: t, attributes: reload("applied") }, inAgent);
      r.tracer
        .startSpan(
          "warm tool clients",
          { startTime: t + 5, attributes: { "tools.warmed": 12 } },
          trace.setSpan(inAgent, applied),
        )
        .end(t + applyMs - 10);
      t += applyMs;
      applied.end(t);
      t += 20;
      step("reload.acked", reload("acked"), 2, inAgent);
    }
    agent.end(t);
    return r;
  });
  rollout.end(t0 + 12 * SECOND);

  const spans = [await controlPlane.finished()];
  for (const r of recorders) spans.push(await r.finished());
  return spans.flat();
}

/** Exports one demo reload's traces to the app at baseUrl; resolves when the app has them. */
export async function sendDemoTraces(baseUrl: string, token: string, now = new Date()): Promise<void> {
  const exporter = new OTLPTraceExporter({
    url: `${baseUrl}/v1/traces`,
    headers: { Authorization: `Bearer ${token}` },
    compression: "gzip" as never,
  });
  try {
    const spans = await demoReloadSpans(now);
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
    if (result.code !== 0) throw result.error ?? new Error("the OTLP export failed");
  } finally {
    await exporter.shutdown();
  }
}
