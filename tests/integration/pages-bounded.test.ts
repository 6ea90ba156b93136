// Bounded pages (docs/adr/0007): the matrix pages its services in SQL, the service page
// pages its instances, and GET /api/v1/fleet/status reads two index ends.
import { describe, expect, test } from "vitest";
import { GET as fleetStatus } from "@/app/api/v1/fleet/status/route";
import { db, sql } from "@/lib/db/client";
import { FLEET_PAGE_SIZE } from "@/lib/fleet/filters";
import { NO_FLEET_FILTERS } from "@/lib/fleet/filters";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { FLEET_STATUS_SQL, getFleetStatus } from "@/lib/fleet/status";
import { INSTANCE_PAGE_SIZE } from "@/lib/services/params";
import { getServiceDetail } from "@/lib/services/queries";
import { acceptEvents, daysAgo, event, minutesAgo } from "../support/ingest-client";
import { TEST_TOKEN, useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";
import { useDriftDefaults } from "../support/drift-fleet";

useTestDatabase();

useDriftDefaults();

const pad = (n: number) => String(n).padStart(3, "0");

describe("the matrix pages in SQL", () => {
  // 230 services over two environments and three namespaces; every other one drifts (one of
  // its two instances left on another version for an hour).
  const SERVICES = 230;
  const place = (n: number) => ({
    environment: n % 4 === 0 ? "staging" : "prod",
    namespace: ["edge", "payments", "search"][n % 3]!,
  });
  async function buildFleet() {
    await acceptEvents(
      Array.from({ length: SERVICES }, (_, n) => [
        event({
          ...place(n),
          service: `svc-${pad(n)}`,
          instance: `svc-${pad(n)}-a`,
          toVersion: "v2",
          occurredAt: minutesAgo(60),
        }),
        event({
          ...place(n),
          service: `svc-${pad(n)}`,
          instance: `svc-${pad(n)}-b`,
          toVersion: n % 2 === 0 ? "v1" : "v2",
          occurredAt: minutesAgo(61),
        }),
      ]).flat(),
    );
  }
  const expectedOrder = (filter: (n: number) => boolean) =>
    Array.from({ length: SERVICES }, (_, n) => n)
      .filter(filter)
      .map((n) => ({ ...place(n), name: `svc-${pad(n)}` }))
      .sort((a, b) =>
        a.environment + "\u0000" + a.namespace + "\u0000" + a.name <
        b.environment + "\u0000" + b.namespace + "\u0000" + b.name
          ? -1
          : 1,
      )
      .map((s) => `${s.environment}/${s.namespace}/${s.name}`);
  const names = (m: Awaited<ReturnType<typeof getFleetMatrix>>) =>
    m.groups.flatMap((g) => g.rows.map((r) => `${r.service.environment}/${r.service.namespace}/${r.service.name}`));

  test("pages of 100 in environment, namespace, name order; the totals cover every page", async () => {
    await buildFleet();
    const now = new Date();
    const pages = await Promise.all(
      [1, 2, 3].map((page) => asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, page }, now))),
    );
    expect(pages.map((p) => names(p).length)).toEqual([
      FLEET_PAGE_SIZE,
      FLEET_PAGE_SIZE,
      SERVICES - 2 * FLEET_PAGE_SIZE,
    ]);
    expect(pages.flatMap(names)).toEqual(expectedOrder(() => true));
    for (const p of pages) {
      expect(p.pageCount).toBe(3);
      expect(p.totals).toEqual({
        services: SERVICES,
        matching: SERVICES,
        drifting: SERVICES / 2,
        instances: 2 * SERVICES,
        problems: SERVICES / 2,
        failing: 0,
        driftingResources: SERVICES / 2,
      });
      // each page's rows carry their cells, and only the page's kinds head the columns
      expect(p.groups.flatMap((g) => g.rows).every((r) => r.cells.config?.length === 1)).toBe(true);
      expect(p.kinds).toEqual(["config"]);
    }
    expect(pages.map((p) => p.page)).toEqual([1, 2, 3]);
  });

  test("a page past the end shows the last page", async () => {
    await buildFleet();
    const past = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, page: 40 }));
    expect(past.page).toBe(3);
    expect(names(past)).toEqual(expectedOrder(() => true).slice(2 * FLEET_PAGE_SIZE));
  });

  test("'drifting only' pages the drifting services, in the same order", async () => {
    await buildFleet();
    const now = new Date();
    const first = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, drifting: true, page: 1 }, now));
    const second = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, drifting: true, page: 2 }, now));
    expect(first.pageCount).toBe(2);
    expect([...names(first), ...names(second)]).toEqual(expectedOrder((n) => n % 2 === 0));
    expect([...first.groups, ...second.groups].flatMap((g) => g.rows).every((r) => r.drifting)).toBe(true);
    expect(first.totals).toMatchObject({ matching: SERVICES / 2, drifting: SERVICES / 2, instances: SERVICES });
  });

  test("filters and pages combine", async () => {
    await buildFleet();
    const staging = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, env: "staging", ns: "edge" }));
    expect(names(staging)).toEqual(
      expectedOrder((n) => place(n).environment === "staging" && place(n).namespace === "edge"),
    );
    const all = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, q: "SVC-", page: 3 }));
    expect(all.totals.matching).toBe(SERVICES);
    expect(names(all)).toEqual(expectedOrder(() => true).slice(2 * FLEET_PAGE_SIZE));
    // "_" and "%" are searched for, not wildcards
    expect((await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, q: "svc_" }))).totals.matching).toBe(0);
    expect((await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, q: "c-2" }))).totals.matching).toBe(30);
  });

  test("a filter with NUL in it is no filter, not an error", async () => {
    await buildFleet();
    const { parseFleetFilters } = await import("@/lib/fleet/filters");
    const filters = parseFleetFilters(Object.fromEntries(new URLSearchParams("q=%00&env=%00prod")));
    expect(filters).toMatchObject({ q: undefined, env: "prod" });
    const matrix = await asViewer(() => getFleetMatrix(filters));
    expect(matrix.totals.matching).toBe(expectedOrder((n) => place(n).environment === "prod").length);
  });
});

describe("the service page pages its instances", () => {
  // 450 instances: 429 live on v2, one live on v1 (for an hour: drift), 20 gone on v0.
  async function buildService() {
    const svc = { environment: "prod", namespace: "big", service: "fleet-of-pods" };
    await acceptEvents([
      ...Array.from({ length: 429 }, (_, i) =>
        event({ ...svc, instance: `pod-${pad(i)}`, toVersion: "v2", occurredAt: minutesAgo(60) }),
      ),
      event({ ...svc, instance: "pod-999", toVersion: "v1", occurredAt: minutesAgo(61) }),
      ...Array.from({ length: 20 }, (_, i) =>
        event({ ...svc, instance: `old-${pad(i)}`, toVersion: "v0", occurredAt: daysAgo(2) }),
      ),
    ]);
    return (await db().service.findFirstOrThrow({ where: { name: "fleet-of-pods" } })).id;
  }

  test("200 per page, live first; drift and counts over every live pair", async () => {
    const id = await buildService();
    const now = new Date();
    const pages = await Promise.all([1, 2, 3].map((page) => asViewer(() => getServiceDetail(id, { page, now }))));
    expect(pages.map((p) => p!.instances.length)).toEqual([INSTANCE_PAGE_SIZE, INSTANCE_PAGE_SIZE, 50]);
    expect(pages.map((p) => [p!.page, p!.pageCount])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const keys = pages.flatMap((p) => p!.instances.map((i) => i.instanceKey));
    expect(new Set(keys).size).toBe(450);
    // the 430 live ones by name, then the 20 gone ones
    expect(keys.slice(0, 430)).toEqual([...Array.from({ length: 429 }, (_, i) => `pod-${pad(i)}`), "pod-999"]);
    expect(pages[2]!.instances.slice(-20).every((i) => i.stale)).toBe(true);
    expect(pages.flatMap((p) => p!.instances).filter((i) => i.stale)).toHaveLength(20);
    // every instance on the page has its state
    expect(pages.flatMap((p) => p!.instances).every((i) => i.states["config/routes.yaml"] !== undefined)).toBe(true);

    for (const p of pages) {
      expect(p!.instanceCounts).toEqual({ total: 450, live: 430 });
      // the one instance on v1 is on page 3, yet every page reports the drift it causes
      expect(p!.columns).toHaveLength(1);
      expect(p!.columns[0]!.drift).toMatchObject({
        drifting: true,
        reasons: ["mixed_versions"],
        versionCount: 2,
        livePairs: 430,
        stalePairs: 20,
      });
    }
  });

  test("a page past the end shows the last one; the matrix agrees on the cell", async () => {
    const id = await buildService();
    const now = new Date();
    const past = await asViewer(() => getServiceDetail(id, { page: 9, now }));
    expect(past!.page).toBe(3);
    expect(past!.instances).toHaveLength(50);
    const matrix = await asViewer(() => getFleetMatrix(NO_FLEET_FILTERS, now));
    const cell = matrix.groups[0]!.rows[0]!.cells.config![0]!;
    expect(cell.drift).toEqual(past!.columns[0]!.drift);
    expect(cell.versions).toEqual([
      { version: "v2", instances: 429, isDesired: false },
      { version: "v1", instances: 1, isDesired: false },
    ]);
  });
});

describe("GET /api/v1/fleet/status", () => {
  const fleetStatusAs = (authorization: string | null) =>
    fleetStatus(
      new Request("http://127.0.0.1/api/v1/fleet/status", { headers: authorization ? { authorization } : {} }),
      undefined,
    );

  test("answers nobody who is neither signed in nor holds a read token", async () => {
    await acceptEvents([event({ instance: "a", toVersion: "v1", occurredAt: minutesAgo(5) })]);
    const answer = await fleetStatusAs(null);
    expect(answer.status).toBe(401);
    expect(JSON.stringify(await answer.json())).not.toContain("latestChangeAt");
    expect((await fleetStatusAs("Bearer rs_nosuchtoken_0000000000000000000000")).status).toBe(401);
  });

  test("answers the latest change: a version move or reload progress, not a heartbeat that confirms", async () => {
    const empty = await fleetStatusAs(`Bearer ${TEST_TOKEN}`);
    expect(await empty.json()).toEqual({ latestChangeAt: null });

    const moved = minutesAgo(30);
    await acceptEvents([event({ instance: "a", toVersion: "v1", occurredAt: moved })]);
    expect((await asViewer(() => getFleetStatus())).latestChangeAt?.toISOString()).toBe(moved);
    // the same version again, later: nothing changed
    await acceptEvents([event({ instance: "a", toVersion: "v1", occurredAt: minutesAgo(20) })]);
    expect((await asViewer(() => getFleetStatus())).latestChangeAt?.toISOString()).toBe(moved);
    // another version: a change
    const later = minutesAgo(10);
    await acceptEvents([event({ instance: "a", toVersion: "v2", occurredAt: later })]);
    const answer = await fleetStatusAs(`Bearer ${TEST_TOKEN}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(await answer.json()).toEqual({ latestChangeAt: later });
  });

  test("each max() is one probe of an index, however large the tables", async () => {
    // Enough rows that a sequential scan would be the plan if the indexes were missing.
    await sql().execute(`INSERT INTO service (environment, namespace, name) VALUES ('prod', 'x', 'status-test')`);
    await sql().execute(
      `INSERT INTO instance (service_id, instance_key, first_seen_at, last_seen_at)
       SELECT s.id, 'i-' || g, now(), now() FROM service s, generate_series(1, 5000) g WHERE s.name = 'status-test'`,
    );
    await sql().execute(
      `INSERT INTO instance_state (instance_id, kind, resource, service_id, version, since, last_phase, last_phase_at, outcome)
       SELECT i.id, 'config', 'r', i.service_id, 'v', now() - (i.id % 1000) * interval '1 second', 'heartbeat', now(), 'ok' FROM instance i`,
    );
    await sql().execute(
      `INSERT INTO reload (reload_id, service_id, kind, resource, status, first_event_at, last_event_at)
       SELECT 'rl-' || g, s.id, 'config', 'r', 'succeeded', now() - g * interval '1 second', now() - g * interval '1 second'
       FROM service s, generate_series(1, 5000) g WHERE s.name = 'status-test'`,
    );
    await sql().execute(`ANALYZE instance_state`);
    await sql().execute(`ANALYZE reload`);
    const [plan] = await sql().query<{ "QUERY PLAN": unknown }[]>(`EXPLAIN (FORMAT JSON) ${FLEET_STATUS_SQL}`);
    const text = JSON.stringify(plan!["QUERY PLAN"]);
    expect(text).toContain("instance_state_since_idx");
    expect(text).toContain("reload_last_event_at_idx");
    expect(text).not.toContain("Seq Scan");
  });
});
