// One drift rule (DESIGN.md): the matrix, the service page and the rule applied to the raw
// instance × resource pairs agree on every cell of a fleet built through POST /api/v1/events,
// including pairs gone silent, mixed versions, rollouts still inside the threshold, and
// instances left off the desired version.
import { describe, expect, test } from "vitest";
import { db } from "@/lib/db/client";
import { assessResourceDrift, type DriftAssessment } from "@/lib/domain/drift";
import { NO_FLEET_FILTERS } from "@/lib/fleet/filters";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { driftPolicy } from "@/lib/fleet/pair-groups";
import { getServiceDetail } from "@/lib/services/queries";
import { acceptEvents, daysAgo, heartbeat } from "../support/ingest-client";
import {
  checkout,
  driftFleetHeartbeats,
  ledger,
  ledgerReloadNackedByL4,
  useDriftDefaults,
} from "../support/drift-fleet";
import { useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();

useDriftDefaults();

const retired = { environment: "prod", namespace: "payments", service: "retired" };

async function buildFleet() {
  await acceptEvents([
    // checkout-api routes: one instance left on v1 for an hour → mixed, drifting. checkout-api
    // flags: c-3 last reported flags two days ago, on another version. c-3 itself is live (it
    // reports routes), so a rule that judged instances, not pairs, saw a mix there. checkout-api
    // model: a rollout a minute old → mixed, inside the threshold, not drift yet. ledger: v1
    // everywhere, then a reload to v2 that one instance NACKs → mixed and off desired. search:
    // one version everywhere, no drift.
    ...driftFleetHeartbeats(),
    // checkout-api flags: c-5, gone, last ran the version the live ones run: one version, live and gone pairs
    heartbeat(checkout, "c-5", "flags", "flags.json", "f-1", daysAgo(2)),
    // ledger cache: only reported by an instance gone for two days → no cell in the matrix
    heartbeat(ledger, "l-old", "cache", "warm", "w-1", daysAgo(2)),
    // retired: every instance gone
    heartbeat(retired, "x-1", "config", "app.yaml", "a-1", daysAgo(3)),
    heartbeat(retired, "x-2", "config", "app.yaml", "a-2", daysAgo(3)),
  ]);
  await acceptEvents(ledgerReloadNackedByL4());
}

type Cell = { service: string; kind: string; resource: string };
const cellName = (c: Cell) => `${c.service} ${c.kind}/${c.resource}`;

/** The rule applied straight to the stored pairs, each its own group: what both pages must match. */
async function referenceDrift(now: Date): Promise<Map<string, DriftAssessment>> {
  const [states, desired, services] = await Promise.all([
    db().instanceState.findMany(),
    db().desiredVersion.findMany(),
    db().service.findMany(),
  ]);
  const nameOf = new Map(services.map((s) => [s.id, s.name]));
  const cells = new Map<string, { cell: Cell; serviceId: number }>();
  for (const s of states) {
    const cell = { service: nameOf.get(s.serviceId)!, kind: s.kind, resource: s.resource };
    cells.set(cellName(cell), { cell, serviceId: s.serviceId });
  }
  const result = new Map<string, DriftAssessment>();
  for (const [name, { cell, serviceId }] of cells) {
    const pairs = states
      .filter((s) => s.serviceId === serviceId && s.kind === cell.kind && s.resource === cell.resource)
      .map((s) => ({ version: s.version, instances: 1, newestSince: s.since, lastReportAt: s.lastPhaseAt }));
    const d = desired.find((x) => x.serviceId === serviceId && x.kind === cell.kind && x.resource === cell.resource);
    result.set(name, assessResourceDrift(pairs, d ? { version: d.version, setAt: d.setAt } : null, now, driftPolicy()));
  }
  return result;
}

describe("the matrix and the service page agree on drift", () => {
  test("on every cell, with each other and with the rule over raw pairs", async () => {
    await buildFleet();
    const now = new Date();
    const reference = await referenceDrift(now);
    const matrix = await asViewer(() => getFleetMatrix(NO_FLEET_FILTERS, now));
    expect(matrix.pageCount).toBe(1);

    const fromMatrix = new Map<string, DriftAssessment>();
    const fromPages = new Map<string, DriftAssessment>();
    for (const row of matrix.groups.flatMap((g) => g.rows)) {
      for (const [kind, cells] of Object.entries(row.cells)) {
        for (const c of cells)
          fromMatrix.set(cellName({ service: row.service.name, kind, resource: c.resource }), c.drift);
      }
      const detail = await asViewer(() => getServiceDetail(row.service.id, { now }));
      expect(detail).not.toBeNull();
      for (const column of detail!.columns)
        fromPages.set(
          cellName({ service: row.service.name, kind: column.kind, resource: column.resource }),
          column.drift,
        );
    }

    // Every resource any pair reports is a column on its service page, judged as the rule judges it.
    expect(new Map([...fromPages].sort())).toEqual(new Map([...reference].sort()));
    // The matrix shows the resources that have live pairs, each judged the same way.
    const live = [...reference].filter(([, d]) => d.livePairs > 0);
    expect(new Map([...fromMatrix].sort())).toEqual(new Map(live.sort()));

    // The fleet is built so that the rule has something to decide in each of these cells.
    const pick = (name: string) => {
      const d = reference.get(name);
      expect(d, name).toBeDefined();
      return {
        drifting: d!.drifting,
        reasons: d!.reasons,
        versionCount: d!.versionCount,
        offDesired: d!.offDesired,
        livePairs: d!.livePairs,
        stalePairs: d!.stalePairs,
      };
    };
    expect(pick("checkout-api routes/routes.yaml")).toEqual({
      drifting: true,
      reasons: ["mixed_versions"],
      versionCount: 2,
      offDesired: 0,
      livePairs: 4,
      stalePairs: 0,
    });
    expect(pick("checkout-api flags/flags.json")).toEqual({
      drifting: false,
      reasons: [],
      versionCount: 1,
      offDesired: 0,
      livePairs: 2,
      stalePairs: 2,
    });
    expect(pick("checkout-api model/ranker")).toEqual({
      drifting: false,
      reasons: [],
      versionCount: 2,
      offDesired: 0,
      livePairs: 2,
      stalePairs: 0,
    });
    expect(pick("ledger config/ledger.yaml")).toEqual({
      drifting: true,
      reasons: ["mixed_versions", "off_desired"],
      versionCount: 2,
      offDesired: 1,
      livePairs: 4,
      stalePairs: 0,
    });
    expect(pick("ledger cache/warm")).toEqual({
      drifting: false,
      reasons: [],
      versionCount: 0,
      offDesired: 0,
      livePairs: 0,
      stalePairs: 1,
    });
    expect(pick("search config/search.yaml")).toMatchObject({ drifting: false, versionCount: 1, livePairs: 2 });
    expect(pick("retired config/app.yaml")).toMatchObject({
      drifting: false,
      versionCount: 0,
      livePairs: 0,
      stalePairs: 2,
    });
    expect(fromMatrix.has("ledger cache/warm")).toBe(false);
    expect(fromMatrix.has("retired config/app.yaml")).toBe(false);
  });

  test("the totals and 'drifting only' follow the same rule", async () => {
    await buildFleet();
    const now = new Date();
    const reference = await referenceDrift(now);
    const driftingServices = [
      ...new Set([...reference].filter(([, d]) => d.drifting).map(([name]) => name.split(" ")[0]!)),
    ].sort();
    expect(driftingServices).toEqual(["checkout-api", "ledger"]);

    const all = await asViewer(() => getFleetMatrix(NO_FLEET_FILTERS, now));
    const rows = all.groups.flatMap((g) => g.rows);
    expect(
      rows
        .filter((r) => r.drifting)
        .map((r) => r.service.name)
        .sort(),
    ).toEqual(driftingServices);
    expect(all.totals.drifting).toBe(driftingServices.length);
    expect(all.totals.matching).toBe(4);
    // problems: the NACKed ledger instance + one drifting cell in each drifting service
    expect(all.totals.problems).toBe(rows.reduce((n, r) => n + r.problems, 0));
    expect(all.totals.problems).toBe(3);
    // live instances: checkout 4 + ledger 4 + search 2 (c-5, l-old and retired's are gone)
    expect(all.totals.instances).toBe(10);

    const drifting = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, drifting: true }, now));
    const driftingRows = drifting.groups.flatMap((g) => g.rows);
    expect(driftingRows.map((r) => r.service.name).sort()).toEqual(driftingServices);
    expect(driftingRows.every((r) => r.drifting)).toBe(true);
    expect(drifting.totals).toMatchObject({ matching: 2, drifting: 2, problems: 3, instances: 8 });

    // The counts behind "problems", each a link on the page: 1 NACKed pair, 2 drifting resources;
    // "failing only" shows the services with a failed or NACKed pair.
    expect(all.totals).toMatchObject({ failing: 1, driftingResources: 2 });
    const failing = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, failing: true }, now));
    expect(failing.groups.flatMap((g) => g.rows).map((r) => r.service.name)).toEqual(["ledger"]);
    expect(failing.totals).toMatchObject({ matching: 1, failing: 1 });

    // The rule is the same with a filter on: only staging → no drift.
    const staging = await asViewer(() => getFleetMatrix({ ...NO_FLEET_FILTERS, env: "staging" }, now));
    expect(staging.totals).toMatchObject({ matching: 1, drifting: 0, problems: 0, instances: 2 });
  });

  test("the same cell later: the rollout inside the threshold becomes drift on both pages", async () => {
    await buildFleet();
    const later = new Date(Date.now() + 10 * 60_000);
    const matrix = await asViewer(() => getFleetMatrix(NO_FLEET_FILTERS, later));
    const checkoutRow = matrix.groups.flatMap((g) => g.rows).find((r) => r.service.name === "checkout-api")!;
    const ranker = checkoutRow.cells.model!.find((c) => c.resource === "ranker")!;
    expect(ranker.drift).toMatchObject({ drifting: true, reasons: ["mixed_versions"] });
    const detail = await asViewer(() => getServiceDetail(checkoutRow.service.id, { now: later }));
    expect(detail!.columns.find((c) => c.key === "model/ranker")!.drift).toEqual(ranker.drift);
  });
});
