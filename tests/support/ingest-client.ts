// Drives the real POST /api/v1/events route handler with real Requests.
import { gzipSync } from "node:zlib";
import { expect } from "vitest";
import { POST } from "@/app/api/v1/events/route";
import { TEST_TOKEN } from "./use-database";

export interface IngestAnswer {
  status: number;
  body: {
    accepted?: number;
    duplicates?: number;
    rejected?: { index: number; reason: string }[];
    error?: string;
    message?: string;
  };
  headers: Headers;
}

export async function postEvents(
  payload: unknown,
  options: {
    token?: string | null;
    contentType?: string;
    gzip?: boolean;
    raw?: string | ReadableStream<Uint8Array>;
  } = {},
): Promise<IngestAnswer> {
  const headers = new Headers({ "content-type": options.contentType ?? "application/json" });
  const token = options.token === undefined ? TEST_TOKEN : options.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  let body: BodyInit = options.raw ?? JSON.stringify(payload);
  if (options.gzip) {
    body = gzipSync(Buffer.from(String(body)));
    headers.set("content-encoding", "gzip");
  }
  const request = new Request("http://127.0.0.1/api/v1/events", {
    method: "POST",
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const response = await POST(request);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

let counter = 0;

/** A valid event with overridable fields; ids are unique within a run. */
export function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    id: `evt-${process.pid}-${counter}`,
    environment: "prod",
    namespace: "payments",
    service: "checkout-api",
    instance: "checkout-api-1",
    labels: { region: "eu-west-1" },
    kind: "config",
    resource: "routes.yaml",
    phase: "heartbeat",
    toVersion: "a41c9e0",
    occurredAt: new Date(Date.now() - 60 * 60_000).toISOString(),
    ...overrides,
  };
}

export const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
export const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

/** Posts `events` in batches of at most 1,000 and expects every one accepted. */
export async function acceptEvents(events: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const answer = await postEvents(events.slice(i, i + 1000));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.rejected ?? []).toEqual([]);
  }
}

/** A heartbeat: `instance` of `svc` runs `version` of kind/resource at `occurredAt`. */
export const heartbeat = (
  svc: Record<string, unknown>,
  instance: string,
  kind: string,
  resource: string,
  version: string,
  occurredAt: string,
) => event({ ...svc, instance, kind, resource, phase: "heartbeat", toVersion: version, occurredAt });

/** Every one of `pods` acks: the outcomes of a scopedReload. */
export const allAcked = (pods: string[]): Record<string, "acked"> =>
  Object.fromEntries(pods.map((pod) => [pod, "acked" as const]));

/** Each of `pods` of `service` reports `version` (of the default config, routes.yaml) by a heartbeat a minute ago. */
export const heartbeatsOn = (service: Record<string, unknown>, pods: string[], version: string) =>
  pods.map((instance) =>
    event({ ...service, instance, phase: "heartbeat", toVersion: version, occurredAt: minutesAgo(1) }),
  );

/**
 * One reload of a service with its own clock: requested at 0 s, dispatched to the named
 * targets at 10 s, then each target acks (applied at 20 + i s, acked at 21 + i s) or NACKs.
 */
export function scopedReload(
  service: Record<string, unknown>,
  reloadId: string,
  kind: string,
  resource: string,
  from: string,
  to: string,
  startMinutesAgo: number,
  outcomes: Record<string, "acked" | "nacked">,
): Record<string, unknown>[] {
  const start = Date.now() - startMinutesAgo * 60_000;
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  const control = {
    ...service,
    reloadId,
    kind,
    resource,
    fromVersion: from,
    toVersion: to,
    initiator: "pipeline:deploy",
    instance: null,
  };
  return [
    event({ ...control, phase: "requested", occurredAt: at(0) }),
    event({ ...control, phase: "dispatched", targets: Object.keys(outcomes), occurredAt: at(10) }),
    ...Object.entries(outcomes).flatMap(([instance, outcome], i) => {
      const one = { ...control, instance };
      return outcome === "acked"
        ? [
            event({ ...one, phase: "applied", occurredAt: at(20 + i) }),
            event({ ...one, phase: "acked", occurredAt: at(21 + i) }),
          ]
        : [event({ ...one, phase: "nacked", error: "refused: schema mismatch", occurredAt: at(20 + i) })];
    }),
  ];
}
