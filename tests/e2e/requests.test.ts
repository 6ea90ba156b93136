// Requests and approvals through the REAL server actions of the built app, over HTTP as a
// browser calls them (tests/support/server-actions.ts), signed in as the demo users: the
// role × action matrix with the audit entry of every attempt, one's own request, the approve
// race (policy 1 and 2, and a double click), an approval invalidated by the fleet moving
// underneath (events through POST /api/v1/events), and a viewer's forged call. What the
// database holds is read back through the app too: the audit CSV export, the evidence
// bundle, the request page.
import { beforeAll, describe, expect, inject, test } from "vitest";
import { ACTIONS, can, ROLES, type Action, type Role } from "@/lib/domain/permissions";
import type { ActionResult } from "@/lib/auth/define-action";
import { signInWithPassword } from "../support/auth-client";
import { ackedReload as ackedReloadOf, ingestInto } from "../support/e2e-events";
import { actionsIn, pageOf, callAction, formOf, reloadRequestFields } from "../support/server-actions";

const baseUrl = inject("baseUrl");
const token = inject("ingestToken");
const cookies = {} as Record<Role, string>;
const RUN = Date.now().toString(36);

// The request forms call their `…FromForm` adapters (a FormData), the decision buttons the plain actions.
const REQUEST_RELOAD = { file: "lib/requests/actions/request-reload.ts", exportedName: "requestReloadFromForm" };
const REQUEST_ROLLBACK = { file: "lib/requests/actions/request-rollback.ts", exportedName: "requestRollbackFromForm" };
const APPROVE = { file: "lib/approvals/actions/approve-request.ts", exportedName: "approveRequest" };
const REJECT = { file: "lib/approvals/actions/reject-request.ts", exportedName: "rejectRequest" };
const SAVE_POLICY = { file: "lib/admin/actions/save-approval-policy.ts", exportedName: "saveApprovalPolicyForm" };

beforeAll(async () => {
  for (const role of ROLES) cookies[role] = await signInWithPassword(baseUrl, role, inject("demoPassword"));
});

type Call = { file: string; exportedName: string };
/** Calls the action as its page does: a form adapter gets (previous state, the form's fields), a plain action its input. */
const act = <T = Record<string, unknown>>(
  role: Role,
  action: Call,
  input: Record<string, string | number>,
  page: string,
) =>
  callAction<T>({
    baseUrl,
    page,
    cookie: cookies[role],
    ...action,
    args: /Form$/.test(action.exportedName) ? [null, formOf(input)] : [input],
  });

const ingest = (events: Record<string, unknown>[]) => ingestInto(baseUrl, token, events);

let eventCounter = 0;

/** A reload of every pod to `to`, acked by all, `minutesAgo` minutes ago. */
const ackedReload = (service: string, pods: string[], reloadId: string, from: string, to: string, minutesAgo: number) =>
  ackedReloadOf({
    service: { environment: "e2e", namespace: "requests", service },
    pods,
    reloadId,
    from,
    to,
    minutesAgo,
    id: () => `e2e-req-${RUN}-${++eventCounter}`,
  });

/** A service of four pods on v1 (desired, acked everywhere after v0), made through ingest; its id from its reload's page. */
async function makeService(label: string): Promise<{ id: number; name: string; pods: string[] }> {
  const name = `req-${label}-${RUN}`;
  const pods = [1, 2, 3, 4].map((i) => `${name}-pod-${i}`);
  await ingest([
    ...ackedReload(name, pods, `rl-${name}-v0`, "vnone", "v0", 20),
    ...ackedReload(name, pods, `rl-${name}-v1`, "v0", "v1", 10),
  ]);
  const list = await fetch(`${baseUrl}/api/v1/reloads?reloadId=rl-${name}-v1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { items } = (await list.json()) as { items: { key: string }[] };
  const page = await fetch(`${baseUrl}/reloads/${items[0]!.key}`, { headers: { cookie: cookies.admin } });
  const id = Number(/href="\/services\/(\d+)"/.exec(await page.text())?.[1]);
  expect(id).toBeGreaterThan(0);
  return { id, name, pods };
}

async function setPolicy(serviceId: number, requiredApprovals: number) {
  expect(
    await act("admin", SAVE_POLICY, { serviceId, requiredApprovals, requiredGroup: "" }, "/admin/policies"),
  ).toMatchObject({ ok: true });
}

const reloadInput = (serviceId: number, toVersion: string, extra: Record<string, unknown> = {}) => ({
  ...reloadRequestFields(serviceId, toVersion, "e2e: new routes"),
  ...extra,
});

async function requestAs(role: Role, serviceId: number, toVersion: string): Promise<string> {
  const made = await act<{ requestId: string }>(
    role,
    REQUEST_RELOAD,
    reloadInput(serviceId, toVersion),
    `/services/${serviceId}`,
  );
  if (!made.ok) throw new Error(`request refused: ${made.error}`);
  return made.data.requestId;
}

// ——— the audit log, read back through its CSV export ———

interface AuditRow {
  id: number;
  actor: string;
  action: string;
  outcome: string;
  subject: string;
  details: Record<string, unknown>;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (row.push(cell), (cell = ""));
    else if (c === "\r") continue;
    else if (c === "\n") (row.push(cell), rows.push(row), (row = []), (cell = ""));
    else cell += c;
  }
  return rows;
}

async function auditEntries(filters: Record<string, string>): Promise<AuditRow[]> {
  const response = await fetch(`${baseUrl}/api/audit/export?${new URLSearchParams(filters)}`, {
    headers: { cookie: cookies.viewer },
  });
  expect(response.status).toBe(200);
  const [header, ...rows] = parseCsv(await response.text());
  const col = (name: string) => header!.indexOf(name);
  return rows.map((r) => ({
    id: Number(r[col("id")]),
    actor: r[col("actor")]!,
    action: r[col("action")]!,
    outcome: r[col("outcome")]!,
    subject: r[col("subject")]!,
    details: JSON.parse(r[col("details")] || "{}") as Record<string, unknown>,
  }));
}

/** The newest entry for this person and action, which must be newer than `after`. */
async function lastAudit(role: Role, action: string, after: number): Promise<AuditRow> {
  const [entry] = await auditEntries({ actor: role, action });
  expect(entry, `no audit entry for ${role} ${action}`).toBeDefined();
  expect(entry!.id).toBeGreaterThan(after);
  return entry!;
}

async function newestAuditId(): Promise<number> {
  const [entry] = await auditEntries({});
  return entry?.id ?? 0;
}

// ——— the tests ———

describe("the role × action matrix, through the real server actions", () => {
  test("request reload, request rollback, approve and reject: every role, its result and its audit entry", async () => {
    const svc = await makeService("matrix");
    // Two approvals needed: an approval leaves the request waiting, so the next request replaces it.
    await setPolicy(svc.id, 2);
    let version = 10;
    for (const role of ROLES) {
      const cases: [Action, () => Promise<ActionResult<Record<string, unknown>>>][] = [
        [
          "reload.request",
          () => act(role, REQUEST_RELOAD, reloadInput(svc.id, `v${version++}`), `/services/${svc.id}`),
        ],
        [
          "rollback.request",
          () => act(role, REQUEST_ROLLBACK, reloadInput(svc.id, "v0", { scope: "all" }), `/services/${svc.id}`),
        ],
        [
          "request.approve",
          async () =>
            act(
              role,
              APPROVE,
              { requestId: await requestAs("operator", svc.id, `v${version++}`), comment: "ok" },
              "/approvals",
            ),
        ],
        [
          "request.reject",
          async () =>
            act(
              role,
              REJECT,
              { requestId: await requestAs("operator", svc.id, `v${version++}`), comment: "not now" },
              "/approvals",
            ),
        ],
      ];
      for (const [permission, run] of cases) {
        const before = await newestAuditId();
        const result = await run();
        const entry = await lastAudit(role, permission, before);
        if (can(role, permission)) {
          expect(result, `${role} ${permission}`).toMatchObject({ ok: true });
          expect(entry.outcome, `${role} ${permission}`).toBe("allowed");
        } else {
          expect(result, `${role} ${permission}`).toMatchObject({ ok: false, code: "forbidden" });
          expect(entry.outcome, `${role} ${permission}`).toBe("denied");
          expect(String(entry.details.reason)).toContain(`role ${role} may not`);
        }
      }
    }
  });

  test("the admin, alert and audit actions in the build: each role allowed or denied as the permission table says, and audited", async () => {
    // Every other action file of the build, called with an empty input: a role the table
    // allows gets past the permission check (and is refused by zod, or acts harmlessly);
    // a role it does not allow is refused and the attempt is recorded as denied.
    const others: [string, string, Action][] = [
      // file, an export (for the reader), the permission
      ["lib/admin/actions/create-user.ts", "createUser", "user.manage"],
      ["lib/admin/actions/change-user-role.ts", "changeUserRole", "user.manage"],
      ["lib/admin/actions/create-token.ts", "createToken", "token.manage"],
      ["lib/admin/actions/save-reload-target.ts", "saveReloadTarget", "target.manage"],
      ["lib/admin/actions/save-approval-policy.ts", "saveApprovalPolicy", "policy.manage"],
      ["lib/alerts/actions/acknowledge-alert.ts", "acknowledgeAlert", "alert.acknowledge"],
      ["lib/alerts/actions/silence-alert.ts", "silenceAlert", "alert.silence"],
      ["lib/audit/actions/verify-chain.ts", "verifyChain", "audit.verify"],
    ];
    const inBuild = others.filter(([file]) => actionsIn(file).length > 0);
    // The admin pages' forms are in every build; alert actions once a page uses them.
    expect(inBuild.map(([file]) => file)).toEqual(expect.arrayContaining(others.slice(0, 5).map(([file]) => file)));
    for (const [file, , permission] of inBuild) {
      const exportedName = actionsIn(file)[0]!;
      expect(ACTIONS).toContain(permission);
      for (const role of ROLES) {
        const before = await newestAuditId();
        const result = await act(role, { file, exportedName }, {}, pageOf(file, exportedName));
        const entry = await lastAudit(role, permission, before);
        if (can(role, permission)) {
          expect(result.ok ? "ok" : result.code, `${role} ${exportedName}`).not.toBe("forbidden");
          expect(entry.outcome, `${role} ${exportedName}`).not.toBe("denied");
        } else {
          expect(result, `${role} ${exportedName}`).toMatchObject({ ok: false, code: "forbidden" });
          expect(entry.outcome, `${role} ${exportedName}`).toBe("denied");
        }
      }
    }
  });
});

describe("deciding", () => {
  test("approving one's own request is refused and audited as denied", async () => {
    const svc = await makeService("own");
    const requestId = await requestAs("admin", svc.id, "v2");
    const before = await newestAuditId();
    const result = await act("admin", APPROVE, { requestId, comment: "" }, "/approvals");
    expect(result).toEqual({
      ok: false,
      code: "forbidden",
      error: "Not allowed: nobody may decide on their own request.",
    });
    const entry = await lastAudit("admin", "request.approve", before);
    expect(entry).toMatchObject({ outcome: "denied", subject: `reload_request:${requestId}` });
    // The queue shows it to its requester without buttons.
    const page = await (await fetch(`${baseUrl}/approvals`, { headers: { cookie: cookies.admin } })).text();
    const item = page.slice(page.indexOf(`data-request="${requestId}"`));
    expect(item.slice(0, item.indexOf("</article>"))).toContain("data-own-request");
  });

  test("an approver outside the group a service's policy names is refused and audited as denied (the unauthorized-attempt signal)", async () => {
    const svc = await makeService("group");
    // The demo users belong to no group.
    expect(
      await act(
        "admin",
        SAVE_POLICY,
        { serviceId: svc.id, requiredApprovals: 1, requiredGroup: "sre-e2e" },
        "/admin/policies",
      ),
    ).toMatchObject({ ok: true });
    const requestId = await requestAs("operator", svc.id, "v2");
    const before = await newestAuditId();
    const result = await act("approver", APPROVE, { requestId, comment: "" }, "/approvals");
    expect(result).toEqual({
      ok: false,
      code: "forbidden",
      error: `Not allowed: this service's requests are decided by members of the group "sre-e2e", and you are not one.`,
    });
    const entry = await lastAudit("approver", "request.approve", before);
    expect(entry).toMatchObject({ outcome: "denied", subject: `reload_request:${requestId}` });
  });

  test.each([1, 2])(
    "the approve race, policy %i: concurrent clicks give one decision per person and one approval",
    async (required) => {
      const svc = await makeService(`race${required}`);
      await setPolicy(svc.id, required);
      const requestId = await requestAs("operator", svc.id, "v2");
      const click = (role: Role) =>
        act<{ status: string; repeated: boolean }>(role, APPROVE, { requestId, comment: `${role} ok` }, "/approvals");
      // Both approvers at the same instant, and the approver's double click.
      const results = await Promise.all([click("approver"), click("admin"), click("approver")]);
      const approvedNow = results.filter((r) => r.ok && r.data.status === "approved" && !r.data.repeated);
      expect(approvedNow).toHaveLength(1);
      if (required === 2) expect(results.filter((r) => r.ok)).toHaveLength(3);
      // The decisions as stored, through the evidence bundle once the request's events are on the timeline.
      const key = await reloadKeyOf(svc.name);
      const evidence = (await (
        await fetch(`${baseUrl}/api/reloads/${key}/evidence`, { headers: { cookie: cookies.viewer } })
      ).json()) as {
        approvals: { approver: string; decision: string; matchesRequest: boolean }[];
        controlPlaneEvents: { id: string; phase: string }[];
      };
      const approvers = evidence.approvals.map((a) => a.approver);
      expect(new Set(approvers).size).toBe(approvers.length);
      expect(approvers.length).toBe(required === 1 ? 1 : 2);
      expect(evidence.approvals.every((a) => a.decision === "approved" && a.matchesRequest)).toBe(true);
      await expect
        .poll(
          async () => {
            const again = (await (
              await fetch(`${baseUrl}/api/reloads/${key}/evidence`, { headers: { cookie: cookies.viewer } })
            ).json()) as typeof evidence;
            return again.controlPlaneEvents.filter((e) => e.phase === "approved").length;
          },
          { timeout: 20_000 },
        )
        .toBe(1);
    },
  );

  test("an approval is refused when the fleet's version moved underneath, and the request says why", async () => {
    const svc = await makeService("underneath");
    const requestId = await requestAs("operator", svc.id, "v2");
    // Another pipeline moves routes.yaml to v5 everywhere after the request.
    await ingest(ackedReload(svc.name, svc.pods, `rl-${svc.name}-v5`, "v1", "v5", 0.2));
    const result = await act("approver", APPROVE, { requestId, comment: "" }, "/approvals");
    expect(result).toMatchObject({ ok: false, code: "conflict" });
    if (!result.ok)
      expect(result.error).toContain(
        "the fleet's version of config/routes.yaml changed underneath: v1 when requested, v5 now",
      );
    const page = await (
      await fetch(`${baseUrl}/approvals/${requestId}`, { headers: { cookie: cookies.viewer } })
    ).text();
    expect(page).toContain('data-request-status="invalidated"');
    expect(page).toContain("changed underneath: v1 when requested, v5 now");
    const [invalidation] = await auditEntries({ actor: "system", subject: `reload_request:${requestId}` });
    expect(invalidation).toMatchObject({ action: "request.invalidate", outcome: "allowed" });
  });
});

describe("who sees what", () => {
  test("a viewer sees no request button, an approver sees it disabled, an operator gets the forms", async () => {
    const svc = await makeService("buttons");
    const page = async (role: Role) =>
      (await fetch(`${baseUrl}/services/${svc.id}`, { headers: { cookie: cookies[role] } })).text();
    const viewer = await page("viewer");
    expect(viewer).not.toContain("data-request-panel");
    expect(viewer).not.toContain("Request reload");
    expect(await page("approver")).toContain('data-request-panel="disabled"');
    expect(await page("approver")).toContain("operators and admins request reloads");
    const operator = await page("operator");
    expect(operator).toContain('data-request-form="reload"');
    expect(operator).toContain('data-request-form="rollback"');
    // The rollback proposes v0, the last version acked before v1, with its pre-flight.
    expect(operator).toContain('data-rollback-proposal="v0"');
    expect(operator).toContain('data-preflight="v0"');
  });

  test("a viewer's forged call to request a reload is refused and audited as denied", async () => {
    const svc = await makeService("forged");
    const before = await newestAuditId();
    const result = await act("viewer", REQUEST_RELOAD, reloadInput(svc.id, "v2"), `/services/${svc.id}`);
    expect(result).toEqual({
      ok: false,
      code: "forbidden",
      error: "Not allowed: role viewer may not request a reload.",
    });
    const entry = await lastAudit("viewer", "reload.request", before);
    expect(entry).toMatchObject({ outcome: "denied", details: { reason: "role viewer may not request a reload" } });
    // And nothing was requested.
    const approvals = await (await fetch(`${baseUrl}/approvals`, { headers: { cookie: cookies.approver } })).text();
    expect(approvals).not.toContain(svc.name);
  });
});

/** The reload's key once its `requested` event is on the timeline (the worker ingests it). */
async function reloadKeyOf(serviceName: string): Promise<string> {
  let key: string | undefined;
  await expect
    .poll(
      async () => {
        const list = await fetch(`${baseUrl}/api/v1/reloads?service=${serviceName}&limit=10`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const { items } = (await list.json()) as { items: { key: string; reloadId: string }[] };
        key = items.find((r) => r.reloadId.startsWith("rs-"))?.key;
        return key !== undefined;
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  return key!;
}
