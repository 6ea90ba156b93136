// GET /api/metrics: Prometheus text exposition of reloads, drift, versions and ingest counters (bearer METRICS_TOKEN when set).
import { env } from "@/lib/env";
import { problem } from "@/lib/ingest/http";
import { scrapeAuthorized } from "@/lib/metrics/auth";
import { METRICS_CONTENT_TYPE } from "@/lib/metrics/exposition";
import { renderMetrics } from "@/lib/metrics/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  if (!scrapeAuthorized(request.headers.get("authorization"), env().METRICS_TOKEN)) {
    return new Response("unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n", {
      status: 401,
      headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"', "cache-control": "no-store" },
    });
  }
  try {
    const chunks = await renderMetrics();
    const encoder = new TextEncoder();
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (next < chunks.length) controller.enqueue(encoder.encode(chunks[next++]!));
        else controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" } });
  } catch (error) {
    return problem(error);
  }
}
