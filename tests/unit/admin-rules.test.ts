import { describe, expect, test } from "vitest";
import {
  checkTargetUrl,
  groupProblem,
  parseGroupList,
  passwordProblem,
  userChangeProblem,
  usernameProblem,
  type UserBeforeChange,
  type UserChange,
} from "@/lib/domain/admin-rules";

// The admin pages' pure rules (lib/domain/admin-rules.ts), one table each.

describe("usernameProblem", () => {
  test.each(["ada", "ops-oncall", "first.last", "svc_deploy2", "a".repeat(32)])("accepts %s", (name) => {
    expect(usernameProblem(name)).toBeNull();
  });
  test.each([
    ["ab", "at least 3"],
    ["a".repeat(33), "at most 32"],
    ["2fast", "Start with a lowercase letter"],
    [".hidden", "Start with a lowercase letter"],
    ["Alice", "Start with a lowercase letter"],
    ["alIce", "lowercase letters, digits"],
    ["ann smith", "lowercase letters, digits"],
    ["ann@corp", "lowercase letters, digits"],
    ["ünal", "Start with a lowercase letter"],
    ["system", "reserved"],
    ["anonymous", "reserved"],
  ])("refuses %j (%s)", (name, problem) => {
    expect(usernameProblem(name)).toContain(problem);
  });
});

describe("passwordProblem", () => {
  test.each([
    ["correct horse", undefined],
    ["x".repeat(12), "ada"],
    ["ops-is-in-here-ok", "ops"], // a 3-letter name is too common a word to refuse
    ["x".repeat(256), undefined],
  ])("accepts %j for %s", (password, username) => {
    expect(passwordProblem(password, username)).toBeNull();
  });
  test.each([
    ["", undefined, "at least 12"],
    ["eleven-char", undefined, "at least 12"],
    ["x".repeat(257), undefined, "at most 256"],
    [" ".repeat(12), undefined, "spaces only"],
    ["grace-Hopper-2026", "hopper", "username"],
  ])("refuses %j for %s (%s)", (password, username, problem) => {
    expect(passwordProblem(password, username)).toContain(problem);
  });
});

describe("groups", () => {
  test.each([
    ["", []],
    ["ops", ["ops"]],
    [" ops , sre,,ops ", ["ops", "sre"]],
    ["/platform/reload approvers, sre", ["/platform/reload approvers", "sre"]],
  ])("parseGroupList(%j)", (text, groups) => {
    expect(parseGroupList(text)).toEqual(groups);
  });
  test.each([
    ["payments-approvers", null],
    ["", "needs a name"],
    ["a,b", "commas"],
    ["tab\there", "control"],
    ["g".repeat(129), "at most 128"],
  ])("groupProblem(%j)", (group, problem) => {
    if (problem === null) expect(groupProblem(group)).toBeNull();
    else expect(groupProblem(group)).toContain(problem);
  });
});

describe("checkTargetUrl", () => {
  test.each([
    ["https://checkout.internal/reload", "https://checkout.internal/reload"],
    ["  https://checkout.internal:8443/hooks/reload?x=1  ", "https://checkout.internal:8443/hooks/reload?x=1"],
    ["HTTPS://Checkout.Internal", "https://checkout.internal/"],
    ["http://127.0.0.1:4010/reload", "http://127.0.0.1:4010/reload"],
    ["http://127.3.2.1/reload", "http://127.3.2.1/reload"],
    ["http://localhost:4010/reload", "http://localhost:4010/reload"],
    ["http://LOCALHOST/reload", "http://localhost/reload"],
    ["http://[::1]:4010/reload", "http://[::1]:4010/reload"],
    // Other spellings of loopback are normalised by the URL parser before the check.
    ["http://0x7f.1/reload", "http://127.0.0.1/reload"],
    ["http://2130706433/reload", "http://127.0.0.1/reload"],
  ])("accepts %j as %j", (raw, url) => {
    expect(checkTargetUrl(raw)).toEqual({ ok: true, url });
  });
  test.each([
    ["", "Enter the URL"],
    ["checkout.internal/reload", "full URL"],
    ["https://", "full URL"],
    ["ftp://checkout.internal/reload", "https://"],
    ["javascript:alert(1)", "https://"],
    ["http://checkout.internal/reload", "plain http is accepted only"],
    ["http://10.0.0.7/reload", "plain http is accepted only"],
    ["http://localhost.evil.example/reload", "plain http is accepted only"],
    ["http://127.0.0.1.nip.io/reload", "plain http is accepted only"],
    ["http://[::ffff:7f00:1]/reload", "plain http is accepted only"],
    ["https://user:pass@checkout.internal/reload", "credentials"],
    ["https://checkout.internal/reload#part", "fragment"],
    [`https://checkout.internal/${"a".repeat(2048)}`, "at most 2048"],
  ])("refuses %j (%s)", (raw, problem) => {
    const checked = checkTargetUrl(raw);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problem).toContain(problem);
  });
});

describe("userChangeProblem: nobody locks themselves out, and some admin always remains", () => {
  const ME = 1;
  const admin = (id: number, disabled = false): UserBeforeChange => ({ id, role: "admin", disabled });
  const operator = (id: number, disabled = false): UserBeforeChange => ({ id, role: "operator", disabled });
  const role = (r: "viewer" | "operator" | "approver" | "admin"): UserChange => ({ kind: "role", role: r });
  const disable: UserChange = { kind: "disable" };
  const enable: UserChange = { kind: "enable" };

  test.each<[string, UserBeforeChange, UserChange, number[], string | null]>([
    ["demote myself while another admin exists", admin(ME), role("operator"), [ME, 2], "your own admin role"],
    ["demote myself when I am the only admin", admin(ME), role("viewer"), [ME], "your own admin role"],
    ["disable myself", admin(ME), disable, [ME, 2], "disable your own account"],
    ["keep my own admin role (no change)", admin(ME), role("admin"), [ME], null],
    ["demote another admin", admin(2), role("approver"), [ME, 2], null],
    ["disable another admin", admin(2), disable, [ME, 2], null],
    ["promote an operator", operator(3), role("admin"), [ME], null],
    ["disable an operator", operator(3), disable, [ME], null],
    ["enable a disabled admin", admin(2, true), enable, [ME], null],
    ["promote a disabled operator", operator(3, true), role("admin"), [ME], null],
    // The race the roster lock turns into this case: the other admin already disabled me,
    // so I am no longer among the enabled admins when my change runs.
    ["disable the last enabled admin (the caller was disabled meanwhile)", admin(2), disable, [2], "no enabled admin"],
    [
      "demote the last enabled admin (the caller was demoted meanwhile)",
      admin(2),
      role("operator"),
      [2],
      "no enabled admin",
    ],
    [
      "promote a disabled user when there is no enabled admin left",
      operator(3, true),
      role("admin"),
      [],
      "no enabled admin",
    ],
    ["enable a disabled admin when there is none left (repairs)", admin(2, true), enable, [], null],
  ])("%s", (_name, target, change, enabledAdminIds, problem) => {
    const found = userChangeProblem({ actorId: ME, target, change, enabledAdminIds });
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});
