import "server-only";
import { createHmac, randomBytes } from "node:crypto";

// One webhook delivery (DESIGN.md "Dispatch"): a JSON POST signed with the target's secret,
// carrying the W3C traceparent of the request's trace so the service's spans join it.

export type DispatchStage = "all" | "canary" | "rest";

/** The body a reload target receives. */
export interface WebhookBody {
  reloadId: string;
  service: { environment: string; namespace: string; name: string };
  kind: string;
  resource: string;
  fromVersion: string | null;
  toVersion: string;
  scope: { mode: "all" | "canary"; stage: DispatchStage; instances: string[] };
  requestedBy: string;
  approvedBy: string[];
}

export const SIGNATURE_HEADER = "x-reloadscope-signature";
export const DELIVERY_HEADER = "x-reloadscope-delivery";

/** `sha256=<hex HMAC-SHA256 of the exact body>`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}

export function newSpanId(): string {
  return randomBytes(8).toString("hex");
}

/** W3C trace context, sampled. */
export function traceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

export function parseTraceparent(header: string | null): { traceId: string; spanId: string } | null {
  const match = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return null;
  return { traceId: match[1]!, spanId: match[2]! };
}

export interface Delivery {
  url: string;
  body: string;
  secret: string;
  deliveryId: string;
  traceparent: string;
  timeoutMs: number;
}

export type DeliveryOutcome = { delivered: true; httpStatus: number } | { delivered: false; httpStatus: number | null; error: string };

export async function deliverWebhook(delivery: Delivery): Promise<DeliveryOutcome> {
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: delivery.traceparent,
        "X-Reloadscope-Signature": signBody(delivery.body, delivery.secret),
        "X-Reloadscope-Delivery": delivery.deliveryId,
        "user-agent": "reloadscope-dispatch",
      },
      body: delivery.body,
      // A signed delivery goes where it was configured to go, not where a redirect points.
      redirect: "manual",
      signal: AbortSignal.timeout(delivery.timeoutMs),
    });
    // Read (and drop) the body so the connection is freed.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { delivered: true, httpStatus: response.status };
    return { delivered: false, httpStatus: response.status, error: `the target answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}` };
  } catch (error) {
    return { delivered: false, httpStatus: null, error: describeFetchError(error, delivery.timeoutMs) };
  }
}

/** What went wrong, for the timeline: the cause's code (ECONNREFUSED…), never the URL's credentials. */
function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `no answer within ${timeoutMs} ms`;
  const code = e.cause?.code;
  if (code) return `could not reach the target (${code})`;
  return "could not reach the target";
}
