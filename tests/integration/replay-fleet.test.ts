// The fleet at an instant (docs/adr/0010) against the strongest references there are: the
// live read model when T is now, and a fresh database that ingested only the events up to T.
import { describe, expect, test, vi } from "vitest";
import { sql } from "@/lib/db/client";
import type { PairState } from "@/lib/domain/replay";
import { getFleetMatrix } from "@/lib/fleet/queries";
import { sweepReloads } from "@/lib/ingest/sweep-reloads";
import type { FleetMatrix } from "@/lib/fleet/queries";
import { readLiveStates } from "@/lib/replay/history";
import { getFleetAt, getStatesAt } from "@/lib/replay/queries";
import { takeSnapshots } from "@/lib/replay/snapshots";
import { postEvents } from "../support/ingest-client";
import { shuffled } from "@/lib/random";
import { truncateAll, useTestDatabase } from "../support/use-database";
import { asViewer } from "../support/readers";

useTestDatabase();

const MINUTE = 60_000;
const NOW = new Date();
// History starts ~3 h ago on a 15-minute boundary plus 7 minutes, so snapshots fall inside it.
const T0 = Math.floor((NOW.getTime() - 180 * MINUTE) / (15 * MINUTE)) * 15 * MINUTE + 7 * MINUTE;
const at = (minutes: number, seconds = 0) => new Date(T0 + minutes * MINUTE + seconds * 1000);

type Wire = Record<string, unknown> & { occurredAt: string };
let n = 0;
function ev(service: string, fields: Record<string, unknown>, when: Date): Wire {
  n++;
  const [kind, resource] = service === "api" ? ["config", "app.yaml"] : ["routes", "routes.yaml"];
  return {
    id: `rp-${n}`,
    environment: "prod",
    namespace: "payments",
    service,
    kind,
    resource,
    occurredAt: when.toISOString(),
    ...fields,
  };
}

/** Three instances of `api`, two of `edge`; reloads that succeed, NACK, stall (and expire) and roll back. */
function history(): Wire[] {
  const out: Wire[] = [];
  const hb = (service: string, instance: string, version: string, m: number) =>
    out.push(ev(service, { instance, phase: "heartbeat", toVersion: version }, at(m)));
  for (let m = 0; m <= 170; m += 20) {
    for (const i of ["api-1", "api-2"]) hb("api", i, m < 40 ? "v1" : m < 130 ? "v2" : "v2", m);
    hb("api", "api-3", "v1", m);
    hb("edge", "edge-1", m < 100 ? "r1" : "r2", m);
    hb("edge", "edge-2", "r1", m);
  }
  // rl-1: api to v2; api-3 refuses it.
  const r1 = { reloadId: "rl-1", fromVersion: "v1", toVersion: "v2" };
  out.push(ev("api", { ...r1, phase: "requested", initiator: "alice" }, at(41)));
  out.push(ev("api", { ...r1, phase: "approved" }, at(42)));
  out.push(ev("api", { ...r1, phase: "dispatched", targets: ["api-1", "api-2", "api-3"] }, at(43)));
  for (const [i, s] of [
    ["api-1", 10],
    ["api-2", 20],
  ] as const) {
    out.push(ev("api", { ...r1, instance: i, phase: "received" }, at(43, s)));
    out.push(ev("api", { ...r1, instance: i, phase: "applied" }, at(44, s)));
    out.push(ev("api", { ...r1, instance: i, phase: "acked" }, at(44, s + 5)));
  }
  out.push(ev("api", { ...r1, instance: "api-3", phase: "nacked", error: "schema: unknown key 'retries'" }, at(45)));
  // rl-2: edge to r2; edge-2 stops after received, and the reload expires (900 s deadline).
  const r2 = { reloadId: "rl-2", fromVersion: "r1", toVersion: "r2" };
  out.push(ev("edge", { ...r2, phase: "dispatched", targets: ["edge-1", "edge-2"] }, at(95)));
  out.push(ev("edge", { ...r2, instance: "edge-1", phase: "applied" }, at(96)));
  out.push(ev("edge", { ...r2, instance: "edge-2", phase: "received" }, at(96, 30)));
  // rl-3: api-1 to v3, then the control plane rolls it back.
  const r3 = { reloadId: "rl-3", fromVersion: "v2", toVersion: "v3" };
  out.push(ev("api", { ...r3, phase: "dispatched", targets: ["api-1"] }, at(131)));
  out.push(ev("api", { ...r3, instance: "api-1", phase: "applied" }, at(132)));
  out.push(ev("api", { ...r3, instance: "api-1", phase: "rolled_back" }, at(134)));
  out.push(ev("api", { ...r3, phase: "rolled_back" }, at(134, 10)));
  return out;
}

const EVENTS = history();

/** Sends events in a fixed shuffled order (seeded), in batches of 7: arrival order is not time order. */
async function ingest(events: Wire[]) {
  const order = shuffled(events, 20261123);
  for (let i = 0; i < order.length; i += 7) {
    const answer = await postEvents(order.slice(i, i + 7));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.rejected).toEqual([]);
  }
}

/** States keyed by names, so two databases' ids do not matter. */
async function named(states: PairState[]) {
  const instances = await sql().query<{ id: number; key: string; service: string }[]>(
    `SELECT i.id, i.instance_key AS key, s.name AS service FROM instance i JOIN service s ON s.id = i.service_id`,
  );
  const byId = new Map(instances.map((i) => [i.id, i]));
  return Object.fromEntries(
    states
      .map((s) => {
        const i = byId.get(s.instanceId)!;
        const { serviceId: _s, instanceId: _i, ...state } = s;
        return [
          `${i.service}/${i.key}/${s.kind}/${s.resource}`,
          { ...state, since: state.since?.toISOString() ?? null, lastPhaseAt: state.lastPhaseAt.toISOString() },
        ] as const;
      })
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The cells of a matrix keyed by service and resource: what a person reads in it. */
function cells(matrix: FleetMatrix) {
  const out: Record<string, unknown> = {};
  for (const g of matrix.groups)
    for (const row of g.rows)
      for (const [kind, list] of Object.entries(row.cells))
        for (const c of list)
          out[`${row.service.name}/${kind}/${c.resource}`] = {
            versions: c.versions,
            desired: c.desired,
            drifting: c.drift.drifting,
            reasons: c.drift.reasons,
            failed: c.failed,
            nacked: c.nacked,
            inProgress: c.inProgress,
            rolledBack: c.rolledBack,
            lastChangeAt: c.lastChangeAt?.toISOString() ?? null,
          };
  return out;
}

const FILTERS = { env: undefined, ns: undefined, kind: undefined, q: undefined, drifting: false, page: 1 };

describe("the fleet at an instant", () => {
  test("at now it is the live read model, state for state and cell for cell", async () => {
    await ingest(EVENTS);
    await sweepReloads(NOW);
    const run = await takeSnapshots({ now: NOW });
    expect(run.built.length).toBeGreaterThan(5);

    const replayed = await asViewer(() => getStatesAt(NOW, NOW));
    expect(replayed.snapshotAt).not.toBeNull();
    expect(await named(replayed.states)).toEqual(await named(await readLiveStates(sql())));
    // Sanity: the history did what it says, so the comparison compares something.
    const live = await named(await readLiveStates(sql()));
    expect(live["api/api-3/config/app.yaml"]).toMatchObject({ version: "v1", outcome: "nacked" });
    expect(live["api/api-1/config/app.yaml"]).toMatchObject({
      version: "v2",
      outcome: "rolled_back",
      lastReloadId: "rl-3",
    });
    expect(live["edge/edge-2/routes/routes.yaml"]).toMatchObject({ version: "r1", outcome: "expired" });

    const frame = await asViewer(() => getFleetAt(NOW, 1, NOW));
    const liveMatrix = await asViewer(() => getFleetMatrix(FILTERS, NOW));
    expect(cells(frame.matrix)).toEqual(cells(liveMatrix));
    // The cells link to the same reloads as the live ones.
    expect(frame.matrix.lastReloads).toEqual(liveMatrix.lastReloads);
    expect(Object.keys(frame.matrix.lastReloads ?? {})).toHaveLength(2);
    expect(Object.keys(cells(frame.matrix))).toHaveLength(2);
  });

  test.each([
    ["after the NACK", 46],
    ["mid-reload, before its deadline", 100],
    ["after the expiry and the rollback", 150],
    ["before the first reload", 30],
  ])("%s it is what a fresh database holds after ingesting only the events up to then", async (_label, minute) => {
    const T = at(minute);
    await ingest(EVENTS);
    await sweepReloads(NOW);
    await takeSnapshots({ now: NOW });
    const withSnapshots = await asViewer(() => getStatesAt(T, NOW));
    const frame = await asViewer(() => getFleetAt(T, 1, NOW));
    const replayed = await named(withSnapshots.states);
    const replayedCells = cells(frame.matrix);
    // Snapshots reduce the events folded: without them the same state takes more.
    expect(withSnapshots.snapshotAt).not.toBeNull();
    await sql().execute(`DELETE FROM instance_state_snapshot`);
    const fromHistory = await asViewer(() => getStatesAt(T, NOW));
    expect(fromHistory.snapshotAt).toBeNull();
    expect(await named(fromHistory.states)).toEqual(replayed);
    expect(withSnapshots.eventsFolded).toBeLessThan(fromHistory.eventsFolded);

    // The reference: a database that lived through T — its clock at T while the events up to
    // T arrive (ingest judges expiry by its clock), then read at T.
    await truncateAll();
    vi.useFakeTimers({ toFake: ["Date"], now: T });
    try {
      await ingest(EVENTS.filter((e) => new Date(e.occurredAt) <= T));
      await sweepReloads(T);
    } finally {
      vi.useRealTimers();
    }
    expect(replayed).toEqual(await named(await readLiveStates(sql())));
    expect(replayedCells).toEqual(cells(await asViewer(() => getFleetMatrix(FILTERS, T))));
    expect(Object.keys(replayedCells).length).toBeGreaterThan(0);
  });

  test("the snapshot job is idempotent and keeps its schedule", async () => {
    await ingest(EVENTS);
    const first = await takeSnapshots({ now: NOW });
    const again = await takeSnapshots({ now: NOW });
    expect(first.built.length).toBeGreaterThan(0);
    expect(again.built).toEqual([]);
    const counted = await sql().query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM instance_state_snapshot`,
    );
    expect(counted[0]?.count).toBe(first.built.length);
    // A day later the dense slots of today-minus-one are thinned to whole days.
    const later = await takeSnapshots({ now: new Date(NOW.getTime() + 26 * 60 * MINUTE), budgetMs: 0 });
    expect(later.dropped).toBeGreaterThan(0);
    const left = await sql().query<{ at: Date }[]>(
      `SELECT at FROM instance_state_snapshot WHERE at < $1::timestamptz`,
      new Date(NOW.getTime() + 2 * 60 * MINUTE - 86_400_000).toISOString(),
    );
    expect(left.every((r) => r.at.getTime() % 86_400_000 === 0)).toBe(true);
  });
});
