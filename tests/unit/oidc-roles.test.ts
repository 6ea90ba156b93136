import { describe, expect, test } from "vitest";
import { groupsFromClaim, parseRoleMap, roleForGroups, type DefaultRole, type RoleMap } from "@/lib/domain/oidc-roles";
import type { Role } from "@/lib/domain/permissions";

function mapOf(text: string): RoleMap {
  const parsed = parseRoleMap(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.map;
}

describe("parseRoleMap", () => {
  test.each<[string | undefined, [string, Role][]]>([
    [undefined, []],
    ["", []],
    ["reload-admins=admin", [["reload-admins", "admin"]]],
    [
      " reload-admins = admin , reload-approvers=approver,sre=operator ,",
      [
        ["reload-admins", "admin"],
        ["reload-approvers", "approver"],
        ["sre", "operator"],
      ],
    ],
  ])("%j", (text, entries) => {
    expect([...mapOf(text ?? "")]).toEqual(entries);
  });

  // LDAP-style group names carry "=": the role is after the last one.
  test("a group name containing '=' keeps it", () => {
    expect([...mapOf("team=sre=operator")]).toEqual([["team=sre", "operator"]]);
  });

  test.each([
    ["admins", '"admins" is not group=role'],
    ["=admin", '"=admin" is not group=role'],
    ["admins=root", '"root" in "admins=root" is not a role'],
    ["admins=Admin", '"Admin" in "admins=Admin" is not a role'],
    ["ops=operator,ops=admin", 'group "ops" is mapped to both operator and admin'],
    [" =admin", '"=admin" is not group=role'],
  ])("%j is refused: %s", (text, error) => {
    const parsed = parseRoleMap(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });

  test("the same mapping twice is not a conflict", () => {
    expect([...mapOf("ops=operator, ops=operator")]).toEqual([["ops", "operator"]]);
  });
});

describe("groupsFromClaim", () => {
  test.each<[unknown, string[]]>([
    [
      ["a", "b"],
      ["a", "b"],
    ],
    [
      ["a", "a", " b "],
      ["a", "b"],
    ],
    ["a", ["a"]],
    ["a b,c", ["a", "b", "c"]],
    [
      ["a", 3, null, "", "b"],
      ["a", "b"],
    ],
    [undefined, []],
    [null, []],
    [42, []],
    [{ a: true }, []],
  ])("%j → %j", (claim, groups) => {
    expect(groupsFromClaim(claim)).toEqual(groups);
  });
});

describe("roleForGroups", () => {
  const map = mapOf("reload-admins=admin,reload-approvers=approver,sre=operator,readers=viewer");
  test.each<[string[], DefaultRole, Role | null]>([
    [["sre"], "viewer", "operator"],
    [["reload-approvers"], "viewer", "approver"],
    [["reload-admins"], "none", "admin"],
    // the highest mapped role wins, whatever the order of the groups
    [["sre", "reload-approvers"], "viewer", "approver"],
    [["reload-approvers", "sre"], "viewer", "approver"],
    [["readers", "reload-admins", "sre"], "none", "admin"],
    [["readers"], "operator", "viewer"], // a mapped group beats the default, even a lower one
    // unmapped groups: the default, or refused
    [["marketing"], "viewer", "viewer"],
    [[], "viewer", "viewer"],
    [[], "operator", "operator"],
    [["marketing"], "none", null],
    [[], "none", null],
    // group names match exactly (no case folding: issuers treat them as identifiers)
    [["SRE"], "none", null],
  ])("%j with default %s → %s", (groups, defaultRole, role) => {
    expect(roleForGroups(groups, map, defaultRole)).toBe(role);
  });

  test("an empty map gives everyone the default", () => {
    expect(roleForGroups(["reload-admins"], mapOf(""), "viewer")).toBe("viewer");
    expect(roleForGroups(["reload-admins"], mapOf(""), "none")).toBeNull();
  });
});
