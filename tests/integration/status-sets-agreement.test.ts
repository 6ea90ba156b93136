// Two more SQL twins of domain status sets (CONVENTIONS.md "One rule, one function"), beside
// sets-agreement.test.ts: each query takes the set from lib/domain as $n::text[], and with one
// reload in every status it selects exactly the statuses the domain names.
//  - NOT_STARTED_STATUSES: the superseded-request sweep (lib/ingest/sweep-reloads.ts) cancels a
//    request not yet started when a newer request of the same resource comes.
//  - CONVERGED_STATUSES: the regression alert (lib/alerts/read-regression.ts, docs/adr/0014)
//    compares the spans around a reload that has a convergence time (convergenceMs).
import { beforeAll, describe, expect, test } from "vitest";
import { readRegressionConditions } from "@/lib/alerts/read-regression";
import { sql } from "@/lib/db/client";
import { RULE_PARAMS } from "@/lib/domain/alerts/rules";
import { convergenceMs, emptyFacts, type ReloadInstanceCounts } from "@/lib/domain/reload-status";
import { NOT_STARTED_STATUSES, RELOAD_STATUSES, type ReloadStatus } from "@/lib/domain/types";
import { resetEnvCache } from "@/lib/env";
import { sweepReloads } from "@/lib/ingest/sweep-reloads";
import { acceptEvents, event, minutesAgo, scopedReload } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

beforeAll(() => {
  // Nothing below reaches its deadline: the sweep's expiry must not decide any status.
  process.env.RELOAD_TIMEOUT_SECONDS = "7200";
  resetEnvCache();
});

const MIN = 60_000;
const sorted = (list: Iterable<string>) => [...list].sort();
const has = (set: readonly string[], value: string) => set.includes(value);

async function serviceId(name: string): Promise<number> {
  const [row] = await sql().query<{ id: number }[]>(`SELECT id FROM service WHERE name = $1`, name);
  return row!.id;
}

describe("NOT_STARTED_STATUSES: the sweep cancels a superseded request in them only", () => {
  const svc = { environment: "prod", namespace: "sets", service: "superseded" };

  test("per status, a request not started with a newer one of its resource is cancelled iff the status is not-started", async () => {
    // Per status s: rq-s requested 3 min ago, rq-s-newer of the same resource 2 min ago; then
    // rq-s is given status s (neither started nor cancelled, as the sweep's other conditions ask).
    await acceptEvents(
      RELOAD_STATUSES.flatMap((s) => {
        const control = { ...svc, kind: "config", resource: `r-${s}`, toVersion: "v2", instance: null };
        return [
          event({ ...control, reloadId: `rq-${s}`, phase: "requested", occurredAt: minutesAgo(3) }),
          event({ ...control, reloadId: `rq-${s}-newer`, phase: "requested", occurredAt: minutesAgo(2) }),
        ];
      }),
    );
    for (const s of RELOAD_STATUSES) {
      const updated = await sql().execute(
        `UPDATE reload SET status = $2, started_at = NULL, cancelled_at = NULL WHERE reload_id = $1`,
        `rq-${s}`,
        s,
      );
      expect(updated).toBe(1);
    }

    const swept = await sweepReloads(new Date());

    const rows = await sql().query<{ reload_id: string; status: string; cancelled: boolean }[]>(
      `SELECT reload_id, status, cancelled_at IS NOT NULL AS cancelled FROM reload WHERE reload_id LIKE 'rq-%'`,
    );
    const byId = new Map(rows.map((r) => [r.reload_id, r]));
    for (const s of RELOAD_STATUSES) {
      const notStarted = has(NOT_STARTED_STATUSES, s);
      const row = byId.get(`rq-${s}`)!;
      expect([s, row.cancelled]).toEqual([s, notStarted]);
      expect([s, row.status]).toEqual([s, notStarted ? "cancelled" : s]);
      // the newest request of each resource is left as it was
      expect([s, byId.get(`rq-${s}-newer`)!.status]).toEqual([s, "pending_approval"]);
    }
    expect(swept.cancelled).toBe(NOT_STARTED_STATUSES.length);
    expect(NOT_STARTED_STATUSES.length).toBeGreaterThan(0);
    expect(NOT_STARTED_STATUSES.length).toBeLessThan(RELOAD_STATUSES.length);
  });
});

describe("CONVERGED_STATUSES: the regression alert reads a reload iff the domain gives it a convergence time", () => {
  const svc = { environment: "prod", namespace: "sets", service: "regression" };

  /** Whether convergenceMs measures a reload in `status` that was dispatched and had a target succeed. */
  function converges(status: ReloadStatus): boolean {
    const at = new Date(Date.now() - 30 * MIN);
    const facts = { ...emptyFacts("config", "app.yaml", at), requestedAt: at, dispatchedAt: at, startedAt: at };
    const counts: ReloadInstanceCounts = {
      targets: 1,
      reporting: 1,
      succeeded: 1,
      nacked: 0,
      failed: 0,
      rolledBack: 0,
      inProgress: 0,
      lastSucceededAt: new Date(at.getTime() + 21_000),
      lastFinishedAt: new Date(at.getTime() + 21_000),
    };
    return convergenceMs(facts, counts, status) !== null;
  }

  test("per status, a reload followed by spans 3× slower is compared iff it converged", async () => {
    // Per status s: rg-s started about 30 min ago and given status s, completed 29 min ago.
    await acceptEvents(
      RELOAD_STATUSES.flatMap((s) =>
        scopedReload(svc, `rg-${s}`, "config", `r-${s}`, "v1", "v2", 30, { "pod-1": "acked" }),
      ),
    );
    const completed = new Date(Date.now() - 29 * MIN).toISOString();
    for (const s of RELOAD_STATUSES) {
      const updated = await sql().execute(
        `UPDATE reload SET status = $2, completed_at = $3::timestamptz WHERE reload_id = $1`,
        `rg-${s}`,
        s,
        completed,
      );
      expect(updated).toBe(1);
    }
    // The service's traffic: 40 spans of 100 ms in the window before every reload started
    // (39 to 32.5 min ago), 40 spans of 300 ms in the window after they completed (28 to 21.5 min ago).
    const id = await serviceId("regression");
    await sql().execute(
      `INSERT INTO span (trace_id, span_id, name, start_time, end_time, duration_ns, service_id)
       SELECT 'trace-' || w.side, 'span-' || w.side || '-' || i, 'GET /x', w.first + i * interval '10 seconds',
              w.first + i * interval '10 seconds' + w.ms * interval '1 millisecond', w.ms * 1000000, $1
       FROM (VALUES ('before', now() - interval '39 minutes', 100), ('after', now() - interval '28 minutes', 300))
            AS w(side, first, ms)
       CROSS JOIN generate_series(0, 39) AS i`,
      id,
    );

    const conditions = await readRegressionConditions(sql(), new Date(), RULE_PARAMS.regression.parse({}));
    const read = new Set(conditions.map((c) => String(c.details.reloadId)));
    for (const s of RELOAD_STATUSES) expect([s, read.has(`rg-${s}`)]).toEqual([s, converges(s)]);
    const expected = RELOAD_STATUSES.filter(converges);
    expect(sorted(read)).toEqual(sorted(expected.map((s) => `rg-${s}`)));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(RELOAD_STATUSES.length);
  });
});
