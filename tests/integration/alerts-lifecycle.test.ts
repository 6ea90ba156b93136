// Alert lifecycle around the rules (docs/adr/0014): silences (matching, expiry, ending early),
// rule settings an admin changes (thresholds, disabling), and the evaluation lease.
import { beforeAll, describe, expect, test } from "vitest";
import { endSilenceIn, lockAlert, silenceAlertIn, updateAlertRuleIn } from "@/lib/alerts/commands";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { dbTransaction, sql } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { takeLease } from "@/lib/worker/lease";
import { LEASES } from "@/lib/worker/periodic-jobs";
import { alertsOf, createUser, later } from "../support/alerts";
import { acceptEvents, heartbeat, minutesAgo } from "../support/ingest-client";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

beforeAll(() => {
  process.env.INSTANCE_STALE_SECONDS = "86400";
  resetEnvCache();
});

const checkout = { environment: "prod", namespace: "payments", service: "checkout-api" };
const beat = (instance: string, occurredAt: string) =>
  heartbeat(checkout, instance, "config", "app.yaml", "v1", occurredAt);
/** ledger's l-1 on v1 of the default config, routes.yaml. */
const ledgerBeat = (occurredAt: string) =>
  heartbeat({ ...checkout, service: "ledger" }, "l-1", "config", "routes.yaml", "v1", occurredAt);
const stale = (now: Date) => evaluateAlerts({ now, rules: ["instance_stale"] });

describe("silences", () => {
  test("a silence marks matching alerts silenced for delivery until it expires; the alert keeps its state", async () => {
    await acceptEvents([beat("q-1", minutesAgo(30))]);
    const now = new Date();
    const opened = (await stale(now)).opened;
    expect(opened.map((a) => a.silenced)).toEqual([false]);
    const operator = await createUser("oscar", "operator");
    const silence = await dbTransaction(async (tx) =>
      silenceAlertIn(
        tx,
        (await lockAlert(tx, opened[0]!.id))!,
        { scope: "rule_service", duration: "1h", comment: "host maintenance" },
        operator,
        now,
      ),
    );
    expect(silence.expiresAt.getTime()).toBe(later(now, 60).getTime());
    expect((await alertsOf("instance_stale"))[0]!.state).toBe("firing");

    // q-1 reports: the resolution happens (state resolved) but is silenced for delivery
    await acceptEvents([beat("q-1", minutesAgo(0))]);
    const resolved = (await stale(later(now, 1))).resolved;
    expect(resolved.map((a) => [a.state, a.silenced])).toEqual([["resolved", true]]);

    // two hours on, q-1 is silent again; the silence expired an hour ago: not silenced
    const reopened = (await stale(later(now, 120))).opened;
    expect(reopened.map((a) => [a.state, a.silenced])).toEqual([["firing", false]]);
  });

  test("a silence ended early stops matching at once; a silence for the alert alone does not touch another alert", async () => {
    await acceptEvents([beat("q-1", minutesAgo(30)), ledgerBeat(minutesAgo(30))]);
    const now = new Date();
    const opened = (await stale(now)).opened;
    expect(opened).toHaveLength(2);
    const operator = await createUser("oscar", "operator");
    const checkoutAlert = opened.find((a) => a.labels.service === "checkout-api")!;
    const { silenceId } = await dbTransaction(async (tx) =>
      silenceAlertIn(
        tx,
        (await lockAlert(tx, checkoutAlert.id))!,
        { scope: "alert", duration: "4h", comment: "known" },
        operator,
        now,
      ),
    );
    await acceptEvents([beat("q-1", minutesAgo(0)), ledgerBeat(minutesAgo(0))]);
    const resolved = (await stale(later(now, 1))).resolved;
    expect(Object.fromEntries(resolved.map((a) => [a.labels.service, a.silenced]))).toEqual({
      "checkout-api": true,
      ledger: false,
    });

    expect(await dbTransaction((tx) => endSilenceIn(tx, silenceId, later(now, 2)))).toEqual({ changed: true });
    expect(await dbTransaction((tx) => endSilenceIn(tx, silenceId, later(now, 3)))).toEqual({ changed: false });
    const [row] = await sql().query<{ ended_at: Date }[]>(
      `SELECT ended_at FROM alert_silence WHERE id = $1::bigint`,
      silenceId,
    );
    expect(row!.ended_at.getTime()).toBe(later(now, 2).getTime());
    const again = (await stale(later(now, 30))).opened;
    expect(again.find((a) => a.labels.service === "checkout-api")!.silenced).toBe(false);
  });
});

describe("rule settings", () => {
  test("an admin's threshold applies at the next evaluation; a disabled rule resolves its alerts; bad thresholds are refused", async () => {
    await acceptEvents([beat("q-1", minutesAgo(30))]);
    const admin = await createUser("ada", "admin");
    const now = new Date();
    expect((await stale(now)).opened).toHaveLength(1);

    // silent 30 min is no longer enough when the rule asks for 60
    const saved = await dbTransaction((tx) =>
      updateAlertRuleIn(
        tx,
        { rule: "instance_stale", enabled: true, severity: "info", params: { silentMinutes: 60 } },
        admin,
        now,
      ),
    );
    expect(saved.params).toEqual({ silentMinutes: 60 });
    const [stored] = await sql().query<{ params: unknown; severity: string }[]>(
      `SELECT params, severity FROM alert_rule WHERE rule = 'instance_stale'`,
    );
    expect(stored).toEqual({ params: { silentMinutes: 60 }, severity: "info" });
    expect((await stale(later(now, 1))).resolved).toHaveLength(1);
    // 70 minutes on it is silent for 100: it fires again, at the new severity
    expect((await stale(later(now, 70))).opened.map((a) => a.severity)).toEqual(["info"]);

    await dbTransaction((tx) =>
      updateAlertRuleIn(tx, { rule: "instance_stale", enabled: false, severity: "info", params: {} }, admin, now),
    );
    expect((await stale(later(now, 71))).resolved).toHaveLength(1);
    expect((await alertsOf("instance_stale")).every((a) => a.state === "resolved")).toBe(true);

    await expect(
      dbTransaction((tx) =>
        updateAlertRuleIn(
          tx,
          { rule: "instance_stale", enabled: true, severity: "warning", params: { silentMinutes: 0 } },
          admin,
          now,
        ),
      ),
    ).rejects.toMatchObject({
      code: "invalid",
      fieldErrors: { "params.silentMinutes": [expect.any(String)] },
    });
    await expect(
      dbTransaction((tx) =>
        updateAlertRuleIn(
          tx,
          { rule: "instance_stale", enabled: true, severity: "warning", params: { silenceMinutes: 5 } },
          admin,
          now,
        ),
      ),
    ).rejects.toMatchObject({
      code: "invalid",
    });
  });
});

describe("the evaluation lease", () => {
  test("one process holds it and renews it; another takes it only once it has run out", async () => {
    expect(await takeLease(LEASES.evaluation, 60_000, "proc-a")).toBe(true);
    expect(await takeLease(LEASES.evaluation, 60_000, "proc-b")).toBe(false);
    expect(await takeLease(LEASES.evaluation, 60_000, "proc-a")).toBe(true);
    // proc-a's lease made to have run out (as if it died a minute ago)
    await sql().execute(
      `UPDATE alert_cursor SET value = 'proc-a ' || (now() - interval '1 minute')::text WHERE name = 'evaluation-lease'`,
    );
    expect(await takeLease(LEASES.evaluation, 60_000, "proc-b")).toBe(true);
    expect(await takeLease(LEASES.evaluation, 60_000, "proc-a")).toBe(false);
  });
});
