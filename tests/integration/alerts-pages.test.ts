// The reads behind the alert pages, badges and the service charts, from ingested events:
// the list's tabs and filters, delivery summaries, silence markers, badge counts per
// service and resource, and chart buckets (reloads, failures, convergence p50/p95).
import { beforeAll, describe, expect, test } from "vitest";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { parseAlertFilters } from "@/lib/alerts/filters";
import { getAlert, getAlertBadges, getAlertStatus, listAlerts } from "@/lib/alerts/queries";
import { sql } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { getServiceCharts } from "@/lib/services/charts";
import { planBuckets } from "@/lib/domain/time-buckets";
import { alertsOf } from "../support/alerts";
import { acceptEvents, scopedReload } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();

beforeAll(() => {
  process.env.RELOAD_TIMEOUT_SECONDS = "900";
  resetEnvCache();
});

const checkout = { environment: "prod", namespace: "payments", service: "checkout-api" };
const search = { environment: "prod", namespace: "", service: "search" };

async function serviceId(name: string): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(`SELECT id FROM service WHERE name = $1`, name);
  return row!.id;
}

describe("alert pages' reads", () => {
  test("tabs, filters, silence marker, delivery summary, badges and the status marker", async () => {
    await acceptEvents([
      ...scopedReload(checkout, "rl-a", "config", "routes.yaml", "v1", "v2", 10, {
        "pod-a": "nacked",
        "pod-b": "acked",
      }),
      ...scopedReload(search, "rl-b", "model", "ranker", "m1", "m2", 10, { "s-1": "nacked" }),
    ]);
    const now = new Date();
    await evaluateAlerts({ now, rules: ["reload_failures"] });
    const alerts = await alertsOf("reload_failures");
    expect(alerts).toHaveLength(2);
    const checkoutAlert = alerts.find((a) => a.details.reloadId === "rl-a")!;
    const searchAlert = alerts.find((a) => a.details.reloadId === "rl-b")!;
    const before = await asViewer(() => getAlertStatus());
    expect(before).toMatchObject({ firing: 2, acknowledged: 0 });

    const firing = await asViewer(() => listAlerts(parseAlertFilters({}), now));
    expect(firing.counts).toEqual({ firing: 2, acknowledged: 0, resolved: 0 });
    expect(firing.items.map((a) => a.id).sort()).toEqual([checkoutAlert.id, searchAlert.id].sort());

    // filters: service text, free text, severity, rule; % matches itself, not everything
    expect(
      (await asViewer(() => listAlerts(parseAlertFilters({ service: "payments/checkout" }), now))).items.map(
        (a) => a.id,
      ),
    ).toEqual([checkoutAlert.id]);
    expect((await asViewer(() => listAlerts(parseAlertFilters({ q: "ranker" }), now))).items.map((a) => a.id)).toEqual([
      searchAlert.id,
    ]);
    expect((await asViewer(() => listAlerts(parseAlertFilters({ q: "%" }), now))).items).toEqual([]);
    expect((await asViewer(() => listAlerts(parseAlertFilters({ severity: "info" }), now))).counts.firing).toBe(0);
    expect((await asViewer(() => listAlerts(parseAlertFilters({ rule: "drift" }), now))).items).toEqual([]);

    // acknowledged moves tabs; a silence marks it; a delivery attempt shows in the summary
    await sql().execute(
      `UPDATE alert SET state = 'acknowledged', acknowledged_at = $2::timestamptz, updated_at = $2::timestamptz WHERE id = $1::bigint`,
      checkoutAlert.id,
      now.toISOString(),
    );
    await sql().execute(
      `INSERT INTO alert_silence (fingerprint, comment, expires_at) VALUES ($1, 'fix rolling out', $2::timestamptz)`,
      checkoutAlert.fingerprint,
      new Date(now.getTime() + 3_600_000).toISOString(),
    );
    await sql().execute(
      `INSERT INTO alert_delivery (alert_id, channel, event, attempt, at, http_status, outcome, error, next_attempt_at)
       VALUES ($1::bigint, 'webhook', 'firing', 1, $2::timestamptz, 503, 'failed', 'HTTP 503', $3::timestamptz),
              ($1::bigint, 'webhook', 'firing', 2, $3::timestamptz, 200, 'delivered', NULL, NULL)`,
      checkoutAlert.id,
      now.toISOString(),
      new Date(now.getTime() + 5_000).toISOString(),
    );
    const acknowledged = await asViewer(() => listAlerts(parseAlertFilters({ tab: "acknowledged" }), now));
    expect(acknowledged.counts).toEqual({ firing: 1, acknowledged: 1, resolved: 0 });
    const [item] = acknowledged.items;
    expect(item).toMatchObject({
      id: checkoutAlert.id,
      state: "acknowledged",
      silence: { comment: "fix rolling out" },
    });
    expect(item!.deliveries).toEqual([
      expect.objectContaining({ channel: "webhook", outcome: "delivered", attempt: 2, attempts: 2 }),
    ]);
    const detail = await asViewer(() => getAlert(checkoutAlert.id, now));
    expect(detail!.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [2, "delivered"],
      [1, "failed"],
    ]);
    expect(await asViewer(() => getAlert("999999", now))).toBeNull();
    expect(await asViewer(() => getAlert("not-a-number", now))).toBeNull();
    expect((await asViewer(() => getAlertStatus())).version).not.toBe(before.version);

    // badges: per service and per kind × resource, firing vs acknowledged
    const checkoutId = await serviceId("checkout-api");
    const searchId = await serviceId("search");
    const badges = await asViewer(() => getAlertBadges([checkoutId, searchId]));
    expect(badges.byService.get(checkoutId)).toEqual({ open: 1, firing: 0, worst: "critical" });
    expect(badges.byService.get(searchId)).toEqual({ open: 1, firing: 1, worst: "critical" });
    expect(badges.byResource.get(`${searchId}/model/ranker`)).toEqual({ open: 1, firing: 1, worst: "critical" });
    expect((await asViewer(() => getAlertBadges([searchId]))).byService.has(checkoutId)).toBe(false);
  });
});

describe("silenced firing alerts", () => {
  test("stay in Firing but after the unsilenced ones, and are counted apart from the firing badge's count", async () => {
    await acceptEvents([
      ...scopedReload(checkout, "rl-s1", "config", "routes.yaml", "v1", "v2", 10, { "pod-a": "nacked" }),
      ...scopedReload(search, "rl-s2", "model", "ranker", "m1", "m2", 10, { "s-1": "nacked" }),
    ]);
    const now = new Date();
    await evaluateAlerts({ now, rules: ["reload_failures"] });
    const before = await asViewer(() => listAlerts(parseAlertFilters({}), now));
    expect(before.items).toHaveLength(2);
    const [top, second] = before.items;
    expect(await asViewer(() => getAlertStatus())).toMatchObject({ firing: 2, silenced: 0 });

    // Silence the one listed first: it moves below the other, still in Firing.
    await sql().execute(
      `INSERT INTO alert_silence (fingerprint, comment, expires_at) VALUES ($1, 'known, fix rolling out', $2::timestamptz)`,
      top!.fingerprint,
      new Date(now.getTime() + 3_600_000).toISOString(),
    );
    const after = await asViewer(() => listAlerts(parseAlertFilters({}), now));
    expect(after.items.map((a) => [a.id, a.silence !== null])).toEqual([
      [second!.id, false],
      [top!.id, true],
    ]);
    expect(after.counts.firing).toBe(2);
    const status = await asViewer(() => getAlertStatus());
    expect(status).toMatchObject({ firing: 2, silenced: 1 });

    // An expired silence no longer counts.
    await sql().execute(
      `UPDATE alert_silence SET expires_at = $1::timestamptz`,
      new Date(Date.now() - 1000).toISOString(),
    );
    expect(await asViewer(() => getAlertStatus())).toMatchObject({ firing: 2, silenced: 0 });
  });
});

describe("service charts", () => {
  test("reloads by outcome, instance failures and convergence p50/p95 per UTC hour; empty hours are zero", async () => {
    const now = new Date();
    // three reloads of checkout-api in the last hour: two converge, one partially fails
    await acceptEvents([
      ...scopedReload(checkout, "rl-1", "config", "a.yaml", "v1", "v2", 30, { p1: "acked", p2: "acked" }),
      ...scopedReload(checkout, "rl-2", "config", "b.yaml", "v1", "v2", 20, {
        p1: "acked",
        p2: "acked",
        p3: "acked",
        p4: "acked",
      }),
      ...scopedReload(checkout, "rl-3", "config", "c.yaml", "v1", "v2", 10, { p1: "acked", p2: "nacked" }),
    ]);
    const id = await serviceId("checkout-api");
    const [reloads] = await sql().query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM reload WHERE service_id = $1`,
      id,
    );
    expect(reloads!.n).toBe(3);
    const day = { from: new Date(now.getTime() - 24 * 3_600_000), to: now };
    const charts = await asViewer(() => getServiceCharts(id, day));
    // The time picker's "last 24 hours" in UTC hours: the partial hour at each end included.
    expect(charts.bucketWords).toBe("hour");
    expect(charts.buckets).toHaveLength(planBuckets(day.from, day.to).starts.length);
    expect(charts.buckets.length).toBeGreaterThanOrEqual(24);
    expect(charts.total).toBe(3);
    const withReloads = charts.buckets.filter((b) => b.succeeded + b.failed + b.other > 0);
    const sum = (f: (b: (typeof withReloads)[number]) => number) => withReloads.reduce((n, b) => n + f(b), 0);
    expect(sum((b) => b.succeeded)).toBe(2);
    expect(sum((b) => b.failed)).toBe(1);
    expect(sum((b) => b.instanceFailures)).toBe(1);
    // convergence: dispatched at 10 s, last ack at 21 + (n − 1) s → 12 s, 14 s and 12 s (the partial one's ack)
    const [conv] = await sql().query<{ values: number[] }[]>(
      `SELECT array_agg(convergence_ms ORDER BY convergence_ms) AS values FROM reload WHERE service_id = $1 AND convergence_ms IS NOT NULL`,
      id,
    );
    const values = conv!.values.map(Number);
    if (withReloads.length === 1) {
      expect(withReloads[0]!.p50Seconds).toBe(percentile(values, 0.5) / 1000);
      expect(withReloads[0]!.p95Seconds).toBe(Math.round(percentile(values, 0.95)) / 1000);
    }
    expect(
      charts.buckets
        .filter((b) => b.succeeded + b.failed + b.other === 0)
        .every((b) => b.p50Seconds === null && b.instanceFailures === 0),
    ).toBe(true);
    // A marker where reloads started, the failed one's bucket marked so.
    expect(charts.markers.reduce((n, m) => n + m.count, 0)).toBe(3);
    expect(charts.markers.some((m) => m.failed)).toBe(true);
    expect(charts.markers.every((m) => charts.buckets.some((b) => b.label === m.label))).toBe(true);
    // The last hour in 5-minute buckets, the three reloads of the last half hour among them.
    const hour = await asViewer(() => getServiceCharts(id, { from: new Date(now.getTime() - 3_600_000), to: now }));
    expect(hour.bucketWords).toBe("5 minutes");
    expect(hour.total).toBe(3);
    const days = await asViewer(() =>
      getServiceCharts(id, { from: new Date(now.getTime() - 14 * 86_400_000), to: now }),
    );
    expect(days.bucketWords).toBe("day");
    expect(days.buckets).toHaveLength(15);
    expect(days.buckets.at(-1)!.succeeded + days.buckets.at(-2)!.succeeded).toBe(2);
  });
});

/** Linear interpolation, as percentile_cont. */
function percentile(sorted: number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}
