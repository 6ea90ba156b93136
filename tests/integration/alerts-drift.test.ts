// Version drift alerts (docs/adr/0014): driven through POST /api/v1/events, decided by the one
// drift function (so an alert never disagrees with the matrix), opened once per fingerprint,
// updated while it lasts, resolved when the fleet converges.
import { describe, expect, test } from "vitest";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { driftFingerprint } from "@/lib/domain/alerts/drift";
import { NO_FLEET_FILTERS } from "@/lib/fleet/filters";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { alertsOf, later } from "../support/alerts";
import { acceptEvents, heartbeat as beat, minutesAgo } from "../support/ingest-client";
import { checkout, driftFleetHeartbeats, ledgerReloadNackedByL4, useDriftDefaults } from "../support/drift-fleet";
import { concurrencyTest, useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();

// Only the drift rule: the heartbeats below are old enough for the stale-instance rule too.
const DRIFT = ["drift"] as const;

useDriftDefaults();

describe("drift alerts", () => {
  test("fire for a drifting resource, once, with its age and instances; resolve when it converges", async () => {
    await acceptEvents([
      ...["c-1", "c-2", "c-3"].map((i) => beat(checkout, i, "routes", "routes.yaml", "r-v2", minutesAgo(60))),
      beat(checkout, "c-4", "routes", "routes.yaml", "r-v1", minutesAgo(61)),
    ]);
    const now = new Date();
    const first = await evaluateAlerts({ now, rules: DRIFT });
    expect(first.errors).toEqual([]);
    expect(first.opened.map((a) => a.fingerprint)).toEqual([
      driftFingerprint(first.opened[0]!.serviceId!, "routes", "routes.yaml"),
    ]);
    const again = await evaluateAlerts({ now: later(now, 1), rules: DRIFT });
    expect(again.opened).toEqual([]);

    const [alert, ...rest] = await alertsOf("drift");
    expect(rest).toEqual([]);
    expect(alert!.state).toBe("firing");
    expect(alert!.severity).toBe("warning");
    // Seen again a minute later with nothing new to say: the row is not rewritten (docs/adr/0014).
    expect(alert!.last_seen_at.getTime()).toBe(now.getTime());
    expect(alert!.details).toMatchObject({
      reasons: ["mixed_versions"],
      desiredVersion: null,
      driftingInstances: 1,
      instances: [{ instance: "c-4", version: "r-v1" }],
      versions: [
        { version: "r-v2", instances: 3 },
        { version: "r-v1", instances: 1 },
      ],
    });
    // the drift began when the last instance moved (60 min ago): at least 59 min old
    expect(alert!.details.driftingForMs as number).toBeGreaterThan(59 * 60_000);
    expect(alert!.labels).toEqual({
      environment: "prod",
      namespace: "payments",
      service: "checkout-api",
      kind: "routes",
      resource: "routes.yaml",
    });
    expect(alert!.summary).toContain("prod/payments/checkout-api routes/routes.yaml");

    // c-4 catches up: the resource runs one version, the alert resolves
    await acceptEvents([beat(checkout, "c-4", "routes", "routes.yaml", "r-v2", minutesAgo(0))]);
    const third = await evaluateAlerts({ now: later(now, 2), rules: DRIFT });
    expect(third.resolved.map((a) => a.id)).toEqual([alert!.id]);
    const [resolved] = await alertsOf("drift");
    expect(resolved!.state).toBe("resolved");
    expect(resolved!.resolved_at!.getTime()).toBe(later(now, 2).getTime());
    // the same drift again later is a new alert, not the resolved one reopened
    await acceptEvents([beat(checkout, "c-1", "routes", "routes.yaml", "r-v3", minutesAgo(0))]);
    await evaluateAlerts({ now: later(now, 20), rules: DRIFT });
    const all = await alertsOf("drift");
    expect(all.map((a) => a.state)).toEqual(["resolved", "firing"]);
  });

  test("never disagree with the matrix: one alert for every drifting cell, none for the others", async () => {
    await acceptEvents(driftFleetHeartbeats());
    await acceptEvents(ledgerReloadNackedByL4());
    const now = new Date();
    await evaluateAlerts({ now, rules: DRIFT });
    const matrix = await asViewer(() => getFleetMatrix(NO_FLEET_FILTERS, now));
    const drifted = new Set<string>();
    for (const row of matrix.groups.flatMap((g) => g.rows)) {
      for (const [kind, cells] of Object.entries(row.cells))
        for (const c of cells) if (c.drift.drifting) drifted.add(driftFingerprint(row.service.id, kind, c.resource));
    }
    const alerts = (await alertsOf("drift")).filter((a) => a.state !== "resolved");
    expect(new Set(alerts.map((a) => a.fingerprint))).toEqual(drifted);
    expect(drifted.size).toBe(2); // checkout routes (mixed) and ledger (l-4 NACKed, off desired)
    const ledgerAlert = alerts.find((a) => a.labels.service === "ledger")!;
    expect(ledgerAlert.details).toMatchObject({
      desiredVersion: "v2",
      reasons: ["mixed_versions", "off_desired"],
      instances: [{ instance: "l-4", version: "v1" }],
    });
  });

  concurrencyTest("two evaluations at once open one alert", async () => {
    await acceptEvents([
      ...["c-1", "c-2"].map((i) => beat(checkout, i, "routes", "routes.yaml", "r-v2", minutesAgo(60))),
      beat(checkout, "c-3", "routes", "routes.yaml", "r-v1", minutesAgo(61)),
    ]);
    const now = new Date();
    const [a, b] = await Promise.all([evaluateAlerts({ now, rules: DRIFT }), evaluateAlerts({ now, rules: DRIFT })]);
    expect(a.opened.length + b.opened.length).toBe(1);
    expect(await alertsOf("drift")).toHaveLength(1);
  });
});
