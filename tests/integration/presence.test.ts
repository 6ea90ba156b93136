// The history rules (DESIGN.md "History rules: change is history, liveness is not", ADR 0021)
// through the real POST /api/v1/events: a heartbeat that changes nothing extends its pair's
// presence interval (no event row, no id claim), to a stated precision, a silence or a new
// version starts another interval, everything else is history, and the replay reads the
// intervals (a pair that went quiet shows the gap). Retention drops intervals with their day.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sql } from "@/lib/db/client";
import { addDays, ensurePartitions, partitionName, utcDay } from "@/lib/db/partitions";
import { appTransactions, dropExpiredPartitions } from "@/lib/db/retention";
import { PRESENCE_PRECISION_MS } from "@/lib/domain/presence";
import { resetEnvCache } from "@/lib/env";
import { getFleetAt, getStatesAt } from "@/lib/replay/queries";
import { readLiveStates } from "@/lib/replay/history";
import { event, postEvents } from "../support/ingest-client";
import { asViewer } from "../support/readers";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const STALE_SECONDS = 600;
beforeAll(() => {
  // A short stale window, so that a pair's silence in replay is visible as its absence.
  process.env.INSTANCE_STALE_SECONDS = String(STALE_SECONDS);
  process.env.PRESENCE_GAP_SECONDS = "120";
  resetEnvCache();
});
afterAll(() => {
  delete process.env.INSTANCE_STALE_SECONDS;
  delete process.env.PRESENCE_GAP_SECONDS;
  resetEnvCache();
});

const SECOND = 1000;
// An hour into the UTC day that held two hours ago: in the past, inside retention, and the
// next hour of it on the same day (an interval never crosses midnight).
const BASE = utcDay(new Date(Date.now() - 2 * 3_600_000)).getTime() + 3_600_000;
const at = (s: number) => new Date(BASE + s * SECOND);
const hb = (s: number, fields: Record<string, unknown> = {}) =>
  event({ phase: "heartbeat", toVersion: "v1", instance: "api-1", occurredAt: at(s).toISOString(), ...fields });

async function counts() {
  const [row] = await sql().query<{ events: number; ids: number; intervals: number }[]>(
    `SELECT (SELECT count(*) FROM reload_event)::int AS events, (SELECT count(*) FROM reload_event_id)::int AS ids,
            (SELECT count(*) FROM presence_interval)::int AS intervals`,
  );
  return row!;
}

async function intervals() {
  return sql().query<{ instance: string; version: string; first: string; last: string }[]>(
    `SELECT i.instance_key AS instance, p.version, to_char(p.first_heard_at AT TIME ZONE 'UTC', 'HH24:MI:SS') AS first,
            to_char(p.last_heard_at AT TIME ZONE 'UTC', 'HH24:MI:SS') AS last
     FROM presence_interval p JOIN instance i ON i.id = p.instance_id ORDER BY i.instance_key, p.first_heard_at`,
  );
}

const clock = (s: number) => at(s).toISOString().slice(11, 19);

async function lastReport(instance = "api-1") {
  const [row] = await sql().query<{ last_phase: string; last_phase_at: Date; version: string }[]>(
    `SELECT st.last_phase, st.last_phase_at, st.version FROM instance_state st JOIN instance i ON i.id = st.instance_id WHERE i.instance_key = $1`,
    instance,
  );
  return row!;
}

async function accept(events: Record<string, unknown>[]) {
  const answer = await postEvents(events);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.rejected).toEqual([]);
  return answer.body;
}

describe("a heartbeat that changes nothing", () => {
  test("is accepted without an event row or an id claim; its pair's interval holds it", async () => {
    await accept([hb(0)]); // the first report is history: there is nothing to confirm yet
    expect(await counts()).toEqual({ events: 1, ids: 1, intervals: 0 });

    const answer = await accept([hb(15), hb(30)]);
    expect(answer).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await counts()).toEqual({ events: 1, ids: 1, intervals: 1 });
    expect(await intervals()).toEqual([{ instance: "api-1", version: "v1", first: clock(15), last: clock(30) }]);
    expect(await lastReport()).toMatchObject({ last_phase: "heartbeat", last_phase_at: at(30), version: "v1" });

    // A batch of many: still one interval, no rows.
    await accept([45, 60, 75, 90].map((s) => hb(s)));
    expect(await counts()).toEqual({ events: 1, ids: 1, intervals: 1 });
  });

  test("extends the interval only once it moves by the precision; the read model's last report moves with it", async () => {
    expect(PRESENCE_PRECISION_MS).toBe(60_000);
    await accept([hb(0)]);
    await accept([hb(15)]);
    const afterOpen = await intervals();
    expect(afterOpen).toEqual([{ instance: "api-1", version: "v1", first: clock(15), last: clock(15) }]);
    for (const s of [30, 45, 60]) await accept([hb(s)]);
    // 45 s after the last written time: nothing written.
    expect(await intervals()).toEqual(afterOpen);
    expect((await lastReport()).last_phase_at).toEqual(at(15));
    await accept([hb(75)]);
    // 60 s after it: written, interval and read model alike.
    expect(await intervals()).toEqual([{ instance: "api-1", version: "v1", first: clock(15), last: clock(75) }]);
    expect((await lastReport()).last_phase_at).toEqual(at(75));
  });

  test("a silence longer than PRESENCE_GAP_SECONDS starts a new interval; so does another version (reported as history)", async () => {
    await accept([hb(0)]);
    await accept([hb(15)]);
    await accept([hb(30)]);
    // 121 s after the last report (30 s written? no: within the precision; the gap counts from what is known).
    await accept([hb(15 + 121)]);
    await accept([hb(15 + 121 + 60)]);
    expect(await intervals()).toEqual([
      { instance: "api-1", version: "v1", first: clock(15), last: clock(15) },
      { instance: "api-1", version: "v1", first: clock(136), last: clock(196) },
    ]);
    // Another version is an out-of-band change: stored, then its confirmations open their own interval.
    const before = await counts();
    await accept([hb(211, { toVersion: "v2" })]);
    expect(await counts()).toEqual({ ...before, events: before.events + 1, ids: before.ids + 1 });
    await accept([hb(226, { toVersion: "v2" })]);
    expect((await intervals()).at(-1)).toEqual({
      instance: "api-1",
      version: "v2",
      first: clock(226),
      last: clock(226),
    });
    expect(await lastReport()).toMatchObject({ version: "v2", last_phase: "heartbeat" });
  });

  test("a heartbeat during a reload of its resource, a late one, and one that resends a stored event are history", async () => {
    const first = hb(0);
    await accept([first]);
    // Late: older than the last report.
    await accept([hb(-30)]);
    expect(await counts()).toMatchObject({ events: 2, intervals: 0 });
    // Sent again: the stored event's duplicate.
    expect(await accept([first])).toMatchObject({ accepted: 0, duplicates: 1 });
    // A reload of the resource under way on the service (so within RELOAD_TIMEOUT_SECONDS of
    // now): its instances' heartbeats are history.
    const recent = (s: number) => new Date(Date.now() - 120_000 + s * SECOND).toISOString();
    await accept([
      hb(0, { instance: "api-2", occurredAt: recent(0) }),
      hb(0, { instance: "api-3", occurredAt: recent(0) }),
    ]);
    await accept([hb(5, { instance: "api-3", occurredAt: recent(5) })]);
    expect(await counts()).toMatchObject({ events: 4, intervals: 1 });
    const reload = { reloadId: "rl-1", fromVersion: "v1", toVersion: "v2", instance: null };
    await accept([event({ ...reload, phase: "dispatched", targets: ["api-2", "api-3"], occurredAt: recent(10) })]);
    expect((await sql().query<{ status: string }[]>(`SELECT status FROM reload`))[0]!.status).toBe("dispatching");
    const before = await counts();
    await accept([
      hb(20, { instance: "api-2", occurredAt: recent(20) }),
      hb(20, { instance: "api-3", occurredAt: recent(20) }),
    ]);
    expect(await counts()).toMatchObject({ events: before.events + 2, intervals: before.intervals });
  });

  test("an event that arrives after newer absorbed heartbeats is folded under them (arrival order)", async () => {
    await accept([hb(0)]);
    await accept([hb(15)]); // absorbed: v1 heard at 15
    // An applied of v2 at 10 s arrives afterwards: the pair was heard on v1 after it.
    await accept([
      event({
        reloadId: "rl-late",
        instance: "api-1",
        phase: "applied",
        fromVersion: "v1",
        toVersion: "v2",
        occurredAt: at(10).toISOString(),
      }),
    ]);
    const state = await lastReport();
    expect(state).toMatchObject({ version: "v1", last_phase: "heartbeat", last_phase_at: at(15) });
    const [row] = await sql().query<{ changed_by_heartbeat: boolean; previous_version: string }[]>(
      `SELECT changed_by_heartbeat, previous_version FROM instance_state`,
    );
    expect(row).toEqual({ changed_by_heartbeat: true, previous_version: "v2" });
  });
});

describe("replay with intervals", () => {
  test("a pair that went quiet and came back shows the gap; at now the replay is the live read model", async () => {
    const run = (from: number, to: number, instance: string) => {
      const out: Record<string, unknown>[] = [];
      for (let s = from; s <= to; s += 15) out.push(hb(s, { instance }));
      return out;
    };
    // api-1 reports 0–900 s, is silent 900–2700 s (longer than the 600 s stale window), reports again 2700–3300 s;
    // api-2 reports throughout.
    const batches: Record<string, unknown>[][] = [];
    const all = [...run(0, 900, "api-1"), ...run(2700, 3300, "api-1"), ...run(0, 3300, "api-2")].sort(
      (a, b) => Date.parse(String(a.occurredAt)) - Date.parse(String(b.occurredAt)),
    );
    // Each pair's first report alone (a pair with no state yet is history), then batches of 10.
    batches.push(all.slice(0, 2));
    for (let i = 2; i < all.length; i += 10) batches.push(all.slice(i, i + 10));
    for (const b of batches) await accept(b);
    const stored = await counts();
    expect(stored.events).toBe(2); // each pair's first report
    const list = await intervals();
    // Each last heard time is the last report's, to the precision (the last batch's reports may not move it).
    const within = (last: string, s: number) =>
      Date.parse(`${at(0).toISOString().slice(0, 11)}${last}Z`) > at(s).getTime() - PRESENCE_PRECISION_MS;
    expect(list.map((i) => [i.instance, i.version, i.first])).toEqual([
      ["api-1", "v1", clock(15)],
      ["api-1", "v1", clock(2700)],
      ["api-2", "v1", clock(15)],
    ]);
    expect([within(list[0]!.last, 900), within(list[1]!.last, 3300), within(list[2]!.last, 3300)]).toEqual([
      true,
      true,
      true,
    ]);

    const now = at(3300);
    const inGap = at(2000);
    const states = await asViewer(() => getStatesAt(inGap, now));
    const byInstance = Object.fromEntries(
      await Promise.all(
        states.states.map(async (s) => [
          (await sql().query<{ k: string }[]>(`SELECT instance_key AS k FROM instance WHERE id = $1`, s.instanceId))[0]!
            .k,
          s.lastPhaseAt.toISOString(),
        ]),
      ),
    );
    // In the gap, api-1 was last heard at the end of its first interval; api-2 all along.
    expect(byInstance).toEqual({ "api-1": at(900).toISOString(), "api-2": inGap.toISOString() });
    const frame = await asViewer(() => getFleetAt(inGap, 1, now));
    expect(frame.matrix.totals.instances).toBe(1);
    const back = await asViewer(() => getFleetAt(at(3000), 1, now));
    expect(back.matrix.totals.instances).toBe(2);

    // At now, the replay (events + intervals) is the live read model.
    const live = await readLiveStates(sql());
    const replayed = await asViewer(() => getStatesAt(now, now));
    const strip = (list: typeof live) => list.map((s) => ({ ...s })).sort((a, b) => a.instanceId - b.instanceId);
    expect(strip(replayed.states)).toEqual(strip(live));
  });
});

describe("retention", () => {
  test("drops intervals whose last heard time left the window, with their day's partition", async () => {
    const now = new Date();
    const retentionDays = 30;
    const oldDay = addDays(utcDay(now), -(retentionDays + 2));
    await ensurePartitions(appTransactions, { now: addDays(oldDay, 1), retentionDays: 1 });
    await accept([hb(0)]);
    const [{ id: instanceId, service_id: serviceId }] = (await sql().query<{ id: number; service_id: number }[]>(
      `SELECT id, service_id FROM instance`,
    )) as [{ id: number; service_id: number }];
    await sql().execute(
      `INSERT INTO presence_interval (instance_id, kind, resource, first_heard_at, last_heard_at, service_id, version)
       VALUES ($1, 'config', 'routes.yaml', $2, $3, $4, 'v0'), ($1, 'config', 'routes.yaml', $5, $5, $4, 'v1')`,
      instanceId,
      new Date(oldDay.getTime() + 3_600_000).toISOString(),
      new Date(oldDay.getTime() + 7_200_000).toISOString(),
      serviceId,
      at(15).toISOString(),
    );
    const result = await dropExpiredPartitions(appTransactions, { now, retentionDays });
    expect(result.failures).toEqual([]);
    expect(result.dropped).toContain(partitionName("presence_interval", oldDay));
    expect(
      (await sql().query<{ version: string }[]>(`SELECT version FROM presence_interval`)).map((r) => r.version),
    ).toEqual(["v1"]);
  });
});

describe("storage: a confirming heartbeat updates its interval in place", () => {
  const PAIRS_INSTANCES = 800;
  const ROUNDS = 10;
  // A round a precision apart, so every round's heartbeat moves its interval's last heard time.
  const round = (r: number) =>
    Array.from({ length: PAIRS_INSTANCES }, (_, i) =>
      hb(3_000 + (r * PRESENCE_PRECISION_MS) / SECOND, {
        instance: `fill-${String(i).padStart(3, "0")}`,
        resource: "fill.yaml",
        id: `fill-${r}-${i}`,
      }),
    );
  // The history tables with every partition, index and TOAST table.
  const historyBytes = async () => {
    const [row] = await sql().query<{ bytes: string }[]>(
      `SELECT (coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) + pg_total_relation_size('reload_event_id'))::text AS bytes
       FROM pg_inherits i WHERE i.inhparent IN ('presence_interval'::regclass, 'reload_event'::regclass)`,
    );
    return Number(row!.bytes);
  };
  // What autovacuum does to a table this busy at least once a minute (this server may run without it).
  const vacuum = () => sql().execute(`VACUUM presence_interval`);

  test("every presence partition keeps room on its pages (fillfactor 50), also one maintenance creates", async () => {
    await ensurePartitions(appTransactions, { now: addDays(utcDay(new Date()), 3), retentionDays: 1 });
    const rows = await sql().query<{ name: string; options: string[] | null }[]>(
      `SELECT c.relname AS name, c.reloptions AS options FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'presence_interval'::regclass ORDER BY 1`,
    );
    expect(rows.map((r) => r.name)).toContain(partitionName("presence_interval", addDays(utcDay(new Date()), 3)));
    expect(rows.filter((r) => !(r.options ?? []).includes("fillfactor=50"))).toEqual([]);
  });

  test(`${PAIRS_INSTANCES} pairs heartbeating for ${ROUNDS} minutes add no history once vacuumed`, async () => {
    await accept(round(0));
    await vacuum();
    await accept(round(1));
    await vacuum();
    const settled = await historyBytes();
    for (let r = 2; r < ROUNDS; r++) {
      await accept(round(r));
      await vacuum();
    }
    const [row] = await sql().query<{ intervals: number }[]>(
      `SELECT count(*)::int AS intervals FROM presence_interval p JOIN instance i ON i.id = p.instance_id
       WHERE i.instance_key LIKE 'fill-%'`,
    );
    expect(row?.intervals).toBe(PAIRS_INSTANCES);
    // A heartbeat stored as an event row would add ~300 bytes to reload_event and its id table
    // each; an extended interval reuses the space its dead version left once vacuumed.
    expect(await historyBytes()).toBeLessThanOrEqual(settled * 1.1);
  }, 240_000);
});
