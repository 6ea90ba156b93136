// The OpenTelemetry JS SDK as an instrumented checkout-api uses it, for the tests that send what
// it records to the OTLP routes: the instance's resource, the reload's attributes, and a tracer
// provider whose finished spans are kept in memory.
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

/** prod/payments/checkout-api's `instance` as an OpenTelemetry resource, `extra` attributes added. */
export const checkoutResource = (instance: string, extra: Record<string, string> = {}) =>
  resourceFromAttributes({
    "service.name": "checkout-api",
    "service.namespace": "payments",
    "deployment.environment.name": "prod",
    "service.instance.id": instance,
    ...extra,
  });

/** The reload an agent reports in its attributes: config routes.yaml from v1 to v2 (reload.id apart). */
export const RELOAD_ATTRIBUTES = {
  "reload.kind": "config",
  "reload.resource": "routes.yaml",
  "reload.version.from": "v1",
  "reload.version.to": "v2",
};

/** A tracer provider for `resource`; `memory` keeps the spans it finishes. */
export function inMemoryTracing(resource: ReturnType<typeof resourceFromAttributes>) {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  return { memory, provider };
}
