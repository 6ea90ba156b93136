// GET /api/metrics: Prometheus text exposition of reloads, drift, versions and ingest counters (bearer METRICS_TOKEN when set).
import { env } from "@/lib/env";
import { problem } from "@/lib/ingest/http";
import { scrapeAuthorized } from "@/lib/metrics/auth";
import { METRICS_CONTENT_TYPE } from "@/lib/metrics/exposition";
import { metricsChunks } from "@/lib/metrics/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  if (!scrapeAuthorized(request.headers.get("authorization"), env().METRICS_TOKEN)) {
    return new Response("unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n", {
      status: 401,
      headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"', "cache-control": "no-store" },
    });
  }
  // The first chunk is awaited before answering, so a database that is down is a proper
  // error response; after that the body streams while the rest is produced, and a failure
  // midway aborts the body (a failed scrape to Prometheus, never a silently partial one).
  const chunks = metricsChunks()[Symbol.asyncIterator]();
  let first: IteratorResult<string>;
  try {
    first = await chunks.next();
  } catch (error) {
    return problem(error);
  }
  const encoder = new TextEncoder();
  let pending: IteratorResult<string> | null = first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await chunks.next());
        pending = null;
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        console.error("[metrics] the scrape failed while streaming:", error);
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return?.();
    },
  });
  return new Response(body, { headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" } });
}
