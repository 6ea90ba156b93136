import { describe, expect, test } from "vitest";
import { couldDrift, type DriftPolicy } from "@/lib/domain/drift";
import {
  buildMatrix,
  groupRows,
  summarizeFleetDrift,
  type DesiredRow,
  type MatrixRow,
  type ServiceSummary,
  type VersionAggregate,
} from "@/lib/domain/matrix";
import { aggregatesAt } from "./helpers";

const MIN = 60_000;
const NOW = new Date("2026-11-21T15:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const DAY = 24 * 60 * MIN;
const THRESHOLD: DriftPolicy = { thresholdMs: 5 * MIN, staleMs: DAY };

const service = (id: number, environment: string, namespace: string, name: string): ServiceSummary => ({
  id,
  environment,
  namespace,
  name,
  instanceCount: 4,
  lastEventAt: ago(1 * MIN),
});
const agg = aggregatesAt(NOW);

const services = [
  service(1, "prod", "payments", "checkout-api"),
  service(2, "prod", "edge", "ingress"),
  service(3, "staging", "payments", "checkout-api"),
];
const aggregates: VersionAggregate[] = [
  // checkout-api: config checkout.yaml all on desired; routes mixed for long; flags.json
  agg({
    serviceId: 1,
    kind: "config",
    resource: "checkout.yaml",
    version: "c93e0a4",
    instances: 4,
    newestSince: ago(30 * MIN),
  }),
  agg({
    serviceId: 1,
    kind: "routes",
    resource: "routes.yaml",
    version: "r-2201",
    instances: 1,
    newestSince: ago(120 * MIN),
  }),
  agg({
    serviceId: 1,
    kind: "routes",
    resource: "routes.yaml",
    version: "r-2202",
    instances: 3,
    newestSince: ago(20 * MIN),
    failed: 1,
  }),
  agg({ serviceId: 1, kind: "config", resource: "a-first.yaml", version: "a1", instances: 4 }),
  // ingress: one NACKed instance left on the old routes, a rollout in progress on the cert
  agg({
    serviceId: 2,
    kind: "routes",
    resource: "routes.yaml",
    version: "rt-5121",
    instances: 8,
    newestSince: ago(3 * MIN),
  }),
  agg({
    serviceId: 2,
    kind: "routes",
    resource: "routes.yaml",
    version: "rt-5120",
    instances: 1,
    newestSince: ago(300 * MIN),
    nacked: 1,
  }),
  agg({
    serviceId: 2,
    kind: "certificate",
    resource: "wildcard-tls",
    version: "cert-b",
    instances: 2,
    newestSince: ago(1 * MIN),
    inProgress: 2,
  }),
  agg({
    serviceId: 2,
    kind: "certificate",
    resource: "wildcard-tls",
    version: "cert-a",
    instances: 2,
    newestSince: ago(90 * MIN),
  }),
  agg({
    serviceId: 2,
    kind: "certificate",
    resource: "wildcard-tls",
    version: null,
    instances: 1,
    newestSince: null,
    rolledBack: 1,
  }),
  // instances gone for two days: left out of the cells, their versions and their drift
  agg({
    serviceId: 1,
    kind: "config",
    resource: "checkout.yaml",
    version: "c93e000",
    instances: 2,
    newestSince: ago(3 * DAY),
    lastReportAt: ago(2 * DAY),
    failed: 2,
  }),
  agg({
    serviceId: 3,
    kind: "model",
    resource: "ranker",
    version: "m-old",
    instances: 4,
    newestSince: ago(3 * DAY),
    lastReportAt: ago(DAY + 1),
  }),
  // an aggregate for a service not in the page is skipped
  agg({ serviceId: 99, kind: "model", resource: "fraud-model", version: "m1", instances: 2 }),
];
const desired: DesiredRow[] = [
  { serviceId: 1, kind: "config", resource: "checkout.yaml", version: "c93e0a4", setAt: ago(31 * MIN) },
  { serviceId: 1, kind: "routes", resource: "routes.yaml", version: "r-2202", setAt: ago(21 * MIN) },
  { serviceId: 2, kind: "routes", resource: "routes.yaml", version: "rt-5121", setAt: ago(4 * MIN) },
];

const matrix = buildMatrix(services, aggregates, desired, NOW, THRESHOLD);
const row = (id: number) => matrix.rows.find((r) => r.service.id === id)!;
const cell = (id: number, kind: string, resource: string) => row(id).cells[kind]!.find((c) => c.resource === resource)!;

describe("buildMatrix", () => {
  test("one row per service, in the order given, and only the kinds that have cells, sorted", () => {
    expect(matrix.rows.map((r) => r.service.id)).toEqual([1, 2, 3]);
    expect(matrix.kinds).toEqual(["certificate", "config", "routes"]);
  });

  test.each([
    [1, { config: ["a-first.yaml", "checkout.yaml"], routes: ["routes.yaml"] }],
    [2, { certificate: ["wildcard-tls"], routes: ["routes.yaml"] }],
    [3, {}],
  ])("service %i has its cells per kind, resources sorted", (id, expected) => {
    const cells = Object.fromEntries(
      Object.entries(row(id).cells).map(([k, list]) => [k, list.map((c) => c.resource)]),
    );
    expect(cells).toEqual(expected);
  });

  test.each<[string, number, string, string, { version: string | null; instances: number; isDesired: boolean }[]]>([
    [
      "single version on desired",
      1,
      "config",
      "checkout.yaml",
      [{ version: "c93e0a4", instances: 4, isDesired: true }],
    ],
    ["no desired version known", 1, "config", "a-first.yaml", [{ version: "a1", instances: 4, isDesired: false }]],
    [
      "versions sorted by instance count, most first",
      1,
      "routes",
      "routes.yaml",
      [
        { version: "r-2202", instances: 3, isDesired: true },
        { version: "r-2201", instances: 1, isDesired: false },
      ],
    ],
    [
      "a tie in count sorts by version; unknown version kept",
      2,
      "certificate",
      "wildcard-tls",
      [
        { version: "cert-a", instances: 2, isDesired: false },
        { version: "cert-b", instances: 2, isDesired: false },
        { version: null, instances: 1, isDesired: false },
      ],
    ],
  ])("versions: %s", (_name, id, kind, resource, versions) => {
    expect(cell(id, kind, resource).versions).toEqual(versions);
  });

  test.each<
    [
      number,
      string,
      string,
      {
        desired: string | null;
        drifting: boolean;
        reasons: string[];
        offDesired: number;
        failed: number;
        nacked: number;
        inProgress: number;
        rolledBack: number;
        lastChangeAt: Date | null;
      },
    ]
  >([
    [
      1,
      "config",
      "checkout.yaml",
      {
        desired: "c93e0a4",
        drifting: false,
        reasons: [],
        offDesired: 0,
        failed: 0,
        nacked: 0,
        inProgress: 0,
        rolledBack: 0,
        lastChangeAt: ago(30 * MIN),
      },
    ],
    [
      1,
      "routes",
      "routes.yaml",
      {
        desired: "r-2202",
        drifting: true,
        reasons: ["mixed_versions", "off_desired"],
        offDesired: 1,
        failed: 1,
        nacked: 0,
        inProgress: 0,
        rolledBack: 0,
        lastChangeAt: ago(20 * MIN),
      },
    ],
    // the fresh move 3 minutes ago is under the threshold: not yet drift
    [
      2,
      "routes",
      "routes.yaml",
      {
        desired: "rt-5121",
        drifting: false,
        reasons: [],
        offDesired: 1,
        failed: 0,
        nacked: 1,
        inProgress: 0,
        rolledBack: 0,
        lastChangeAt: ago(3 * MIN),
      },
    ],
    [
      2,
      "certificate",
      "wildcard-tls",
      {
        desired: null,
        drifting: false,
        reasons: [],
        offDesired: 0,
        failed: 0,
        nacked: 0,
        inProgress: 2,
        rolledBack: 1,
        lastChangeAt: ago(1 * MIN),
      },
    ],
  ])("service %i %s/%s cell", (id, kind, resource, expected) => {
    const c = cell(id, kind, resource);
    expect({
      desired: c.desired,
      drifting: c.drift.drifting,
      reasons: c.drift.reasons,
      offDesired: c.drift.offDesired,
      failed: c.failed,
      nacked: c.nacked,
      inProgress: c.inProgress,
      rolledBack: c.rolledBack,
      lastChangeAt: c.lastChangeAt,
    }).toEqual(expected);
  });

  test.each([
    // routes: failed 1 + drifting 1
    [1, true, 2],
    // routes: nacked 1, not drifting yet
    [2, false, 1],
    [3, false, 0],
  ])("service %i: drifting %s, problems %i", (id, drifting, problems) => {
    expect(row(id).drifting).toBe(drifting);
    expect(row(id).problems).toBe(problems);
  });

  test("the same aggregates later: the ingress routes drift once the threshold has passed", () => {
    const later = buildMatrix(services, aggregates, desired, new Date(NOW.getTime() + 10 * MIN), THRESHOLD);
    const ingress = later.rows.find((r) => r.service.id === 2)!;
    expect(ingress.drifting).toBe(true);
    expect(ingress.cells.routes![0]!.drift.reasons).toEqual(["mixed_versions", "off_desired"]);
    // nacked 1 + drifting routes 1 + drifting certificate (mixed cert-a/cert-b) 1
    expect(ingress.problems).toBe(3);
  });

  test("desired rows of another service or resource do not leak into a cell", () => {
    const m = buildMatrix(
      [service(1, "prod", "payments", "checkout-api")],
      [agg({ serviceId: 1, kind: "config", resource: "x.yaml", version: "v1", instances: 2 })],
      [
        { serviceId: 2, kind: "config", resource: "x.yaml", version: "v9", setAt: ago(60 * MIN) },
        { serviceId: 1, kind: "config", resource: "y.yaml", version: "v9", setAt: ago(60 * MIN) },
        { serviceId: 1, kind: "flags", resource: "x.yaml", version: "v9", setAt: ago(60 * MIN) },
      ],
      NOW,
      THRESHOLD,
    );
    const c = m.rows[0]!.cells.config![0]!;
    expect(c.desired).toBeNull();
    expect(c.drift.drifting).toBe(false);
    expect(m.rows[0]!.problems).toBe(0);
  });

  test("a resource only gone instances report has no cell, and gone pairs count nowhere", () => {
    expect(row(3).cells).toEqual({});
    expect(matrix.kinds).not.toContain("model");
    const c = cell(1, "config", "checkout.yaml");
    expect(c.failed).toBe(0);
    expect(c.drift).toMatchObject({ versionCount: 1, livePairs: 4, stalePairs: 2 });
  });

  test("no services → no rows and no kinds, even with aggregates", () => {
    expect(buildMatrix([], aggregates, desired, NOW, THRESHOLD)).toEqual({ kinds: [], rows: [] });
  });
});

describe("groupRows", () => {
  const rowOf = (id: number, environment: string, namespace: string, name: string): MatrixRow => ({
    service: service(id, environment, namespace, name),
    cells: {},
    drifting: false,
    problems: 0,
  });
  const rows = [
    rowOf(1, "staging", "search", "search-api"),
    rowOf(2, "prod", "search", "search-api"),
    rowOf(3, "prod", "payments", "ledger"),
    rowOf(4, "prod", "", "standalone"),
    rowOf(5, "prod", "payments", "checkout-api"),
    rowOf(6, "staging", "payments", "checkout-api"),
    rowOf(7, "prod", "search", "indexer"),
  ];

  test("groups by environment then namespace, rows by name", () => {
    const groups = groupRows(rows);
    expect(groups.map((g) => [g.environment, g.namespace, g.rows.map((r) => r.service.id)])).toEqual([
      ["prod", "", [4]],
      ["prod", "payments", [5, 3]],
      ["prod", "search", [7, 2]],
      ["staging", "payments", [6]],
      ["staging", "search", [1]],
    ]);
  });

  test.each([1, 2, 3])("the grouping does not depend on input order (rotation %i)", (n) => {
    const rotated = [...rows.slice(n), ...rows.slice(0, n)];
    expect(groupRows(rotated)).toEqual(groupRows(rows));
  });

  test("every row lands in exactly one group; the input is left alone", () => {
    const before = rows.map((r) => r.service.id);
    const ids = groupRows(rows).flatMap((g) => g.rows.map((r) => r.service.id));
    expect(ids.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows.map((r) => r.service.id)).toEqual(before);
    expect(groupRows([])).toEqual([]);
  });
});

describe("summarizeFleetDrift agrees with the rows buildMatrix builds", () => {
  const policies: [string, Date][] = [
    ["now", NOW],
    ["ten minutes later", new Date(NOW.getTime() + 10 * MIN)],
    ["almost a day later", new Date(NOW.getTime() + DAY - 30 * MIN)],
  ];

  test.each(policies)("with every group (%s)", (_name, now) => {
    const built = buildMatrix(services, aggregates, desired, now, THRESHOLD);
    const summary = summarizeFleetDrift(aggregates, desired, now, THRESHOLD);
    for (const r of built.rows) {
      expect({
        id: r.service.id,
        drifting: summary.get(r.service.id)?.drifting ?? false,
        problems: summary.get(r.service.id)?.problems ?? 0,
      }).toEqual({
        id: r.service.id,
        drifting: r.drifting,
        problems: r.problems,
      });
    }
  });

  // What the fleet-wide SQL returns: the resources couldDrift keeps, whole, and groups with problems.
  test.each(policies)("with only the groups the fleet-wide read returns (%s)", (_name, now) => {
    const key = (a: VersionAggregate) => `${a.serviceId}/${a.kind}/${a.resource}`;
    const candidates = new Set(
      [...new Set(aggregates.map(key))].filter((k) => {
        const groups = aggregates.filter((a) => key(a) === k);
        const d = desired.find((x) => `${x.serviceId}/${x.kind}/${x.resource}` === k) ?? null;
        return couldDrift(groups, d, now, THRESHOLD.staleMs);
      }),
    );
    const pruned = aggregates.filter((a) => candidates.has(key(a)) || a.failed + a.nacked > 0);
    expect(pruned.length).toBeLessThan(aggregates.length);
    expect(summarizeFleetDrift(pruned, desired, now, THRESHOLD)).toEqual(
      new Map(
        [...summarizeFleetDrift(aggregates, desired, now, THRESHOLD)].filter(([, s]) => s.drifting || s.problems > 0),
      ),
    );
  });
});
