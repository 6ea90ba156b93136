// One liveness rule (DESIGN.md "History rules", ADR 0021): "heard from within
// INSTANCE_STALE_SECONDS at instant T", judged from presence intervals and stored events. The
// domain function (lib/domain/presence.ts) and its SQL twin run over the same rows must agree,
// at the boundary too; and the read model's last report, which every live page compares with
// the twin, must be the rule's last heard time at now.
import { describe, expect, test } from "vitest";
import { sql } from "@/lib/db/client";
import { heardSinceSql, heardWithin, lastHeardAt, lastHeardAtSql, liveCutoffSql } from "@/lib/domain/presence";
import { event, postEvents } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const STALE_MS = 600_000;
const T = Date.now() - 3 * 3_600_000;
const s = (seconds: number) => new Date(T + seconds * 1000);

interface Case {
  name: string;
  intervals: [number, number][];
  events: number[];
  live: boolean;
}

// Seconds relative to T; stale window 600 s.
const CASES: Case[] = [
  { name: "an event exactly at the cutoff is live", intervals: [], events: [-600], live: true },
  { name: "an event a millisecond before the cutoff is not", intervals: [], events: [-600.001], live: false },
  { name: "an interval last heard exactly at the cutoff is live", intervals: [[-900, -600]], events: [], live: true },
  {
    name: "an interval last heard a millisecond before the cutoff is not",
    intervals: [[-900, -600.001]],
    events: [],
    live: false,
  },
  { name: "inside an interval the pair is heard at T", intervals: [[-100, 100]], events: [], live: true },
  { name: "an interval that starts after T does not count", intervals: [[0.001, 50]], events: [-700], live: false },
  { name: "an interval that starts exactly at T counts", intervals: [[0, 50]], events: [], live: true },
  { name: "an event after T does not count", intervals: [], events: [0.001], live: false },
  { name: "an old interval, and an event just now", intervals: [[-3000, -2000]], events: [-10], live: true },
  {
    name: "two intervals, the later one live",
    intervals: [
      [-3000, -2000],
      [-50, -40],
    ],
    events: [],
    live: true,
  },
  {
    name: "a gap longer than the window before T",
    intervals: [
      [-3000, -2000],
      [10, 40],
    ],
    events: [],
    live: false,
  },
  { name: "never heard", intervals: [], events: [], live: false },
];

describe("liveness: the domain function and its SQL twin over the same rows", () => {
  test("agree on every case, at the boundary too", async () => {
    const q = sql();
    const [service] = await q.query<{ id: number }[]>(
      `INSERT INTO service (environment, namespace, name) VALUES ('prod', 'live', 'agreement') RETURNING id`,
    );
    const instanceIds: number[] = [];
    for (const [n, c] of CASES.entries()) {
      const [row] = await q.query<{ id: number }[]>(
        `INSERT INTO instance (service_id, instance_key, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3) RETURNING id`,
        service!.id,
        `case-${n}`,
        s(-4000).toISOString(),
      );
      instanceIds.push(row!.id);
      for (const [first, last] of c.intervals) {
        await q.execute(
          `INSERT INTO presence_interval (instance_id, kind, resource, first_heard_at, last_heard_at, service_id, version)
           VALUES ($1, 'config', 'app.yaml', $2, $3, $4, 'v1')`,
          row!.id,
          s(first).toISOString(),
          s(last).toISOString(),
          service!.id,
        );
      }
      for (const [k, at] of c.events.entries()) {
        await q.execute(
          `INSERT INTO reload_event (id, service_id, instance_id, kind, resource, phase, to_version, occurred_at)
           VALUES ($1, $2, $3, 'config', 'app.yaml', 'heartbeat', 'v1', $4)`,
          `agree-${n}-${k}`,
          service!.id,
          row!.id,
          s(at).toISOString(),
        );
      }
    }
    const pair = { instanceId: "c.instance_id", kind: "'config'", resource: "'app.yaml'" };
    const heard = lastHeardAtSql(pair, "c.at");
    const rows = await q.query<{ n: string; live: boolean; last_heard: Date | null }[]>(
      `SELECT c.n::text, coalesce(${heardSinceSql(heard, liveCutoffSql("c.at", "c.stale_ms"))}, false) AS live, ${heard} AS last_heard
       FROM unnest($1::int[], $2::timestamptz[], $3::bigint[]) WITH ORDINALITY AS c(instance_id, at, stale_ms, n)`,
      instanceIds,
      CASES.map(() => s(0).toISOString()),
      CASES.map(() => STALE_MS),
    );
    const fromSql = Object.fromEntries(
      rows.map((r) => [CASES[Number(r.n) - 1]!.name, { live: r.live, lastHeard: r.last_heard?.toISOString() ?? null }]),
    );
    const fromDomain = Object.fromEntries(
      CASES.map((c) => {
        const intervals = c.intervals.map(([first, last]) => ({ firstHeardAt: s(first), lastHeardAt: s(last) }));
        const events = c.events.map(s);
        return [
          c.name,
          {
            live: heardWithin(intervals, events, s(0), STALE_MS),
            lastHeard: lastHeardAt(intervals, events, s(0))?.toISOString() ?? null,
          },
        ];
      }),
    );
    expect(fromSql).toEqual(fromDomain);
    expect(Object.fromEntries(CASES.map((c) => [c.name, fromDomain[c.name]!.live]))).toEqual(
      Object.fromEntries(CASES.map((c) => [c.name, c.live])),
    );
  });
});

describe("the read model's last report is the rule's last heard time", () => {
  test("after history and absorbed heartbeats, and the live pages' predicate agrees with the rule at the boundary", async () => {
    const base = Date.now() - 3_600_000;
    const at = (seconds: number) => new Date(base + seconds * 1000).toISOString();
    const hb = (instance: string, seconds: number, version = "v1") =>
      event({ instance, phase: "heartbeat", toVersion: version, occurredAt: at(seconds) });
    // a: absorbed heartbeats; b: a version change (history) after absorbed ones; c: one report only.
    await postEvents([hb("a", 0), hb("b", 0), hb("c", 0)]);
    await postEvents([hb("a", 15), hb("b", 15)]);
    await postEvents([hb("a", 90), hb("b", 90)]);
    await postEvents([hb("a", 100), hb("b", 150, "v2")]);
    const rows = await sql().query<{ instance_key: string; last_phase_at: Date; instance_id: number }[]>(
      `SELECT i.instance_key, st.last_phase_at, st.instance_id FROM instance_state st JOIN instance i ON i.id = st.instance_id ORDER BY i.instance_key`,
    );
    for (const r of rows) {
      const intervals = await sql().query<{ first_heard_at: Date; last_heard_at: Date }[]>(
        `SELECT first_heard_at, last_heard_at FROM presence_interval WHERE instance_id = $1`,
        r.instance_id,
      );
      const events = await sql().query<{ occurred_at: Date }[]>(
        `SELECT occurred_at FROM reload_event WHERE instance_id = $1`,
        r.instance_id,
      );
      const now = new Date();
      const heard = lastHeardAt(
        intervals.map((i) => ({ firstHeardAt: i.first_heard_at, lastHeardAt: i.last_heard_at })),
        events.map((e) => e.occurred_at),
        now,
      );
      expect([r.instance_key, r.last_phase_at.toISOString()]).toEqual([r.instance_key, heard!.toISOString()]);
      // At the instant the pair leaves the window, and a millisecond after.
      for (const t of [new Date(heard!.getTime() + STALE_MS), new Date(heard!.getTime() + STALE_MS + 1)]) {
        const [{ live }] = (await sql().query<{ live: boolean }[]>(
          `SELECT ${heardSinceSql("st.last_phase_at", liveCutoffSql("$2::timestamptz", "$3"))} AS live FROM instance_state st WHERE st.instance_id = $1`,
          r.instance_id,
          t.toISOString(),
          STALE_MS,
        )) as [{ live: boolean }];
        expect([r.instance_key, t.getTime() - heard!.getTime(), live]).toEqual([
          r.instance_key,
          t.getTime() - heard!.getTime(),
          heardWithin([], [heard!], t, STALE_MS),
        ]);
      }
    }
    // a was absorbed to the precision: its last report is 90 s (100 s came within a minute of it).
    expect(rows.map((r) => [r.instance_key, r.last_phase_at.toISOString()])).toEqual([
      ["a", at(90)],
      ["b", at(150)],
      ["c", at(0)],
    ]);
  });
});
