// GET /api/metrics: Prometheus text exposition of reloads, drift, versions and ingest counters; METRICS_TOKEN or a read token, open only on loopback without METRICS_TOKEN.
import { problem } from "@/lib/api/errors";
import { requireWholeFleet } from "@/lib/api/whole-fleet";
import { withToken } from "@/lib/api/with-token";
import { runAsReader } from "@/lib/auth/require-actor";
import { env } from "@/lib/env";
import { presentsMetricsToken, scrapeIsOpen } from "@/lib/metrics/auth";
import { METRICS_CONTENT_TYPE } from "@/lib/metrics/exposition";
import { metricsChunks } from "@/lib/metrics/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// Any other caller goes through the machine endpoints' token check: a read token scrapes, and
// a missing, unknown or revoked one is the same 401 (with WWW-Authenticate) as on /api/v1/*.
const withReadToken = withToken("read", async (_request, { restrictions }) => {
  requireWholeFleet(restrictions, "/api/metrics");
  return scrape();
});

export async function GET(request: Request): Promise<Response> {
  const config = env();
  // Not a token of ingest_token's: the reader the queries see names which door let the scrape in.
  if (presentsMetricsToken(request.headers.get("authorization"), config.METRICS_TOKEN)) {
    return runAsReader({ kind: "system", purpose: "metrics scrape with METRICS_TOKEN" }, scrape);
  }
  if (scrapeIsOpen(config))
    return runAsReader({ kind: "system", purpose: "metrics scrape, open on a loopback-only server" }, scrape);
  return withReadToken(request, undefined);
}

async function scrape(): Promise<Response> {
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
