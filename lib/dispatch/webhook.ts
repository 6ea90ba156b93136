import "server-only";
import { randomBytes } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { DispatchStage } from "@/lib/domain/dispatch-step";
import { targetAddressVerdict, targetHostVerdict, type TargetAddressRules } from "@/lib/domain/target-address";
import { targetAddressRules } from "@/lib/env";
import { signatureHeader } from "./signature";

// One webhook delivery (DESIGN.md "Dispatch"): a JSON POST signed with the target's secret
// (t=…,v1=…, lib/dispatch/signature.ts), carrying the W3C traceparent of the request's trace
// so the service's spans join it, sent only to an address the target rules allow.

/** The body a reload target receives. */
export interface WebhookBody {
  /** The X-Reloadscope-Delivery id, inside the signed body so a capture cannot be passed off as another delivery. */
  deliveryId: string;
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

/** One id per stage of a request, the same on every retry of it, so a service can deduplicate. */
export function deliveryIdOf(reloadId: string, stage: DispatchStage): string {
  return `${reloadId}/${stage}`;
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

export type DeliveryOutcome =
  { delivered: true; httpStatus: number } | { delivered: false; httpStatus: number | null; error: string };

export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export interface DeliveryOptions {
  rules?: TargetAddressRules;
  /** How host names resolve (node:dns lookup, every address); tests give their own. */
  resolve?: Resolve;
}

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** A refused address, told apart from network errors so the timeline gives its reason. */
class AddressRefused extends Error {
  readonly code = "ERR_TARGET_ADDRESS_REFUSED";
}

/**
 * The lookup the connection itself uses: every address the name resolves to is checked, and
 * only checked addresses are handed to the socket, so a DNS answer that changes between a
 * check and the connect (rebinding) cannot slip an unchecked address through.
 */
function checkedLookup(rules: TargetAddressRules, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const wanted =
          options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        for (const a of wanted) {
          const verdict = targetAddressVerdict(hostname, a.address, rules);
          if (!verdict.allowed) return callback(new AddressRefused(verdict.reason), "", 0);
        }
        if (wanted.length === 0)
          return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}

export async function deliverWebhook(delivery: Delivery, options: DeliveryOptions = {}): Promise<DeliveryOutcome> {
  const rules = options.rules ?? targetAddressRules();
  let url: URL;
  try {
    url = new URL(delivery.url);
  } catch {
    return { delivered: false, httpStatus: null, error: "the target URL is not valid" };
  }
  // An address literal never reaches the lookup (the socket connects to it as written).
  const literal = targetHostVerdict(url.hostname, rules);
  if (!literal.allowed) return { delivered: false, httpStatus: null, error: literal.reason };
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const status = await post(
      url,
      delivery,
      {
        "content-type": "application/json",
        traceparent: delivery.traceparent,
        "X-Reloadscope-Signature": signatureHeader(delivery.body, delivery.secret, timestamp),
        "X-Reloadscope-Delivery": delivery.deliveryId,
        "user-agent": "reloadscope-dispatch",
      },
      checkedLookup(rules, options.resolve ?? systemResolve),
    );
    if (status.code >= 200 && status.code < 300) return { delivered: true, httpStatus: status.code };
    return {
      delivered: false,
      httpStatus: status.code,
      error: `the target answered HTTP ${status.code}${status.text ? ` ${status.text}` : ""}`,
    };
  } catch (error) {
    if (error instanceof AddressRefused) return { delivered: false, httpStatus: null, error: error.message };
    return { delivered: false, httpStatus: null, error: describeNetworkError(error, delivery.timeoutMs) };
  }
}

/**
 * The POST over node:http(s), whose `lookup` option (unlike fetch's) decides the address the
 * socket connects to. Redirects are not followed: a signed delivery goes where it was
 * configured to go. The answer's body is read and dropped, within the same timeout.
 */
function post(
  url: URL,
  delivery: Delivery,
  headers: Record<string, string>,
  lookup: LookupFunction,
): Promise<{ code: number; text: string }> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(delivery.body)) },
        lookup,
        signal: AbortSignal.timeout(delivery.timeoutMs),
        // One connection per delivery: a pooled socket would skip the lookup, and its check.
        agent: false,
      },
      (response) => {
        response.on("data", () => undefined);
        response.on("end", () => resolve({ code: response.statusCode ?? 0, text: response.statusMessage ?? "" }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(delivery.body);
  });
}

/** What went wrong, for the timeline: the cause's code (ECONNREFUSED…), never the URL or its credentials. */
function describeNetworkError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string };
  if (e.name === "TimeoutError" || e.name === "AbortError" || e.code === "ABORT_ERR")
    return `no answer within ${timeoutMs} ms`;
  if (e.code) return `could not reach the target (${e.code})`;
  return "could not reach the target";
}
