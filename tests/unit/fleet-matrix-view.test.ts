import { describe, expect, test } from "vitest";
import { matrixView } from "@/components/fleet/matrix-view";
import type { DriftPolicy } from "@/lib/domain/drift";
import { compositeKey } from "@/lib/domain/keys";
import {
  buildMatrix,
  groupRows,
  type DesiredRow,
  type ServiceSummary,
  type VersionAggregate,
} from "@/lib/domain/matrix";
import { NO_FLEET_FILTERS, type FleetFilters } from "@/lib/fleet/filters";
import type { FleetMatrix } from "@/lib/fleet/queries";
import { aggregatesAt } from "./helpers";

const MIN = 60_000;
const NOW = new Date("2026-11-21T15:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const POLICY: DriftPolicy = { thresholdMs: 5 * MIN, staleMs: 24 * 60 * MIN };

const service = (id: number, namespace: string, name: string, instanceCount: number): ServiceSummary => ({
  id,
  environment: "prod",
  namespace,
  name,
  instanceCount,
  lastEventAt: ago(2 * MIN),
});
const agg = aggregatesAt(NOW);

const services = [service(1, "payments", "checkout-api", 4), service(2, "", "edge-proxy", 1)];
const aggregates = [
  // checkout-api routes: mixed for an hour, one instance off the desired version and NACKing it
  agg({
    serviceId: 1,
    kind: "routes",
    resource: "routes.yaml",
    version: "r-2202",
    instances: 3,
    newestSince: ago(20 * MIN),
  }),
  agg({
    serviceId: 1,
    kind: "routes",
    resource: "routes.yaml",
    version: "r-2201",
    instances: 1,
    newestSince: ago(90 * MIN),
    nacked: 1,
  }),
  // checkout-api model: every instance on one version, the desired one runs nowhere
  agg({
    serviceId: 1,
    kind: "model",
    resource: "fraud-model-2026-11-01-long-name",
    version: "fraud-model-2026-11-01-long-name",
    instances: 4,
  }),
  // edge-proxy config: no desired version, one instance with no version yet, one reloading
  agg({
    serviceId: 2,
    kind: "config",
    resource: "proxy.yaml",
    version: "p1",
    instances: 1,
    newestSince: ago(3 * MIN),
    inProgress: 1,
  }),
  agg({ serviceId: 2, kind: "config", resource: "proxy.yaml", version: null, instances: 1, newestSince: null }),
];
const desired: DesiredRow[] = [
  { serviceId: 1, kind: "routes", resource: "routes.yaml", version: "r-2202", setAt: ago(21 * MIN) },
  {
    serviceId: 1,
    kind: "model",
    resource: "fraud-model-2026-11-01-long-name",
    version: "fraud-model-next",
    setAt: ago(30 * MIN),
  },
];

function fleetMatrix(overrides: Partial<FleetMatrix> = {}): FleetMatrix {
  const built = buildMatrix(services, aggregates, desired, NOW, POLICY);
  return {
    groups: groupRows(built.rows),
    kinds: built.kinds,
    facets: { environments: ["prod"], namespaces: ["payments"], kinds: built.kinds },
    totals: { services: 2, matching: 2, drifting: 1, instances: 5, problems: 3, failing: 1, driftingResources: 2 },
    page: 1,
    pageCount: 1,
    generatedAt: NOW,
    lastReloads: { [compositeKey(1, "routes", "routes.yaml")]: { key: "41", reloadId: "rl-7f3a" } },
    ...overrides,
  };
}

const view = matrixView(fleetMatrix(), NO_FLEET_FILTERS);
const row = (name: string) => view.groups.flatMap((g) => g.rows).find((r) => r.name === name)!;
const cellOf = (name: string, kind: string) => row(name).cells[view.kinds.indexOf(kind)]![0]!;

describe("matrixView: what each cell shows, as text formatted on the server", () => {
  test("groups are labelled environment / namespace, or the environment alone", () => {
    expect(view.groups.map((g) => g.label)).toEqual(["prod", "prod / payments"]);
  });

  test("a row says its instances (singular for one) and its last event, relative and exact", () => {
    expect(row("checkout-api").summary).toBe("4 instances · last event 2m ago");
    expect(row("edge-proxy").summary).toBe("1 instance · last event 2m ago");
    expect(row("checkout-api").lastEventAt).toBe("2026-11-21 14:58:00 UTC");
  });

  test("cells line up with the kinds: a service without a kind has an empty list there", () => {
    expect(view.kinds).toEqual(["config", "model", "routes"]);
    expect(row("checkout-api").cells.map((cells) => cells.map((c) => c.resource))).toEqual([
      [],
      ["fraud-model-2026-11-01-long-name"],
      ["routes.yaml"],
    ]);
  });

  test("a drifting, NACKed cell: problem state, the drift's reasons, the desired version named, its drift age on the cell, versions toned, its reload", () => {
    expect(cellOf("checkout-api", "routes")).toEqual({
      resource: "routes.yaml",
      state: "problem",
      badges: [{ tone: "bad", text: "1 NACK" }],
      versions: [
        { text: "r-2202", instances: 3, tone: "desired" },
        { text: "r-2201", instances: 1, tone: "off" },
      ],
      desired: "r-2202",
      driftAge: "drifting 20m",
      driftWhy: "2 versions running; 1 off the desired r-2202 for 20m 0s+",
      changed: "20m ago",
      changedAt: "2026-11-21 14:40:00 UTC",
      reload: { key: "41", reloadId: "rl-7f3a" },
    });
  });

  test("a desired version that runs on no instance is still named", () => {
    const model = cellOf("checkout-api", "model");
    expect(model.desired).toBe("fraud-model-next");
    expect(model.versions).toEqual([{ text: "fraud-model-2026-11-01-long-name", instances: 4, tone: "off" }]);
  });

  test("without a desired version: no tone, an unknown version says so, a reload in progress is a badge", () => {
    const config = cellOf("edge-proxy", "config");
    expect(config.versions).toEqual([
      { text: "unknown", instances: 1 },
      { text: "p1", instances: 1 },
    ]);
    expect(config.badges).toEqual([{ tone: "info", text: "1 reloading" }]);
    expect(config.state).toBeUndefined();
  });

  test("a quiet cell carries no empty fields: nothing null, no empty lists (the page sends 100 rows of them)", () => {
    const rows = JSON.stringify(matrixView(fleetMatrix({ lastReloads: {} }), NO_FLEET_FILTERS).groups);
    expect(rows).not.toContain("null");
    expect(rows).not.toMatch(/"(badges|versions)":\[\]/);
    expect(Object.keys(cellOf("edge-proxy", "config")).sort()).toEqual([
      "badges",
      "changed",
      "changedAt",
      "resource",
      "versions",
    ]);
  });

  test("the pager links keep the filters; a single page has none", () => {
    expect(view.pager).toBeNull();
    const middle = matrixView(fleetMatrix({ page: 2, pageCount: 3 }), {
      ...NO_FLEET_FILTERS,
      env: "prod",
      drifting: true,
      page: 2,
    });
    expect(middle.pager).toEqual({
      label: "Page 2 of 3",
      previous: "/fleet?env=prod&drifting=1",
      next: "/fleet?env=prod&drifting=1&page=3",
    });
    const last = matrixView(fleetMatrix({ page: 3, pageCount: 3 }), { ...NO_FLEET_FILTERS, page: 3 });
    expect(last.pager).toEqual({ label: "Page 3 of 3", previous: "/fleet?page=2", next: null });
  });
});

describe("matrixView: alert badges", () => {
  const alerts = {
    byService: new Map([
      [1, { open: 3, firing: 2, worst: "critical" as const }],
      [2, { open: 1, firing: 0, worst: "warning" as const }],
    ]),
    byKind: new Map(),
    byResource: new Map([["1/routes/routes.yaml", { open: 1, firing: 1, worst: "warning" as const }]]),
  };
  const withAlerts = matrixView(fleetMatrix(), NO_FLEET_FILTERS, alerts);
  const rowOf = (name: string) => withAlerts.groups.flatMap((g) => g.rows).find((r) => r.name === name)!;

  test.each([
    [
      "checkout-api",
      {
        tone: "bad",
        text: "2 alerts",
        title: "open alerts: 2 firing, 1 acknowledged",
        href: "/alerts?service=prod%2Fpayments%2Fcheckout-api",
      },
    ],
    [
      "edge-proxy",
      {
        tone: "neutral",
        text: "1 ack'd alert",
        title: "open alerts: 0 firing, 1 acknowledged",
        href: "/alerts?service=prod%2Fedge-proxy&tab=acknowledged",
      },
    ],
  ])("%s: the service's open alerts, linking to them", (name, expected) => {
    expect(rowOf(name).alerts).toEqual(expected);
  });

  test("a cell with an alert about its resource carries the badge; others do not; without alerts nothing is added", () => {
    const routes = rowOf("checkout-api").cells[withAlerts.kinds.indexOf("routes")]![0]!;
    expect(routes.badges?.at(-1)).toEqual({
      tone: "drift",
      text: "1 alert",
      title: "open alerts: 1 firing, 0 acknowledged",
    });
    const model = rowOf("checkout-api").cells[withAlerts.kinds.indexOf("model")]![0]!;
    expect(model.badges?.some((b) => b.text.includes("alert")) ?? false).toBe(false);
    expect(row("checkout-api").alerts).toBeUndefined();
  });
});
