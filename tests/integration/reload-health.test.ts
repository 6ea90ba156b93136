// Before/after health of a reload ("how latency moved", DESIGN.md): p95 and error ratio of the service's spans in
// the 15 minutes before the reload's dispatch and after it finished, read by getReloadHealth
// from spans sent to POST /v1/traces as OTLP/JSON. The reload's own spans, another service's,
// and spans outside both windows are left out.
import { describe, expect, test } from "vitest";
import { POST } from "@/app/v1/traces/route";
import { sql } from "@/lib/db/client";
import { getReloadHealth } from "@/lib/reloads/health-queries";
import { acceptEvents, scopedReload } from "../support/ingest-client";
import { asViewer } from "../support/readers";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";

useTestDatabase();

const checkout = { environment: "prod", namespace: "payments", service: "checkout-api" };
let spanSeq = 0;

interface SpanSpec {
  service?: string;
  startMs: number;
  durationMs: number;
  error?: boolean;
  reloadId?: string;
}

async function sendSpans(specs: SpanSpec[]): Promise<void> {
  const byService = new Map<string, SpanSpec[]>();
  for (const s of specs)
    byService.set(s.service ?? "checkout-api", [...(byService.get(s.service ?? "checkout-api") ?? []), s]);
  const body = {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: service } },
          { key: "service.namespace", value: { stringValue: "payments" } },
          { key: "deployment.environment.name", value: { stringValue: "prod" } },
          { key: "service.instance.id", value: { stringValue: `${service}-pod-1` } },
        ],
      },
      scopeSpans: [
        {
          scope: { name: "http" },
          spans: list.map((s) => {
            const id = (++spanSeq).toString(16).padStart(16, "0");
            return {
              traceId: id.padStart(32, "0"),
              spanId: id,
              name: "GET /checkout",
              kind: 2,
              startTimeUnixNano: `${BigInt(s.startMs) * 1_000_000n}`,
              endTimeUnixNano: `${BigInt(s.startMs + s.durationMs) * 1_000_000n}`,
              attributes: s.reloadId ? [{ key: "reload.id", value: { stringValue: s.reloadId } }] : [],
              status: s.error ? { code: 2, message: "upstream reset" } : {},
            };
          }),
        },
      ],
    })),
  };
  const response = await POST(
    new Request("http://localhost/v1/traces", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  expect(response.status, await response.clone().text()).toBe(200);
}

async function reloadKey(reloadId: string): Promise<string> {
  const [row] = await sql().query<{ id: string }[]>(`SELECT id::text FROM reload WHERE reload_id = $1`, reloadId);
  return row!.id;
}

describe("before/after health of a reload", () => {
  test("p95 and error ratio of the 15 minutes before the dispatch and after the finish, per bucket for the chart", async () => {
    // requested 40 min ago, dispatched 10 s later, acked by pod-1 at 21 s
    await acceptEvents(
      scopedReload(checkout, "rl-health", "config", "routes.yaml", "r1", "r2", 40, { "checkout-api-pod-1": "acked" }),
    );
    const key = await reloadKey("rl-health");
    const [times] = await sql().query<{ dispatched_at: Date; completed_at: Date }[]>(
      `SELECT dispatched_at, completed_at FROM reload WHERE id = $1::bigint`,
      key,
    );
    const dispatched = times!.dispatched_at.getTime();
    const completed = times!.completed_at.getTime();
    const spans: SpanSpec[] = [];
    // before: 20 spans of 100 ms, one failing, in the 10 minutes before the dispatch
    for (let i = 0; i < 20; i++)
      spans.push({ startMs: dispatched - 10 * 60_000 + i * 20_000, durationMs: 100, error: i === 0 });
    // after: 20 spans of 300 ms, five failing
    for (let i = 0; i < 20; i++) spans.push({ startMs: completed + 1000 + i * 20_000, durationMs: 300, error: i < 5 });
    // left out: the reload's own span, another service's, one before the before-window, one after the after-window
    spans.push({ startMs: dispatched + 1000, durationMs: 9000, reloadId: "rl-health" });
    spans.push({ service: "ledger", startMs: completed + 2000, durationMs: 5000, error: true });
    spans.push({ startMs: dispatched - 16 * 60_000, durationMs: 9000, error: true });
    spans.push({ startMs: completed + 16 * 60_000, durationMs: 9000, error: true });
    await sendSpans(spans);

    const health = (await asViewer(() => getReloadHealth(key)))!;
    expect(health.windows.before).toEqual({ from: new Date(dispatched - 15 * 60_000), to: new Date(dispatched) });
    expect(health.comparison.before).toMatchObject({ spans: 20, errors: 1, errorRatio: 0.05 });
    expect(health.comparison.before.p95Ms).toBeCloseTo(100, 0);
    expect(health.comparison.after).toMatchObject({ spans: 20, errors: 5, errorRatio: 0.25 });
    expect(health.comparison.after!.p95Ms).toBeCloseTo(300, 0);
    expect(health.comparison.p95Change).toBeCloseTo(3, 1);
    // every span of the two windows is in one bucket of the chart; the ones left out in none
    expect(health.buckets.reduce((n, b) => n + b.spans, 0)).toBe(40);
    expect(health.buckets.length).toBeLessThanOrEqual(40);
    expect(health.buckets.find((b) => b.spans > 0 && b.p95Ms! > 200)).toBeDefined();
  });

  test("a reload still running has no after-window; an unknown or malformed key is null", async () => {
    await acceptEvents(scopedReload(checkout, "rl-running", "config", "flags.yaml", "f1", "f2", 2, {}));
    const key = await reloadKey("rl-running");
    await sql().query(`UPDATE reload SET completed_at = NULL WHERE id = $1::bigint`, key);
    const health = (await asViewer(() => getReloadHealth(key)))!;
    expect(health.windows.after).toBeNull();
    expect(health.comparison.after).toBeNull();
    expect(await asViewer(() => getReloadHealth("999999999"))).toBeNull();
    expect(await asViewer(() => getReloadHealth("x'; DROP TABLE span; --"))).toBeNull();
  });

  test("it reads only for a signed-in reader", async () => {
    await expect(getReloadHealth("1")).rejects.toThrow();
  });
});
