import "server-only";
import type { SeriesSamples } from "@/lib/domain/source-mapping";
import { targetHostVerdict } from "@/lib/domain/target-address";
import { targetAddressRules } from "@/lib/env";

// One instant query of a Prometheus-compatible HTTP API (`GET <url>/api/v1/query`): Prometheus,
// Thanos, Mimir, VictoriaMetrics. The query is a range selector, so the answer is a matrix of
// raw samples with their scrape times. Every failure is a SourceQueryError whose message is
// meant for the admin's page: which host, what it answered; never the token.

export class SourceQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceQueryError";
  }
}

const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** The endpoint for a source's base URL: `…/api/v1/query` added unless the admin gave it. */
export function queryEndpoint(base: string): URL {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith("/api/v1/query") ? path : `${path}/api/v1/query`;
  url.search = "";
  return url;
}

export async function queryPrometheus(
  base: string,
  token: string | null,
  query: string,
  at: Date,
): Promise<SeriesSamples[]> {
  const endpoint = queryEndpoint(base);
  const host = endpoint.host;
  const verdict = targetHostVerdict(endpoint.hostname, targetAddressRules());
  if (!verdict.allowed) throw new SourceQueryError(`${host} is refused: ${verdict.reason}`);
  endpoint.searchParams.set("query", query);
  endpoint.searchParams.set("time", (at.getTime() / 1000).toFixed(3));
  let response: Response;
  try {
    response = await fetch(endpoint, {
      headers: { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      redirect: "error",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new SourceQueryError(`could not query ${host}: ${networkReason(error)}`);
  }
  const text = await readBody(response, host);
  if (response.status === 401 || response.status === 403) {
    throw new SourceQueryError(
      `${host} answered ${response.status} ${response.statusText || ""}`.trim() +
        `: ${token ? "the source's token was refused" : "it wants a token"}`,
    );
  }
  let body: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: unknown[] } };
  try {
    body = JSON.parse(text);
  } catch {
    throw new SourceQueryError(
      `${host} answered ${response.status} with something that is not the Prometheus query API's JSON (is the URL the query API's base?)`,
    );
  }
  if (!response.ok || body.status !== "success") {
    throw new SourceQueryError(
      `${host} answered ${response.status}: ${clip(body.error ?? body.errorType ?? "no error given")}`,
    );
  }
  if (body.data?.resultType !== "matrix" || !Array.isArray(body.data.result)) {
    throw new SourceQueryError(
      `${host} answered a ${String(body.data?.resultType)} where a matrix of samples was asked for`,
    );
  }
  return body.data.result.map(toSeries);
}

function toSeries(item: unknown): SeriesSamples {
  const { metric = {}, values = [] } = item as { metric?: Record<string, string>; values?: [number, string][] };
  const { __name__: name = "", ...labels } = metric;
  return { metric: name, labels, points: values.map(([t, v]) => ({ at: Math.round(t * 1000), value: Number(v) })) };
}

async function readBody(response: Response, host: string): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES)
    throw new SourceQueryError(`${host} answered more than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
  try {
    const text = await response.text();
    if (text.length > MAX_BODY_BYTES)
      throw new SourceQueryError(`${host} answered more than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
    return text;
  } catch (error) {
    if (error instanceof SourceQueryError) throw error;
    throw new SourceQueryError(`could not read ${host}'s answer: ${networkReason(error)}`);
  }
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  const code = e.cause?.code ?? e.code;
  if (code === "ECONNREFUSED") return "connection refused (nothing listens there?)";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "its host name does not resolve";
  return clip(code ?? e.cause?.message ?? e.message ?? "unknown network error");
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
