// Requests and approvals against the database (the rules under the server actions; the
// actions themselves, over HTTP with sessions, are in tests/e2e/requests.test.ts): a request
// snapshots its targets, canary, policy and change; decisions count once per person, only
// the one that completes the policy queues a dispatch; a change underneath invalidates; a
// request's own approval and canary acks do not; expiry; superseding; the approve race.
import { beforeEach, describe, expect, test } from "vitest";
import { currentChange } from "@/lib/approvals/change";
import { decideRequest } from "@/lib/approvals/decide-request";
import { expireRequests } from "@/lib/approvals/expire-requests";
import { loadRequestSubject } from "@/lib/requests/subject";
import { ActionDenied, ActionError } from "@/lib/auth/action-error";
import type { Actor } from "@/lib/auth/actor";
import { sql, transaction, type Sql } from "@/lib/db/client";
import { authorize } from "@/lib/domain/permissions";
import { createRequest } from "@/lib/requests/create-request";
import { requestInputSchema, type RequestInput } from "@/lib/requests/request-input";
import { ingestControlEvents } from "@/lib/worker/control-events";
import { acceptEvents, allAcked, event, heartbeatsOn, minutesAgo, scopedReload } from "../support/ingest-client";
import { concurrencyTest, useTestDatabase } from "../support/use-database";

useTestDatabase();

const SERVICE = { environment: "prod", namespace: "payments", service: "checkout-api" };
const PODS = ["checkout-api-4", "checkout-api-2", "checkout-api-3", "checkout-api-1"];
let serviceId: number;
const people: Record<"olga" | "oscar" | "abe" | "ada" | "sam", Actor> = {} as never;

beforeEach(async () => {
  // v1 acked everywhere by a pipeline's reload: the desired version is v1.
  await acceptEvents(scopedReload(SERVICE, "rl-v1", "config", "routes.yaml", "v0", "v1", 30, allAcked(PODS)));
  await acceptEvents(heartbeatsOn(SERVICE, PODS, "v1"));
  [{ id: serviceId }] = (await sql().query<{ id: number }[]>(
    `SELECT id FROM service WHERE name = $1`,
    SERVICE.service,
  )) as [{ id: number }];
  const users = await sql().query<{ id: number; username: string; role: string; groups: string[] }[]>(
    `INSERT INTO app_user (username, role, groups) VALUES
       ('olga', 'operator', '{}'), ('oscar', 'operator', '{}'), ('abe', 'approver', '{}'), ('ada', 'admin', '{sre}'), ('sam', 'approver', '{sre}')
     RETURNING id, username, role, groups`,
  );
  for (const u of users)
    (people as Record<string, Actor>)[u.username] = {
      id: u.id,
      username: u.username,
      displayName: u.username,
      role: u.role as Actor["role"],
      groups: u.groups,
    };
});

function input(overrides: Partial<Record<keyof RequestInput, unknown>> = {}): RequestInput {
  return requestInputSchema.parse({
    serviceId,
    kind: "config",
    resource: "routes.yaml",
    toVersion: "v2",
    scope: "count",
    canaryCount: "1",
    reason: "new routes",
    ...overrides,
  });
}

/** Runs like defineAction does: the transaction, and on a refusal what the refusal commits. */
async function attempt<T>(
  work: (tx: Sql) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: ActionError }> {
  try {
    return { ok: true, value: await transaction(work) };
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    if (error.alsoCommit) await transaction(error.alsoCommit);
    return { ok: false, error };
  }
}

const request = (
  who: Actor,
  overrides: Partial<Record<keyof RequestInput, unknown>> = {},
  action: "reload" | "rollback" = "reload",
  now?: Date,
) => attempt((tx) => createRequest(tx, who, input(overrides), action, now));

const decide = (who: Actor, requestId: string, decision: "approved" | "rejected", comment = "", now?: Date) =>
  attempt(async (tx) => {
    const subject = await loadRequestSubject(tx, { requestId: Number(requestId) });
    const check = authorize(who, decision === "approved" ? "request.approve" : "request.reject", subject ?? {});
    if (!check.allowed) throw new Error(`denied: ${check.reason}`);
    return decideRequest(tx, who, { requestId: Number(requestId), comment }, decision, now);
  });

async function made(who: Actor, overrides: Partial<Record<keyof RequestInput, unknown>> = {}) {
  const result = await request(who, overrides);
  if (!result.ok) throw new Error(`request refused: ${result.error.message}`);
  return result.value.data;
}

async function row(requestId: string) {
  const [r] = await sql().query<
    {
      status: string;
      status_reason: string | null;
      targets: string[];
      canary: string[];
      from_version: string;
      change_hash: string;
      expires_at: Date;
      requested_at: Date;
      required_approvals: number;
    }[]
  >(
    `SELECT status, status_reason, targets, canary, from_version, change_hash, expires_at, requested_at, required_approvals FROM reload_request WHERE id = $1::bigint`,
    requestId,
  );
  return r!;
}

async function jobs(name: "dispatch" | "control-events") {
  return sql().query<{ data: { requestId?: string; events?: Record<string, unknown>[] } }[]>(
    `SELECT data FROM pgboss.job WHERE name = $1 ORDER BY created_on`,
    name,
  );
}

/** Runs the queued control-events jobs as the worker would, so the reload's timeline has them. */
async function ingestQueuedControlEvents(now?: Date) {
  for (const job of await jobs("control-events")) await ingestControlEvents(job.data, now);
  await sql().execute(`DELETE FROM pgboss.job WHERE name = 'control-events'`);
}

describe("requesting", () => {
  test("snapshots targets and canary, binds the change, waits for one approval, queues its requested event", async () => {
    const created = await made(people.olga);
    expect(created).toMatchObject({ status: "pending_approval", requiredApprovals: 1, targets: 4, canary: 1 });
    expect(created.reloadId).toMatch(new RegExp(`^rs-\\d{8}-${created.requestId}-[a-z2-7]{6}$`));
    const r = await row(created.requestId);
    expect(r.targets).toEqual(["checkout-api-1", "checkout-api-2", "checkout-api-3", "checkout-api-4"]);
    expect(r.canary).toEqual(["checkout-api-1"]);
    expect(r.from_version).toBe("v1");
    // REQUEST_TTL_MINUTES (60) capped by RELOAD_TIMEOUT_SECONDS (900): a request never outlives its reload.
    expect(r.expires_at.getTime() - r.requested_at.getTime()).toBe(15 * 60_000);
    expect((await currentChange(sql(), created.requestId)).valid).toBe(true);
    const [control] = await jobs("control-events");
    expect(control!.data.events).toEqual([
      expect.objectContaining({
        id: `rsreq-${created.requestId}-requested`,
        phase: "requested",
        reloadId: created.reloadId,
        initiator: "olga",
        fromVersion: "v1",
        toVersion: "v2",
      }),
    ]);
    expect(await jobs("dispatch")).toEqual([]);
    // The worker's ingest takes the event as it is: the reload waits for approval on the timeline.
    await ingestQueuedControlEvents();
    const [reload] = await sql().query<{ status: string; initiator: string }[]>(
      `SELECT status, initiator FROM reload WHERE reload_id = $1`,
      created.reloadId,
    );
    expect(reload).toEqual({ status: "pending_approval", initiator: "olga" });
  });

  test.each<[string, Partial<Record<keyof RequestInput, unknown>>, string, string]>([
    [
      "a resource the service does not report",
      { resource: "nope.yaml" },
      "resource",
      "checkout-api reports no config/nope.yaml",
    ],
    [
      "the version it already runs",
      { toVersion: "v1" },
      "toVersion",
      "v1 is already the version desired for config/routes.yaml",
    ],
    [
      "a canary of every instance",
      { canaryCount: "4" },
      "canaryCount",
      "must be at most 3: 4 live instances, and the rest must keep at least one",
    ],
    [
      "a canary of 100 percent",
      { scope: "percent", canaryPercent: "100" },
      "canaryPercent",
      "must be more than 0 and less than 100",
    ],
  ])("refuses %s, naming the field", async (_, overrides, field, message) => {
    const result = await request(people.olga, overrides);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.fieldErrors).toEqual({ [field]: [message] });
    expect(await sql().query(`SELECT 1 FROM reload_request`)).toEqual([]);
  });

  test("a rollback goes back to a version the resource ran, not to a new one", async () => {
    const unknown = await request(people.olga, { toVersion: "v9" }, "rollback");
    expect(unknown.ok).toBe(false);
    if (!unknown.ok)
      expect(unknown.error.fieldErrors?.toVersion?.[0]).toContain("v9 was never seen on config/routes.yaml");
    const back = await request(people.olga, { toVersion: "v0", scope: "all" }, "rollback");
    expect(back.ok).toBe(true);
  });

  test("a policy of no approvals approves at once and queues the dispatch", async () => {
    await sql().execute(`INSERT INTO approval_policy (service_id, required_approvals) VALUES ($1, 0)`, serviceId);
    const created = await made(people.olga);
    expect(created.status).toBe("approved");
    expect((await jobs("dispatch")).map((j) => j.data)).toEqual([{ requestId: created.requestId }]);
    const events = (await jobs("control-events"))[0]!.data.events!;
    expect(events.map((e) => e.phase)).toEqual(["requested", "approved"]);
  });

  test("a newer request supersedes one still waiting; one on its way makes the next wait", async () => {
    const first = await made(people.olga);
    const second = await made(people.oscar, { toVersion: "v3" });
    expect(await row(first.requestId)).toMatchObject({
      status: "cancelled",
      status_reason: `superseded by request #${second.requestId} (oscar)`,
    });
    const events = (await jobs("control-events")).flatMap((j) => j.data.events!);
    expect(events.find((e) => e.id === `rsreq-${first.requestId}-cancelled`)).toMatchObject({
      phase: "rejected",
      error: `not dispatched: superseded by request #${second.requestId}`,
    });

    expect((await decide(people.abe, second.requestId, "approved")).ok).toBe(true);
    const third = await request(people.olga, { toVersion: "v4" });
    expect(third.ok).toBe(false);
    if (!third.ok)
      expect(third.error.message).toBe(
        `Request #${second.requestId} for config/routes.yaml is approved; wait until its reload is under way before asking for another.`,
      );
  });
});

describe("deciding", () => {
  test("one approval approves and queues one dispatch; a second click is the same decision", async () => {
    const { requestId } = await made(people.olga);
    const first = await decide(people.abe, requestId, "approved", "looks right");
    expect(first).toMatchObject({
      ok: true,
      value: { data: { status: "approved", repeated: false, statusReason: "approved by abe" } },
    });
    const again = await decide(people.abe, requestId, "approved");
    expect(again).toMatchObject({ ok: true, value: { data: { status: "approved", repeated: true } } });
    expect(await sql().query(`SELECT approver_id, decision, comment FROM approval`)).toEqual([
      { approver_id: people.abe.id, decision: "approved", comment: "looks right" },
    ]);
    expect((await jobs("dispatch")).map((j) => j.data)).toEqual([{ requestId }]);
    const approvedEvents = (await jobs("control-events"))
      .flatMap((j) => j.data.events!)
      .filter((e) => e.phase === "approved");
    expect(approvedEvents).toEqual([
      expect.objectContaining({ id: `rsreq-${requestId}-approved-${people.abe.id}`, initiator: "abe" }),
    ]);

    const late = await decide(people.sam, requestId, "rejected", "too late");
    expect(late.ok).toBe(false);
    if (!late.ok)
      expect(late.error.message).toBe("This request is approved (approved by abe); it can no longer be decided.");
    const flip = await decide(people.abe, requestId, "rejected", "changed my mind");
    expect(flip.ok).toBe(false);
    if (!flip.ok)
      expect(flip.error.message).toBe("You already approved this request; a decision is not changed afterwards.");
  });

  test("two approvers needed: the first leaves it pending, the second approves", async () => {
    await sql().execute(`INSERT INTO approval_policy (service_id, required_approvals) VALUES ($1, 2)`, serviceId);
    const { requestId } = await made(people.olga);
    expect(await decide(people.abe, requestId, "approved")).toMatchObject({
      ok: true,
      value: { data: { status: "pending_approval", statusReason: "needs 1 more approval (1 of 2)" } },
    });
    expect(await jobs("dispatch")).toEqual([]);
    expect(await decide(people.sam, requestId, "approved")).toMatchObject({
      ok: true,
      value: { data: { status: "approved", statusReason: "approved by abe and sam" } },
    });
    expect(await jobs("dispatch")).toHaveLength(1);
  });

  test("a group policy refuses those outside it; a rejection by a member rejects", async () => {
    await sql().execute(
      `INSERT INTO approval_policy (service_id, required_approvals, required_group) VALUES ($1, 1, 'sre')`,
      serviceId,
    );
    const { requestId } = await made(people.olga);
    // A refusal on permission grounds (denied, the unauthorized-attempt signal), not a conflict.
    const outsider = decide(people.abe, requestId, "approved");
    await expect(outsider).rejects.toThrow(ActionDenied);
    await expect(outsider).rejects.toThrow(
      `this service's requests are decided by members of the group "sre", and you are not one`,
    );
    expect(await sql().query(`SELECT 1 FROM approval`)).toEqual([]);
    expect(await decide(people.sam, requestId, "rejected", "freeze week")).toMatchObject({
      ok: true,
      value: { data: { status: "rejected", statusReason: "rejected by sam: freeze week" } },
    });
    expect(await jobs("dispatch")).toEqual([]);
    const rejected = (await jobs("control-events"))
      .flatMap((j) => j.data.events!)
      .filter((e) => e.phase === "rejected");
    expect(rejected).toEqual([expect.objectContaining({ initiator: "sam" })]);
  });

  test("nobody decides their own request", async () => {
    const { requestId } = await made(people.ada);
    await expect(decide(people.ada, requestId, "approved")).rejects.toThrow(
      "denied: nobody may decide on their own request",
    );
  });

  test("the fleet moving underneath invalidates the request, and the approval is refused with the reason", async () => {
    const { requestId } = await made(people.olga);
    // Another pipeline moves routes.yaml to v5 after the request.
    await acceptEvents(scopedReload(SERVICE, "rl-v5", "config", "routes.yaml", "v1", "v5", 1, allAcked(PODS)));
    const change = await currentChange(sql(), requestId);
    expect(change).toEqual({
      valid: false,
      reason: "the fleet's version of config/routes.yaml changed underneath: v1 when requested, v5 now",
    });
    const refused = await decide(people.abe, requestId, "approved");
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.error.message).toContain(
        "no longer matches the fleet: the fleet's version of config/routes.yaml changed underneath: v1 when requested, v5 now",
      );
    expect(await row(requestId)).toMatchObject({
      status: "invalidated",
      status_reason: "the fleet's version of config/routes.yaml changed underneath: v1 when requested, v5 now",
    });
    expect(await sql().query(`SELECT 1 FROM approval`)).toEqual([]);
    expect(await jobs("dispatch")).toEqual([]);
    const [audit] = await sql().query<{ actor: string; action: string }[]>(
      `SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1`,
    );
    expect(audit).toEqual({ actor: "system", action: "request.invalidate" });
  });

  test("an instance leaving the scope invalidates too", async () => {
    const { requestId } = await made(people.olga, { scope: "all" });
    await sql().execute(
      `UPDATE instance_state SET last_phase_at = now() - interval '3 days' WHERE instance_id = (SELECT id FROM instance WHERE instance_key = 'checkout-api-3')`,
    );
    expect(await currentChange(sql(), requestId)).toEqual({
      valid: false,
      reason: "the instances in scope changed (no longer live: checkout-api-3)",
    });
  });

  test("the request's own approval and canary acks are not the fleet moving", async () => {
    const { requestId, reloadId } = await made(people.olga);
    expect((await decide(people.abe, requestId, "approved")).ok).toBe(true);
    await ingestQueuedControlEvents();
    // Its approval made v2 desired …
    expect(await sql().query(`SELECT version, reload_id FROM desired_version`)).toEqual([
      { version: "v2", reload_id: reloadId },
    ]);
    // … and its canary acked v2.
    const control = {
      ...SERVICE,
      reloadId,
      kind: "config",
      resource: "routes.yaml",
      fromVersion: "v1",
      toVersion: "v2",
    };
    // The dispatch is the app's own event (an ingest token may not write it for this reload).
    await ingestControlEvents({
      events: [
        event({
          ...control,
          instance: null,
          phase: "dispatched",
          targets: ["checkout-api-1"],
          occurredAt: minutesAgo(0.5),
        }),
      ],
    });
    await acceptEvents([
      event({ ...control, instance: "checkout-api-1", phase: "acked", occurredAt: minutesAgo(0.4) }),
    ]);
    expect(await currentChange(sql(), requestId)).toEqual({ valid: true });
  });

  test("a request nobody decides expires, by system, with its reload cancelled", async () => {
    const { requestId } = await made(people.olga);
    expect(await expireRequests(new Date(Date.now() + 14 * 60_000))).toBe(0);
    expect(await expireRequests(new Date(Date.now() + 16 * 60_000))).toBe(1);
    expect(await row(requestId)).toMatchObject({
      status: "expired",
      status_reason: "nobody decided on it within its time limit",
    });
    const [audit] = await sql().query<{ actor: string; action: string; subject: string }[]>(
      `SELECT actor, action, subject FROM audit_log ORDER BY id DESC LIMIT 1`,
    );
    expect(audit).toEqual({ actor: "system", action: "request.expire", subject: `reload_request:${requestId}` });
    const late = await decide(people.abe, requestId, "approved");
    expect(late.ok).toBe(false);
    // The worker runs at the (future) time the sweep expired it.
    await ingestQueuedControlEvents(new Date(Date.now() + 16 * 60_000));
    expect(
      await sql().query(
        `SELECT status FROM reload WHERE reload_id = (SELECT reload_id FROM reload_request WHERE id = $1::bigint)`,
        requestId,
      ),
    ).toEqual([{ status: "rejected" }]);
  });

  test("approving after the time limit expires it instead", async () => {
    const { requestId } = await made(people.olga);
    const late = await decide(people.abe, requestId, "approved", "", new Date(Date.now() + 16 * 60_000));
    expect(late.ok).toBe(false);
    if (!late.ok)
      expect(late.error.message).toBe(
        "This request expired before it was decided; ask for it again if it is still wanted.",
      );
    expect((await row(requestId)).status).toBe("expired");
  });

  concurrencyTest("two approvers at the same instant: one decision each, one approval, one dispatch", async () => {
    const { requestId } = await made(people.olga);
    const results = await Promise.all([
      decide(people.abe, requestId, "approved"),
      decide(people.sam, requestId, "approved"),
      decide(people.abe, requestId, "approved"),
    ]);
    const approvedNow = results.filter((r) => r.ok && !r.value.data.repeated && r.value.data.status === "approved");
    expect(approvedNow).toHaveLength(1);
    const rows = await sql().query<{ approver_id: number }[]>(`SELECT approver_id FROM approval ORDER BY approver_id`);
    expect(new Set(rows.map((r) => r.approver_id)).size).toBe(rows.length);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(await jobs("dispatch")).toHaveLength(1);
  });
});
