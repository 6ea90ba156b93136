// Alert evaluation writes only what changed (docs/adr/0014): a pass over an unchanged
// fleet rewrote every open alert (2.26 M UPDATEs for ~15,000 alerts). Counted two ways: the
// pass's own `writes`, and the rows' xmin (a row version that stays the same was not rewritten).
import { beforeAll, describe, expect, test } from "vitest";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { sql } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { later } from "../support/alerts";
import { acceptEvents, event, minutesAgo, postEvents } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

beforeAll(() => {
  process.env.DRIFT_THRESHOLD_SECONDS = "300";
  process.env.INSTANCE_STALE_SECONDS = "86400";
  resetEnvCache();
});

const RULES = ["drift", "instance_stale"] as const;
const beat = (service: string, instance: string, version: string, occurredAt: string) =>
  event({
    environment: "prod",
    namespace: "payments",
    service,
    instance,
    kind: "routes",
    resource: "routes.yaml",
    phase: "heartbeat",
    toVersion: version,
    occurredAt,
  });

const rowVersions = async () =>
  Object.fromEntries(
    (await sql().query<{ id: string; xmin: string }[]>(`SELECT id::text, xmin::text FROM alert ORDER BY id`)).map(
      (r) => [r.id, r.xmin],
    ),
  );

describe("alert evaluation writes only what changed", () => {
  test("a second pass over an unchanged fleet writes no row; a real change writes that alert alone", async () => {
    // Three services drifting (one instance behind) and silent for 40–60 minutes: drift and stale alerts.
    await acceptEvents(
      ["checkout-api", "ledger", "search"].flatMap((service) => [
        beat(service, `${service}-1`, "v2", minutesAgo(60)),
        beat(service, `${service}-2`, "v2", minutesAgo(60)),
        beat(service, `${service}-3`, "v1", minutesAgo(61)),
      ]),
    );
    const now = new Date();
    const first = await evaluateAlerts({ now, rules: RULES });
    expect(first.errors).toEqual([]);
    expect(first.opened.length).toBe(6);
    expect(first.writes).toBe(6);
    const before = await rowVersions();

    // Minutes later the ages in summaries and details have moved on; nothing else has.
    const second = await evaluateAlerts({ now: later(now, 3), rules: RULES });
    expect(second).toMatchObject({ opened: [], resolved: [], updated: 0, writes: 0 });
    expect(await rowVersions()).toEqual(before);

    // ledger-3 catches up: ledger's drift alert resolves; its stale alert now lists other
    // instances. Only those two rows are written.
    await acceptEvents([beat("ledger", "ledger-3", "v2", minutesAgo(0))]);
    const third = await evaluateAlerts({ now: later(now, 4), rules: RULES });
    expect(third.resolved.length).toBe(1);
    expect(third.updated).toBe(1);
    expect(third.writes).toBe(2);
    const after = await rowVersions();
    expect(Object.keys(after).filter((id) => after[id] !== before[id]).length).toBe(2);
  });
});

describe("ingest nudges a pass at most every ALERT_NUDGE_MIN_SECONDS", () => {
  test.each([
    ["no pass yet: after the 1 s debounce", 100_000, null, 1_000],
    ["a pass began 0.5 s ago: 4.5 s later", 100_000, 99_500, 4_500],
    ["a pass began 4.5 s ago: the debounce", 100_000, 95_500, 1_000],
    ["a pass began a minute ago: the debounce", 100_000, 40_000, 1_000],
  ])("%s", async (_name, now, lastPass, delay) => {
    const { nudgeDelayMs } = await import("@/lib/worker/periodic-jobs");
    expect(nudgeDelayMs(now, lastPass, 5_000)).toBe(delay);
  });

  test("a commit that stored events wakes the evaluation job; a batch of duplicates does not", async () => {
    const { alertEvaluation } = await import("@/lib/worker/periodic-jobs");
    let wakes = 0;
    const unsubscribe = alertEvaluation({ intervalMs: 60_000, nudgeMinMs: 5_000 }).wake!.subscribe(() => wakes++);
    try {
      const e = event({ id: "wakes-evaluation" });
      expect((await postEvents(e)).body).toMatchObject({ accepted: 1 });
      expect(wakes).toBe(1);
      expect((await postEvents(e)).body).toMatchObject({ accepted: 0, duplicates: 1 });
      expect(wakes).toBe(1);
    } finally {
      unsubscribe();
    }
  });
});
