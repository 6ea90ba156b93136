// The reload page in Chromium when a reload's traces hold more spans than the timeline reads
// (TIMELINE_SPAN_LIMIT, lib/reloads/reload-spans.ts): the waterfall says only the first are
// shown; a reload under the limit draws all its spans and says nothing of the kind. Events and
// spans go to the built app's own ingest routes.
import { describe, expect, inject, test } from "vitest";
import { TIMELINE_SPAN_LIMIT } from "@/lib/reloads/reload-spans";
import { watchedPage } from "../support/browser";
import { spanSeries } from "../support/span-series";
import { useViewer } from "../support/viewer";

const baseUrl = inject("baseUrl");
const token = inject("ingestToken");
const viewer = useViewer({ viewport: { width: 1400, height: 1000 } });

const BASE = Date.now() - 20 * 60_000;
const SERVICE = "e2e-span-cut";
const RESOURCE = {
  attributes: [
    { key: "service.name", value: { stringValue: SERVICE } },
    { key: "deployment.environment.name", value: { stringValue: "e2e" } },
    { key: "service.instance.id", value: { stringValue: `${SERVICE}-1` } },
  ],
};

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  const answer = (await response.json()) as { rejected?: unknown[]; partialSuccess?: unknown };
  expect(answer.rejected ?? []).toEqual([]);
  expect(answer.partialSuccess).toBeUndefined();
}

/** A reload of SERVICE whose two events carry `traceId`, and `spans` spans of that trace a millisecond apart. */
async function reloadWithSpans(reloadId: string, traceId: string, spans: number): Promise<void> {
  const common = { environment: "e2e", service: SERVICE, instance: `${SERVICE}-1`, kind: "config" };
  await post("/api/v1/events", [
    {
      ...common,
      id: `${reloadId}-1`,
      reloadId,
      resource: "routes.yaml",
      toVersion: "v2",
      traceId,
      phase: "received",
      occurredAt: new Date(BASE - 1000).toISOString(),
    },
    {
      ...common,
      id: `${reloadId}-2`,
      reloadId,
      resource: "routes.yaml",
      toVersion: "v2",
      traceId,
      phase: "acked",
      occurredAt: new Date(BASE + spans + 1000).toISOString(),
    },
  ]);
  const all = spanSeries(traceId, spans, BASE);
  for (let i = 0; i < all.length; i += 4000)
    await post("/v1/traces", {
      resourceSpans: [{ resource: RESOURCE, scopeSpans: [{ scope: { name: "e2e" }, spans: all.slice(i, i + 4000) }] }],
    });
}

async function openReload(reloadId: string) {
  const { page, problems } = await watchedPage(viewer.context);
  await page.goto(`${baseUrl}/reloads?reloadId=${reloadId}`);
  const row = page.locator("tr[data-reload]").first();
  await row.waitFor();
  await Promise.all([page.waitForURL(/\/reloads\/\d+/), row.locator("a").first().click()]);
  await page.locator("[data-waterfall]").waitFor();
  return { page, problems };
}

describe("the reload page's span limit", () => {
  test("more spans than the limit: the waterfall says only the first are shown", async () => {
    await reloadWithSpans("rl-e2e-many-spans", "7c".repeat(16), TIMELINE_SPAN_LIMIT + 3);
    const { page, problems } = await openReload("rl-e2e-many-spans");
    const notice = page.locator("[data-spans-cut]");
    await notice.waitFor();
    expect(await notice.getAttribute("data-spans-cut")).toBe(String(TIMELINE_SPAN_LIMIT));
    expect(await notice.textContent()).toContain(
      `Only the first ${TIMELINE_SPAN_LIMIT.toLocaleString("en-US")} spans of this reload's traces`,
    );
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });

  test("under the limit: every span is drawn and there is no notice", async () => {
    await reloadWithSpans("rl-e2e-few-spans", "8d".repeat(16), 3);
    const { page, problems } = await openReload("rl-e2e-few-spans");
    await expect.poll(() => page.locator("button[data-span]").count()).toBe(3);
    expect(await page.locator("[data-spans-cut]").count()).toBe(0);
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });
});
