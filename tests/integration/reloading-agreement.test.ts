// An instance shows as reloading only while its reload is (DESIGN.md, "Reload model rules":
// Status). The domain's rule (lib/domain/reloading.ts reloadingEnded) and its SQL twin
// (reloadingEndedSql, which the expiry sweep runs) must agree over the same stored rows, with
// the same reasons; and the sweep must write exactly what the rule says.
import { describe, expect, test } from "vitest";
import { sql } from "@/lib/db/client";
import {
  ENDED_MESSAGE,
  fillMessage,
  OVERTAKEN_MESSAGE,
  reloadingEnded,
  reloadingEndedSql,
  UNNAMED_RELOAD,
} from "@/lib/domain/reloading";
import { reloadColumns, reloadFromRow, type ReloadRow } from "@/lib/domain/reload-row";
import { NON_TERMINAL_STATUSES, TERMINAL_STATUSES, type Outcome, type ReloadStatus } from "@/lib/domain/types";
import { sweepReloads } from "@/lib/ingest/sweep-reloads";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

const T0 = Date.now() - 2 * 3_600_000;
const m = (minutes: number) => new Date(T0 + minutes * 60_000);

interface CaseReload {
  id: string;
  status: ReloadStatus;
  /** minutes after T0; null: not started */
  started: number | null;
  /** another resource of the same service */
  elsewhere: boolean;
}

interface Case {
  name: string;
  outcome: Outcome;
  /** the pair's last reload id (null: none named) */
  own: string | null;
  lastPhaseAt: number;
  /** in insertion order, so a later one has the higher key */
  reloads: CaseReload[];
  /** what the rule must decide: still reloading, ended by its own reload, or overtaken by a named one */
  expected: null | "ended" | { overtakenBy: string };
}

const r = (id: string, status: ReloadStatus, started: number | null, elsewhere = false): CaseReload => ({
  id,
  status,
  started,
  elsewhere,
});
const unstarted = (status: ReloadStatus) => status === "pending_approval" || status === "approved";
/** A pair in progress on reload "a" (unless `own` says otherwise), last heard at minute 2. */
type Expected = Case["expected"];
const inProgress = (name: string, reloads: CaseReload[], expected: Expected, own: string | null = "a"): Case => ({
  name,
  outcome: "in_progress",
  own,
  lastPhaseAt: 2,
  reloads,
  expected,
});
const by = (id: string) => ({ overtakenBy: id });

const CASES: Case[] = [
  ...TERMINAL_STATUSES.map((status) => inProgress(`its reload ended ${status}`, [r("a", status, 0)], "ended")),
  ...NON_TERMINAL_STATUSES.map((status) =>
    inProgress(`its reload still ${status}`, [r("a", status, unstarted(status) ? null : 0)], null),
  ),
  inProgress("a newer reload started after its own", [r("a", "in_progress", 0), r("b", "in_progress", 5)], by("b")),
  inProgress(
    "a newer reload started and its own ended: the newer one is the reason",
    [r("a", "expired", 0), r("b", "succeeded", 5)],
    by("b"),
  ),
  inProgress("another reload started before its own", [r("b", "in_progress", -5), r("a", "in_progress", 0)], null),
  inProgress("another reload started at the same instant", [r("a", "in_progress", 0), r("b", "in_progress", 0)], null),
  inProgress(
    "two newer reloads: the one started last is named",
    [r("a", "in_progress", 0), r("c", "in_progress", 9), r("b", "succeeded", 4)],
    by("c"),
  ),
  inProgress(
    "two newer reloads started at the same instant: the later-created is named",
    [r("a", "in_progress", 0), r("z", "in_progress", 6), r("b", "in_progress", 6)],
    by("b"),
  ),
  inProgress("no reload named: one started after its last report overtakes", [r("b", "in_progress", 5)], by("b"), null),
  inProgress("no reload named: one started before its last report does not", [r("b", "succeeded", 1)], null, null),
  inProgress(
    "its reload has no start: newer is measured from its last report",
    [r("a", "approved", null), r("b", "in_progress", 4)],
    by("b"),
  ),
  inProgress("its reload is not stored: measured from its last report", [r("b", "in_progress", 4)], by("b"), "ghost"),
  inProgress("a newer reload that has not started", [r("a", "in_progress", 0), r("b", "approved", null)], null),
  inProgress(
    "a reload of another resource does not overtake it",
    [r("a", "in_progress", 0), r("b", "in_progress", 5, true)],
    null,
  ),
  {
    ...inProgress("a pair not reloading is left alone", [r("a", "failed", 0), r("b", "in_progress", 5)], null),
    outcome: "ok",
  },
];

const resourceOf = (n: number) => `case-${n}.yaml`;
const reloadIdOf = (n: number, id: string) => `c${n}-${id}`;

/** Each case on its own resource of one service, one instance per case. */
async function storeCases(): Promise<{ serviceId: number; instanceIds: number[] }> {
  const q = sql();
  const [service] = await q.query<{ id: number }[]>(
    `INSERT INTO service (environment, namespace, name) VALUES ('prod', 'live', 'reloading') RETURNING id`,
  );
  const serviceId = service!.id;
  const instanceIds: number[] = [];
  for (const [n, c] of CASES.entries()) {
    const [instance] = await q.query<{ id: number }[]>(
      `INSERT INTO instance (service_id, instance_key, first_seen_at, last_seen_at)
       VALUES ($1, $2, $3, $3) RETURNING id`,
      serviceId,
      `i-${n}`,
      m(-30).toISOString(),
    );
    instanceIds.push(instance!.id);
    for (const r of c.reloads) {
      await q.execute(
        `INSERT INTO reload (service_id, reload_id, kind, resource, status, started_at, first_event_at, last_event_at)
         VALUES ($1, $2, 'config', $3, $4, $5, $6, $6)`,
        serviceId,
        reloadIdOf(n, r.id),
        r.elsewhere ? `${resourceOf(n)}.other` : resourceOf(n),
        r.status,
        r.started === null ? null : m(r.started).toISOString(),
        m(r.started ?? -1).toISOString(),
      );
    }
    await q.execute(
      `INSERT INTO instance_state
         (instance_id, kind, resource, service_id, version, since, last_phase, last_phase_at, outcome, last_reload_id)
       VALUES ($1, 'config', $2, $3, 'v1', $4, 'received', $5, $6, $7)`,
      instance!.id,
      resourceOf(n),
      serviceId,
      m(-30).toISOString(),
      m(c.lastPhaseAt).toISOString(),
      c.outcome,
      c.own === null ? null : reloadIdOf(n, c.own),
    );
  }
  return { serviceId, instanceIds };
}

/** The rule over the same stored rows: each pair's state and its resource's reloads, read back. */
async function fromDomain(serviceId: number): Promise<Map<string, string | null>> {
  const q = sql();
  const rows = await q.query<ReloadRow[]>(
    `SELECT ${reloadColumns("r")} FROM reload r WHERE r.service_id = $1`,
    serviceId,
  );
  const reloads = rows.map(reloadFromRow);
  type StateRow = { resource: string; outcome: Outcome; last_reload_id: string | null; last_phase_at: Date };
  const states = await q.query<StateRow[]>(
    `SELECT resource, outcome, last_reload_id, last_phase_at FROM instance_state WHERE service_id = $1`,
    serviceId,
  );
  const out = new Map<string, string | null>();
  for (const s of states) {
    const own = reloads.filter((r) => r.facts.resource === s.resource);
    const reason = reloadingEnded(
      { outcome: s.outcome, lastReloadId: s.last_reload_id, lastPhaseAt: s.last_phase_at },
      own.map((r) => ({ key: r.key, reloadId: r.reloadId, startedAt: r.facts.startedAt, status: r.status })),
    );
    out.set(s.resource, reason);
  }
  return out;
}

const byCase = (map: Map<string, string | null>) =>
  Object.fromEntries(CASES.map((c, n) => [c.name, map.get(resourceOf(n)) ?? null]));

describe("reloading: the domain rule and its SQL twin over the same rows", () => {
  test("agree on every case, with the same reason", async () => {
    const { serviceId } = await storeCases();
    const twin = reloadingEndedSql(2);
    const rows = await sql().query<{ resource: string; reason: string }[]>(
      `SELECT e.resource, e.reason FROM (${twin.sql}) e
       WHERE e.instance_id IN (SELECT id FROM instance WHERE service_id = $1)`,
      serviceId,
      ...twin.params,
    );
    expect(rows.length).toBe(new Set(rows.map((r) => r.resource)).size);
    const fromSql = new Map(rows.map((r) => [r.resource, r.reason]));
    const domain = await fromDomain(serviceId);
    expect(byCase(fromSql)).toEqual(byCase(domain));

    // Each case decides what it says it does, with the rule's words.
    const expected = Object.fromEntries(
      CASES.map((c, n) => {
        const own = c.own === null ? null : reloadIdOf(n, c.own);
        if (c.expected === null) return [c.name, null];
        if (c.expected === "ended") return [c.name, fillMessage(ENDED_MESSAGE, own!, c.reloads[0]!.status)];
        return [c.name, fillMessage(OVERTAKEN_MESSAGE, reloadIdOf(n, c.expected.overtakenBy), own ?? UNNAMED_RELOAD)];
      }),
    );
    expect(byCase(domain)).toEqual(expected);
  });

  test("the sweep writes what the rule decides, and nothing else", async () => {
    const { serviceId } = await storeCases();
    const domain = await fromDomain(serviceId);
    const ended = [...domain.values()].filter((r) => r !== null).length;
    expect((await sweepReloads()).endedInstances).toBe(ended);
    type StateRow = { resource: string; outcome: Outcome; last_error: string | null };
    const states = await sql().query<StateRow[]>(
      `SELECT resource, outcome, last_error FROM instance_state WHERE service_id = $1`,
      serviceId,
    );
    const after = new Map(states.map((s) => [s.resource, s]));
    expect(Object.fromEntries(CASES.map((c, n) => [c.name, after.get(resourceOf(n))]))).toEqual(
      Object.fromEntries(
        CASES.map((c, n) => {
          const reason = domain.get(resourceOf(n)) ?? null;
          const outcome = reason === null ? c.outcome : "expired";
          return [c.name, { resource: resourceOf(n), outcome, last_error: reason }];
        }),
      ),
    );
  });
});
