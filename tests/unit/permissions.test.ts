import { describe, expect, test } from "vitest";
import { ACTIONS, ROLES, authorize, can, isRole, type Action, type Role } from "@/lib/domain/permissions";

// DESIGN.md "Roles", written out row by row: the table the product promises. authorize() and
// can() must agree with it for every role × action, and nothing else may be allowed.
const DESIGN_TABLE: [string, Action[], Role[]][] = [
  ["request a reload or a rollback", ["reload.request", "rollback.request"], ["operator", "admin"]],
  ["approve / reject a request", ["request.approve", "request.reject"], ["approver", "admin"]],
  ["acknowledge or silence an alert", ["alert.acknowledge", "alert.silence"], ["operator", "approver", "admin"]],
  [
    "manage users, roles, ingest tokens, reload targets, approval policies",
    ["user.manage", "token.manage", "target.manage", "policy.manage"],
    ["admin"],
  ],
  // configuration, like approval policies (DESIGN.md: only admin manages config)
  ["configure alert rules (thresholds, severity, on/off)", ["alert.configure"], ["admin"]],
  // a source is where the worker reads reloads from, with a token of its own: configuration too
  ["manage Prometheus sources", ["source.manage"], ["admin"]],
  ["see (and verify) the audit log", ["audit.verify"], ["viewer", "operator", "approver", "admin"]],
];

const expected = new Map<string, boolean>();
for (const [, actions, roles] of DESIGN_TABLE) {
  for (const action of actions) for (const role of ROLES) expected.set(`${role} ${action}`, roles.includes(role));
}

describe("the roles table", () => {
  test("covers every action exactly once", () => {
    const covered = DESIGN_TABLE.flatMap(([, actions]) => actions).sort();
    expect(covered).toEqual([...ACTIONS].sort());
  });

  test.each(ROLES.flatMap((role) => ACTIONS.map((action) => [role, action] as const)))("%s → %s", (role, action) => {
    const allowed = expected.get(`${role} ${action}`);
    expect(can(role, action)).toBe(allowed);
    const decision = authorize({ id: 7, role }, action, { requestedBy: 8 });
    expect(decision.allowed).toBe(allowed);
    if (!decision.allowed) expect(decision.reason).toContain(role);
  });
});

describe("authorize", () => {
  test.each(["request.approve", "request.reject"] as const)(
    "nobody may %s their own request, not even an admin",
    (action) => {
      for (const role of ["approver", "admin"] as const) {
        const decision = authorize({ id: 7, role }, action, { requestedBy: 7 });
        expect(decision).toEqual({ allowed: false, reason: "nobody may decide on their own request" });
      }
    },
  );

  test("an own request does not block other actions", () => {
    expect(authorize({ id: 7, role: "operator" }, "reload.request", { requestedBy: 7 }).allowed).toBe(true);
  });

  test("a signed-out caller may do nothing", () => {
    for (const action of ACTIONS) expect(authorize(null, action)).toEqual({ allowed: false, reason: "not signed in" });
  });

  test.each(["root", "Admin", "", "superuser", undefined, null, 3])("an unknown role %j gets nothing", (role) => {
    expect(isRole(role)).toBe(false);
    for (const action of ACTIONS) {
      expect(can(role as Role, action)).toBe(false);
      expect(authorize({ id: 1, role: role as Role }, action).allowed).toBe(false);
    }
  });
});
