// Hand-made OTLP bodies for the receiver tests (/v1/traces, /v1/logs): google.rpc.Status to
// read an error answer with, what "nothing written" means, and OTLP/JSON spans with ids of
// their own in a request around them.
import protobuf from "protobufjs";
import { expect } from "vitest";
import { db } from "@/lib/db/client";
import { ExportTraceServiceRequest } from "@/lib/otlp/proto";
import { event, postEvents } from "./ingest-client";

/** google.rpc.Status as a protobuf message: the body of a receiver's error answer. */
export const Status = new protobuf.Type("Status")
  .add(new protobuf.Field("code", 1, "int32"))
  .add(new protobuf.Field("message", 2, "string"));
new protobuf.Root().define("google.rpc").add(Status);

export const NS_PER_MS = 1_000_000n;

/** Whole seconds, ten minutes ago: within the time bounds, and the same for every span of a test. */
export const wholeSecondsTenMinutesAgo = () => Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;

/**
 * The control plane names the targets: `reloadId` (v1 → v2) dispatched to pod-1 and pod-2 a
 * second before `t0` (epoch ms), accepted; the instances then report through their telemetry.
 */
export async function dispatchToTwoPods(reloadId: string, t0: number): Promise<void> {
  const dispatched = event({
    reloadId,
    instance: null,
    phase: "dispatched",
    fromVersion: "v1",
    toVersion: "v2",
    targets: ["pod-1", "pod-2"],
    occurredAt: new Date(t0 - 1000).toISOString(),
  });
  expect((await postEvents(dispatched)).status).toBe(200);
}

/** A refused body stored nothing: no span, no event, no service. */
export async function nothingWritten(): Promise<void> {
  expect(await db().span.count()).toBe(0);
  expect(await db().reloadEvent.count()).toBe(0);
  expect(await db().service.count()).toBe(0);
}

/**
 * A maker of OTLP/JSON spans with unique ids, each started 10 minutes ago and lasting 5 ms;
 * `tag` (two hex digits each) keeps one test file's trace and span ids apart from another's.
 */
export function spanMaker(tag: { trace: string; span: string }) {
  let next = 0;
  return (overrides: Record<string, unknown> = {}) => {
    next++;
    const start = BigInt(Date.now() - 10 * 60_000) * NS_PER_MS;
    return {
      traceId: `${tag.trace}8efff798038103d269b633813fc6${String(next).padStart(2, "0")}`,
      spanId: `${tag.span}e19b7ec3c1b1${String(next).padStart(2, "0")}`,
      name: "GET /routes",
      kind: 2,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 5n * NS_PER_MS).toString(),
      ...overrides,
    };
  };
}

/** An OTLP/JSON ExportTraceServiceRequest: `spans` under one resource and one scope. */
export const traceRequest = (spans: unknown[], resource: unknown) => ({
  resourceSpans: [{ resource, scopeSpans: [{ scope: { name: "test" }, spans }] }],
});

/** An ExportTraceServiceRequest in protobuf: `spans` of the service "billing", in one scope. */
export function billingSpansProtobuf(spans: unknown[]): Uint8Array {
  return ExportTraceServiceRequest.encode({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "billing" } as never }] },
        scopeSpans: [{ scope: null, spans: spans as never }],
      },
    ],
  }).finish();
}
