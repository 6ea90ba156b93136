// Each alert rule driven through ingest (POST /api/v1/events) or the audit log, from events to
// a firing alert, an acknowledgement, and resolution when the condition clears (docs/adr/0014).
// Time moves by passing `now` to evaluateAlerts, never by waiting.
import { beforeAll, describe, expect, test } from "vitest";
import { acknowledgeAlertIn, lockAlert } from "@/lib/alerts/commands";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { appendAudit } from "@/lib/audit-chain/audit-log";
import { dbTransaction, transaction } from "@/lib/db/client";
import type { RuleId } from "@/lib/domain/alerts/types";
import { resetEnvCache } from "@/lib/env";
import { sweepReloads } from "@/lib/ingest/sweep-reloads";
import { alertsOf, createUser, later } from "../support/alerts";
import { acceptEvents, daysAgo, event, heartbeat, minutesAgo, scopedReload } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

beforeAll(() => {
  process.env.DRIFT_THRESHOLD_SECONDS = "300";
  process.env.INSTANCE_STALE_SECONDS = "86400";
  process.env.RELOAD_TIMEOUT_SECONDS = "900";
  resetEnvCache();
});

const checkout = { environment: "prod", namespace: "payments", service: "checkout-api" };
const only = (rule: RuleId, now: Date) => evaluateAlerts({ now, rules: [rule] });

async function acknowledgeAs(alertId: string, username: string): Promise<{ changed: boolean }> {
  const actorId = await createUser(username, "operator");
  return dbTransaction(async (tx) => acknowledgeAlertIn(tx, (await lockAlert(tx, alertId))!, actorId, new Date()));
}

describe("reload failures", () => {
  test("one alert per reload, NACK errors grouped by normalised message; acknowledged it stays so while firing; a later successful reload resolves it", async () => {
    const instances = Array.from({ length: 45 }, (_, i) => `pod-${i}`);
    const start = Date.now() - 20 * 60_000;
    const at = (s: number) => new Date(start + s * 1000).toISOString();
    const control = {
      ...checkout,
      reloadId: "rl-bad",
      kind: "config",
      resource: "routes.yaml",
      fromVersion: "v1",
      toVersion: "v2",
      instance: null,
    };
    await acceptEvents([
      event({ ...control, phase: "requested", occurredAt: at(0) }),
      event({ ...control, phase: "dispatched", targets: instances, occurredAt: at(1) }),
      ...instances.map((instance, i) =>
        i < 40
          ? event({
              ...control,
              instance,
              phase: "nacked",
              error: `schema mismatch at line ${100 + i} in "routes-${i}.yaml" (node 10.0.${i}.7)`,
              occurredAt: at(10 + i),
            })
          : i < 43
            ? event({
                ...control,
                instance,
                phase: "failed",
                error: `timeout after ${3000 + i} ms waiting for 8f3a9c${i}d2e1`,
                occurredAt: at(10 + i),
              })
            : event({ ...control, instance, phase: "acked", occurredAt: at(10 + i) }),
      ),
    ]);
    const now = new Date();
    const first = await only("reload_failures", now);
    expect(first.opened).toHaveLength(1);
    const [alert] = await alertsOf("reload_failures");
    expect(alert).toMatchObject({ state: "firing", severity: "critical", kind: "config", resource: "routes.yaml" });
    expect(alert!.link).toBe(`/reloads/${alert!.reload_key}`);
    expect(alert!.details).toMatchObject({ reloadId: "rl-bad", targets: 45, nacked: 40, failed: 3, succeeded: 2 });
    expect((alert!.details.errors as { message: string; count: number }[]).map((e) => [e.count, e.message])).toEqual([
      [40, "schema mismatch at line <n> in <value> (node <ip>)"],
      [3, "timeout after <n> ms waiting for <hex>"],
    ]);
    // The summary quotes the first instance's real message, not the grouping pattern.
    expect(alert!.summary).toContain(
      '43 of 45 instances refused or failed reload rl-bad: 40 instances: schema mismatch at line 100 in "routes-0.yaml" (node 10.0.0.7) (and similar) (+1 other errors)',
    );
    expect(alert!.summary).not.toContain("<n>");

    expect(await acknowledgeAs(alert!.id, "olga")).toEqual({ ok: true, changed: true });
    await only("reload_failures", later(now, 1));
    const [acked] = await alertsOf("reload_failures");
    expect(acked).toMatchObject({ id: alert!.id, state: "acknowledged" });
    expect(acked!.acknowledged_by).not.toBeNull();

    // a newer reload of routes.yaml succeeds everywhere: what rl-bad left behind is fixed
    await acceptEvents(
      scopedReload(
        checkout,
        "rl-fix",
        "config",
        "routes.yaml",
        "v1",
        "v3",
        5,
        Object.fromEntries(instances.map((i) => [i, "acked" as const])),
      ),
    );
    const third = await only("reload_failures", later(now, 2));
    expect(third.resolved.map((r) => r.id)).toEqual([alert!.id]);
    expect((await alertsOf("reload_failures")).map((a) => a.state)).toEqual(["resolved"]);
    // acknowledging a resolved alert is refused
    await expect(acknowledgeAs(alert!.id, "pat")).rejects.toThrow("already resolved");
  });
});

describe("stuck and expired reloads", () => {
  test("targets not acked within N minutes of dispatch alert, naming the silent ones; the alert resolves when they ack", async () => {
    // dispatched 12 minutes ago: past the rule's 10 minutes, inside RELOAD_TIMEOUT_SECONDS (15), so
    // in progress, not expired
    const start = Date.now() - 12 * 60_000;
    const at = (s: number) => new Date(start + s * 1000).toISOString();
    const control = {
      ...checkout,
      reloadId: "rl-slow",
      kind: "flags",
      resource: "flags.json",
      fromVersion: "f1",
      toVersion: "f2",
      instance: null,
    };
    await acceptEvents([
      event({ ...control, phase: "dispatched", targets: ["a", "b", "c"], occurredAt: at(0) }),
      event({ ...control, instance: "a", phase: "acked", occurredAt: at(5) }),
      event({ ...control, instance: "b", phase: "received", occurredAt: at(6) }),
    ]);
    const now = new Date();
    // five minutes after dispatch it is not stuck yet
    expect((await only("reload_stuck", new Date(start + 5 * 60_000))).opened).toEqual([]);
    const opened = (await only("reload_stuck", now)).opened;
    expect(opened).toHaveLength(1);
    expect(opened[0]!.details).toMatchObject({
      reloadId: "rl-slow",
      targets: 3,
      finished: 1,
      silentInstances: ["b", "c"],
    });
    expect(opened[0]!.summary).toContain("1 of 3 instances finished after 12 min");

    await acceptEvents(
      ["b", "c"].map((instance) => event({ ...control, instance, phase: "acked", occurredAt: minutesAgo(1) })),
    );
    expect((await only("reload_stuck", later(now, 1))).resolved).toHaveLength(1);
  });

  test("an expired reload alerts until the lookback passes or a newer reload of the resource comes", async () => {
    const start = Date.now() - 40 * 60_000;
    const at = (s: number) => new Date(start + s * 1000).toISOString();
    const control = {
      ...checkout,
      reloadId: "rl-lost",
      kind: "model",
      resource: "ranker",
      fromVersion: "m1",
      toVersion: "m2",
      instance: null,
    };
    await acceptEvents([
      event({ ...control, phase: "dispatched", targets: ["a", "b"], occurredAt: at(0) }),
      event({ ...control, instance: "a", phase: "acked", occurredAt: at(3) }),
    ]);
    const now = new Date();
    await sweepReloads(now);
    const opened = (await only("reload_stuck", now)).opened;
    expect(opened).toHaveLength(1);
    expect(opened[0]!.details).toMatchObject({ status: "expired", silentInstances: ["b"] });
    // an hour after it expired (deadline 15 min after dispatch), it is history
    expect((await only("reload_stuck", later(now, 60))).resolved).toHaveLength(1);
  });
});

describe("stale instances", () => {
  test("one alert per service listing the instances silent for N minutes, leaving out those gone for INSTANCE_STALE_SECONDS; resolved when they report", async () => {
    const beat = (instance: string, occurredAt: string) =>
      heartbeat(checkout, instance, "config", "app.yaml", "v1", occurredAt);
    await acceptEvents([
      beat("live-1", minutesAgo(1)),
      beat("quiet-1", minutesAgo(25)),
      beat("quiet-2", minutesAgo(40)),
      beat("gone-1", daysAgo(2)),
    ]);
    const now = new Date();
    const opened = (await only("instance_stale", now)).opened;
    expect(opened).toHaveLength(1);
    expect((opened[0]!.details.instances as { instance: string }[]).map((i) => i.instance)).toEqual([
      "quiet-2",
      "quiet-1",
    ]);
    expect(opened[0]!.summary).toMatch(
      /^prod\/payments\/checkout-api: 2 instances silent for 10m\+ \(quiet-2, quiet-1; longest 4\dm\)$/,
    );
    const [alert] = await alertsOf("instance_stale");
    expect(await acknowledgeAs(alert!.id, "sam")).toEqual({ ok: true, changed: true });

    await acceptEvents([beat("quiet-1", minutesAgo(0))]);
    const second = await only("instance_stale", later(now, 1));
    expect(second.opened).toEqual([]);
    const [updated] = await alertsOf("instance_stale");
    expect(updated!.state).toBe("acknowledged");
    expect((updated!.details.instances as { instance: string }[]).map((i) => i.instance)).toEqual(["quiet-2"]);
    expect(second.updated).toBe(1);

    await acceptEvents([beat("quiet-2", minutesAgo(0))]);
    expect((await only("instance_stale", later(now, 2))).resolved).toHaveLength(1);
  });
});

describe("out-of-band changes", () => {
  test("a version changed by heartbeat with no reload targeting the instance alerts; a change made by a reload does not", async () => {
    const beat = (instance: string, version: string, occurredAt: string) =>
      heartbeat(checkout, instance, "policy", "authz.rego", version, occurredAt);
    await acceptEvents([
      ...["p-1", "p-2", "p-3"].map((i) => beat(i, "pol-1", minutesAgo(120))),
      // p-1 starts running pol-x: nobody asked for it
      beat("p-1", "pol-x", minutesAgo(30)),
      // a brand-new instance's first report is no change
      beat("p-4", "pol-1", minutesAgo(30)),
    ]);
    // p-2 and p-3 move to pol-2 through a reload, p-3 reporting it only by heartbeat
    const start = Date.now() - 20 * 60_000;
    const control = {
      ...checkout,
      reloadId: "rl-pol",
      kind: "policy",
      resource: "authz.rego",
      fromVersion: "pol-1",
      toVersion: "pol-2",
      instance: null,
    };
    await acceptEvents([
      event({ ...control, phase: "dispatched", targets: ["p-2", "p-3"], occurredAt: new Date(start).toISOString() }),
      event({ ...control, instance: "p-2", phase: "acked", occurredAt: new Date(start + 5000).toISOString() }),
      beat("p-3", "pol-2", new Date(start + 6000).toISOString()),
    ]);
    const now = new Date();
    const opened = (await only("out_of_band_change", now)).opened;
    expect(opened.map((a) => a.summary)).toEqual([
      "prod/payments/checkout-api policy/authz.rego: p-1 changed pol-1 → pol-x with no reload requested",
    ]);
    expect(opened[0]!.severity).toBe("critical");
    expect(opened[0]!.link).toMatch(/^\/replay\?at=/);
    const [alert] = await alertsOf("out_of_band_change");
    expect(await acknowledgeAs(alert!.id, "ivy")).toEqual({ ok: true, changed: true });

    // a reload puts p-1 back on pol-2: its version is now one a reload set
    await acceptEvents(
      scopedReload(checkout, "rl-fix-pol", "policy", "authz.rego", "pol-x", "pol-2", 2, { "p-1": "acked" }),
    );
    expect((await only("out_of_band_change", later(now, 1))).resolved).toHaveLength(1);
  });
});

describe("unauthorized attempts", () => {
  test("a signed-in user's denials alert per user once there are several (5 by default) in the window, and resolve when it has passed", async () => {
    const vic = await createUser("vic", "viewer");
    const ann = await createUser("ann", "operator");
    const deny = (actorId: number, actor: string, role: string, action: string) =>
      transaction((tx) =>
        appendAudit(tx, {
          actorId,
          actor,
          actorRole: role,
          action,
          outcome: "denied",
          details: { reason: `role ${role} may not ${action}` },
        }),
      );
    for (let i = 0; i < 4; i++) await deny(vic, "vic", "viewer", "request.approve");
    await deny(vic, "vic", "viewer", "reload.request");
    await deny(ann, "ann", "operator", "user.manage");
    await transaction((tx) =>
      appendAudit(tx, {
        actorId: ann,
        actor: "ann",
        actorRole: "operator",
        action: "reload.request",
        outcome: "allowed",
      }),
    );
    const now = new Date();
    const opened = (await only("unauthorized_attempt", now)).opened;
    expect(opened.map((a) => a.summary)).toEqual([
      "vic (viewer) was denied 5 times in 15 min: request.approve ×4, reload.request",
    ]);
    expect(opened[0]!.labels).toEqual({ source: `user:${vic}`, actor: "vic", actor_role: "viewer" });
    // seen again: the same alert
    expect((await only("unauthorized_attempt", later(now, 1))).opened).toEqual([]);
    expect((await only("unauthorized_attempt", later(now, 16))).resolved).toHaveLength(1);
  });

  test("failed sign-ins count by client address, not by the names typed, and the alert carries none of them", async () => {
    const signInDenied = (typed: string, address: string) =>
      transaction((tx) =>
        appendAudit(tx, {
          actorId: null,
          actor: "unknown user",
          actorRole: null,
          action: "session.sign_in",
          outcome: "denied",
          details: { method: "password", reason: "unknown_user", clientAddress: address, echo: typed },
        }),
      );
    // Rows written before names were kept out of the log still hold the typed text as actor: it
    // must not reach the alert either.
    for (let i = 0; i < 5; i++) {
      await transaction((tx) =>
        appendAudit(tx, {
          actorId: null,
          actor: `hunter2-typed-${i}`,
          actorRole: null,
          action: "session.sign_in",
          outcome: "denied",
          details: { method: "password", reason: "wrong_credentials", clientAddress: "203.0.113.7" },
        }),
      );
    }
    for (let i = 0; i < 4; i++) await signInDenied(`other-${i}`, "198.51.100.1");
    const opened = (await only("unauthorized_attempt", new Date())).opened;
    expect(opened.map((a) => a.summary)).toEqual([
      "Unauthenticated requests from 203.0.113.7 were denied 5 times in 15 min: session.sign_in ×5",
    ]);
    const [alert] = await alertsOf("unauthorized_attempt");
    expect(JSON.stringify(alert)).not.toContain("hunter2");
    expect(alert!.labels).toEqual({ source: "address:203.0.113.7" });
    expect(alert!.link).toBe("/audit?outcome=denied&action=session.sign_in");
  });
});

describe("reload storms", () => {
  test("more than N reloads of one resource within the window alert once; quiet again, the alert resolves", async () => {
    const reloads = Array.from({ length: 7 }, (_, i) =>
      scopedReload(checkout, `rl-storm-${i}`, "cache", "warm", `c${i}`, `c${i + 1}`, 9 - i, { "w-1": "acked" }),
    );
    await acceptEvents(reloads.flat());
    // and one of another resource, which does not count
    await acceptEvents(scopedReload(checkout, "rl-other", "cache", "cold", "x", "y", 3, { "w-1": "acked" }));
    const now = new Date();
    const opened = (await only("reload_storm", now)).opened;
    expect(opened).toHaveLength(1);
    expect(opened[0]!.summary).toBe("prod/payments/checkout-api cache/warm: 7 reloads in 10 min (more than 5)");
    expect((opened[0]!.details.recent as { reloadId: string }[]).map((r) => r.reloadId)).toEqual([
      "rl-storm-6",
      "rl-storm-5",
      "rl-storm-4",
      "rl-storm-3",
      "rl-storm-2",
    ]);
    expect((await only("reload_storm", later(now, 1))).opened).toEqual([]);
    expect((await only("reload_storm", later(now, 15))).resolved).toHaveLength(1);
  });
});
