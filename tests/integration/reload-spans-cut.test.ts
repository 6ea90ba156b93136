// A reload whose traces hold more spans than the timeline reads (TIMELINE_SPAN_LIMIT,
// lib/reloads/reload-spans.ts): the spans go in through POST /v1/traces, the timeline read
// says it cut them, and the waterfall the reload page renders from that read tells the reader
// so; a reload under the limit shows no such notice.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, test } from "vitest";
import { POST as postTracesRoute } from "@/app/v1/traces/route";
import { ReloadWaterfall } from "@/components/reloads/reload-waterfall";
import { sql } from "@/lib/db/client";
import { TIMELINE_SPAN_LIMIT } from "@/lib/reloads/reload-spans";
import { buildTimelineModel } from "@/lib/reloads/timeline-model";
import { getReloadTimelineData } from "@/lib/reloads/timeline-queries";
import { acceptEvents, event } from "../support/ingest-client";
import { traceRequest } from "../support/otlp-bodies";
import { asViewer } from "../support/readers";
import { spanSeries } from "../support/span-series";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

const BASE = Date.now() - 20 * 60_000;
const RESOURCE = {
  attributes: [
    { key: "service.name", value: { stringValue: "checkout-api" } },
    { key: "service.namespace", value: { stringValue: "payments" } },
    { key: "deployment.environment.name", value: { stringValue: "prod" } },
    { key: "service.instance.id", value: { stringValue: "checkout-api-1" } },
  ],
};

/** `count` OTLP/JSON spans of `traceId`, a millisecond apart, sent to the route in bodies of 4,000. */
async function sendSpans(traceId: string, count: number) {
  const spans = spanSeries(traceId, count, BASE);
  for (let i = 0; i < spans.length; i += 4000) {
    const response = await postTracesRoute(
      new Request("http://127.0.0.1/v1/traces", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(traceRequest(spans.slice(i, i + 4000), RESOURCE)),
      }),
    );
    expect(response.status).toBe(200);
    // No partialSuccess: every span was stored (lib/otlp/responses.ts).
    expect(await response.json()).toEqual({});
  }
}

/** A reload whose acked event carries `traceId`, and its spans; what the reload page's waterfall renders. */
async function waterfallOf(reloadId: string, traceId: string, spans: number) {
  await acceptEvents([
    event({ reloadId, phase: "received", traceId, occurredAt: new Date(BASE - 1000).toISOString() }),
    event({ reloadId, phase: "acked", traceId, occurredAt: new Date(BASE + spans + 1000).toISOString() }),
  ]);
  await sendSpans(traceId, spans);
  const [row] = await sql().query<{ key: string }[]>(
    `SELECT id::text AS key FROM reload WHERE reload_id = $1`,
    reloadId,
  );
  const data = (await asViewer(() => getReloadTimelineData(row!.key)))!;
  const { timeline } = buildTimelineModel(data, new Date());
  // As app/(dashboard)/reloads/[id]/page.tsx passes it.
  const html = renderToStaticMarkup(
    createElement(ReloadWaterfall, {
      timeline,
      traceId: null,
      spansCut: data.spansTruncated ? data.spans.length : null,
    }),
  );
  // The notice alone, so that a failure shows it (or null) rather than the whole waterfall.
  const notice = /<p [^>]*data-spans-cut="(\d+)"[^>]*>([^<]*)<\/p>/.exec(html);
  return {
    data,
    html,
    notice: notice ? { shown: Number(notice[1]), text: notice[2]!.replaceAll("&#x27;", "'") } : null,
  };
}

describe("the reload waterfall's span limit", () => {
  test("more spans than the limit: the read cuts them and the waterfall says only the first are shown", async () => {
    const { data, notice } = await waterfallOf("rl-many-spans", "5a".repeat(16), TIMELINE_SPAN_LIMIT + 5);
    expect(data.spansTruncated).toBe(true);
    expect(data.spans).toHaveLength(TIMELINE_SPAN_LIMIT);
    expect(notice).toEqual({
      shown: TIMELINE_SPAN_LIMIT,
      text: `Only the first ${TIMELINE_SPAN_LIMIT.toLocaleString("en-US")} spans of this reload's traces (by start time) are shown; the later ones were not loaded.`,
    });
  });

  test("under the limit: every span is read and there is no notice", async () => {
    const { data, html, notice } = await waterfallOf("rl-few-spans", "6b".repeat(16), 30);
    expect(data.spansTruncated).toBe(false);
    expect(data.spans).toHaveLength(30);
    // the control plane's lane, checkout-api-1's and its 30 spans
    expect(/data-rows="(\d+)"/.exec(html)?.[1]).toBe("32");
    expect(notice).toBeNull();
    expect(html.includes("Only the first")).toBe(false);
  });
});
