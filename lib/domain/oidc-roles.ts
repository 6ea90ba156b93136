// Which Reloadscope role an OIDC user gets: the issuer's groups claim, mapped by OIDC_ROLE_MAP
// ("reload-admins=admin,reload-approvers=approver,sre=operator"). A user in several mapped
// groups gets the highest of their roles (ROLES order: viewer < operator < approver < admin);
// a user in none gets the default role, or is refused when the default is "none".
// Pure: parsed once from the environment, applied at every OIDC sign-in.
import { isRole, ROLES, type Role } from "./permissions";

export type RoleMap = ReadonlyMap<string, Role>;
export type DefaultRole = Role | "none";

export type RoleMapParse = { ok: true; map: RoleMap } | { ok: false; error: string };

/** Parses "group=role,group=role"; whitespace around names is ignored, an empty text is an empty map. */
export function parseRoleMap(text: string | undefined): RoleMapParse {
  const map = new Map<string, Role>();
  for (const raw of (text ?? "").split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    // The group is everything before the LAST "=", so a group name may itself contain "=" (LDAP DNs do).
    const at = entry.lastIndexOf("=");
    if (at <= 0) return { ok: false, error: `"${entry}" is not group=role` };
    const group = entry.slice(0, at).trim();
    const role = entry.slice(at + 1).trim();
    if (group === "") return { ok: false, error: `"${entry}" names no group` };
    if (!isRole(role)) return { ok: false, error: `"${role}" in "${entry}" is not a role (${ROLES.join(", ")})` };
    const earlier = map.get(group);
    if (earlier !== undefined && earlier !== role)
      return { ok: false, error: `group "${group}" is mapped to both ${earlier} and ${role}` };
    map.set(group, role);
  }
  return { ok: true, map };
}

/**
 * The groups a claim carries: issuers send an array of strings, a single string, or (some)
 * a space- or comma-separated string. Anything else carries no groups.
 */
export function groupsFromClaim(claim: unknown): string[] {
  const values = Array.isArray(claim) ? claim : typeof claim === "string" ? claim.split(/[\s,]+/) : [];
  const groups = values
    .filter((v): v is string => typeof v === "string")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  return [...new Set(groups)];
}

/** The role for these groups, or null when the user must be refused (no mapped group and default "none"). */
export function roleForGroups(groups: readonly string[], map: RoleMap, defaultRole: DefaultRole): Role | null {
  let best = -1;
  for (const group of groups) {
    const role = map.get(group);
    if (role !== undefined) best = Math.max(best, ROLES.indexOf(role));
  }
  if (best >= 0) return ROLES[best]!;
  return defaultRole === "none" ? null : defaultRole;
}
