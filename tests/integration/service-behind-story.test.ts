// The service page's "behind only" view and one resource's story (the SRE's job, DESIGN.md), read from a
// service built through POST /api/v1/events: which live pairs are off the desired version and
// since when, in each order; and a resource's reloads, alerts, requests and out-of-band version
// changes together, newest first, within the time picker's range.
import { beforeAll, describe, expect, test } from "vitest";
import { sql } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { getResourceStory } from "@/lib/services/resource-queries";
import { getBehindPairs, getServiceDetail } from "@/lib/services/queries";
import { acceptEvents, daysAgo, event, minutesAgo, scopedReload } from "../support/ingest-client";
import { asViewer } from "../support/readers";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

beforeAll(() => {
  process.env.DRIFT_THRESHOLD_SECONDS = "300";
  process.env.INSTANCE_STALE_SECONDS = "86400";
  resetEnvCache();
});

const orders = { environment: "prod", namespace: "shop", service: "orders" };
const beat = (instance: string, resource: string, version: string, occurredAt: string) =>
  event({ ...orders, instance, kind: "config", resource, phase: "heartbeat", toVersion: version, occurredAt });

/**
 * app.yaml: o-1…o-4 on v1, then rl-orders (60 min ago) moves them to v2 except o-4, which
 * NACKs and stays on v1. Later o-2 (10 min ago) and o-3 (5 min ago) report other versions by
 * heartbeat, outside any reload. o-5 was last heard on v1 three days ago: gone, not behind.
 * flags.json is v1 everywhere, with no desired version: nobody is behind on it.
 */
async function buildService(): Promise<number> {
  await acceptEvents([
    ...["o-1", "o-2", "o-3", "o-4"].map((i) => beat(i, "app.yaml", "v1", minutesAgo(120))),
    ...["o-1", "o-2"].map((i) => beat(i, "flags.json", "f1", minutesAgo(100))),
    beat("o-5", "app.yaml", "v1", daysAgo(3)),
  ]);
  await acceptEvents(
    scopedReload(orders, "rl-orders", "config", "app.yaml", "v1", "v2", 60, {
      "o-1": "acked",
      "o-2": "acked",
      "o-3": "acked",
      "o-4": "nacked",
    }),
  );
  await acceptEvents([
    beat("o-2", "app.yaml", "z-test", minutesAgo(10)),
    beat("o-3", "app.yaml", "a-hotfix", minutesAgo(5)),
    // repeats of what is known: no version change
    beat("o-1", "app.yaml", "v2", minutesAgo(3)),
    beat("o-2", "app.yaml", "z-test", minutesAgo(2)),
  ]);
  const [row] = await sql().query<{ id: number }[]>(`SELECT id FROM service WHERE name = 'orders'`);
  return row!.id;
}

describe("behind only", () => {
  test("the live pairs off the desired version, with the drift rule's age, in each order", async () => {
    const id = await buildService();
    const now = new Date();
    const byBehind = await asViewer(() => getBehindPairs(id, { sort: "behind", now }));
    expect(byBehind.total).toBe(3);
    expect(byBehind.rows.map((r) => [r.instanceKey, r.version, r.desired])).toEqual([
      ["o-4", "v1", "v2"],
      ["o-2", "z-test", "v2"],
      ["o-3", "a-hotfix", "v2"],
    ]);
    // o-4 ran v1 before v2 became desired: behind since the desired version was set; o-3 since its move.
    const [desired] = await sql().query<{ set_at: Date }[]>(
      `SELECT set_at FROM desired_version WHERE service_id = $1 AND resource = 'app.yaml'`,
      id,
    );
    expect(byBehind.rows[0]!.behindSince.getTime()).toBe(desired!.set_at.getTime());
    expect(Math.round(byBehind.rows[2]!.behindMs / 60_000)).toBe(5);
    const byInstance = await asViewer(() => getBehindPairs(id, { sort: "instance", now }));
    expect(byInstance.rows.map((r) => r.instanceKey)).toEqual(["o-2", "o-3", "o-4"]);
    const byVersion = await asViewer(() => getBehindPairs(id, { sort: "version", now }));
    expect(byVersion.rows.map((r) => r.version)).toEqual(["a-hotfix", "v1", "z-test"]);
    // the same count the drift rule gives the resource on the service page
    const detail = await asViewer(() => getServiceDetail(id, { now }));
    expect(detail!.columns.find((c) => c.resource === "app.yaml")!.drift.offDesired).toBe(3);
    expect(detail!.columns.find((c) => c.resource === "flags.json")!.drift.offDesired).toBe(0);
  });
});

describe("one resource's story", () => {
  test("reloads, alerts, requests and out-of-band version changes of one resource, newest first", async () => {
    const id = await buildService();
    const [user] = await sql().query<{ id: number }[]>(
      `INSERT INTO app_user (username, role) VALUES ('olga', 'operator') RETURNING id`,
    );
    await sql().execute(
      `INSERT INTO reload_request (reload_id, service_id, action, kind, resource, from_version, to_version, scope, targets, reason,
                                   requested_by, requested_at, expires_at, change_hash, required_approvals, status)
       VALUES ('rl-req', $1, 'reload', 'config', 'app.yaml', 'v1', 'v2', '{"mode":"all"}', '{}', 'new pricing rules',
               $2, $3::timestamptz, now() + interval '1 hour', 'h1', 1, 'dispatched')`,
      id,
      user!.id,
      minutesAgo(61),
    );
    const alert = (fingerprint: string, resource: string, startedAt: string) =>
      sql().execute(
        `INSERT INTO alert (fingerprint, rule, severity, state, service_id, kind, resource, summary, started_at, last_seen_at, updated_at)
         VALUES ($1, 'drift', 'warning', 'firing', $2, 'config', $3, $4, $5::timestamptz, now(), now())`,
        fingerprint,
        id,
        resource,
        `${resource} drifts`,
        startedAt,
      );
    await alert("fp-app", "app.yaml", minutesAgo(50));
    await alert("fp-flags", "flags.json", minutesAgo(40));

    const now = new Date();
    const story = await asViewer(() => getResourceStory(id, "config", "app.yaml", { from: null, to: null, now }));
    expect(story!.desired).toMatchObject({ version: "v2", reloadId: "rl-orders" });
    expect(
      story!.items.map((i) =>
        i.type === "version"
          ? `version ${i.instanceKey} ${i.fromVersion}→${i.toVersion}`
          : i.type === "reload"
            ? `reload ${i.reloadId}`
            : i.type === "request"
              ? `request ${i.reason}`
              : `alert ${i.summary}`,
      ),
    ).toEqual([
      "version o-3 v2→a-hotfix",
      "version o-2 v2→z-test",
      "alert app.yaml drifts",
      "reload rl-orders",
      "request new pricing rules",
    ]);
    // the live pairs' versions now (o-5, gone, left out)
    expect(story!.running).toEqual(
      expect.arrayContaining([
        { version: "v2", instances: 1 },
        { version: "v1", instances: 1 },
        { version: "z-test", instances: 1 },
        { version: "a-hotfix", instances: 1 },
      ]),
    );
    expect(story!.running).toHaveLength(4);

    // The last 30 minutes: the two changes, and the alert still open within them.
    const recent = await asViewer(() =>
      getResourceStory(id, "config", "app.yaml", { from: new Date(now.getTime() - 30 * 60_000), to: null, now }),
    );
    expect(recent!.items.map((i) => i.type)).toEqual(["version", "version", "alert"]);

    // Another resource's story holds its own alert only; a resource the service never had is none.
    const flags = await asViewer(() => getResourceStory(id, "config", "flags.json", { from: null, to: null, now }));
    expect(flags!.items.map((i) => i.type)).toEqual(["alert"]);
    expect(
      await asViewer(() => getResourceStory(id, "config", "nothing.yaml", { from: null, to: null, now })),
    ).toBeNull();
  });
});
