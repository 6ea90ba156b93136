// The rules behind the admin pages (DESIGN.md "Roles"), as pure functions: what a local username
// and password must be, which URLs a reload target may have, and which changes to a user
// would lock everyone out. The zod schemas (lib/admin/schemas.ts) and the transactional code
// (lib/admin/users.ts) call these; tests/unit/admin-rules.test.ts pins them.

import type { Role } from "./permissions";

// ---------------------------------------------------------------------------------------
// Local users

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 12;
// argon2 hashes whatever it is given; a bound keeps a huge form field from costing much.
export const PASSWORD_MAX = 256;

/** Names the app itself writes into the audit log's `actor` column; a person named so would be ambiguous there. */
export const RESERVED_USERNAMES: readonly string[] = ["system", "anonymous", "worker", "root", "unknown user"];

/** Whether a name (as an OIDC issuer may send it, in any case or padding) reads as one the app writes itself. */
export function isReservedUsername(username: string): boolean {
  return RESERVED_USERNAMES.includes(username.trim().toLowerCase());
}

export const USERNAME_RULE = `${USERNAME_MIN}–${USERNAME_MAX} characters: lowercase letters, digits, ".", "_" or "-", starting with a letter`;

/** Why a username cannot be used for a new local user, or null. Expects it trimmed. */
export function usernameProblem(username: string): string | null {
  if (username.length < USERNAME_MIN) return `Use at least ${USERNAME_MIN} characters.`;
  if (username.length > USERNAME_MAX) return `Use at most ${USERNAME_MAX} characters.`;
  if (!/^[a-z]/.test(username)) return "Start with a lowercase letter.";
  // Lowercase only: sign-in matches the name exactly, and "Alice" beside "alice" would be two people.
  if (!/^[a-z0-9._-]+$/.test(username)) return 'Use only lowercase letters, digits, ".", "_" and "-".';
  if (RESERVED_USERNAMES.includes(username)) return `"${username}" is reserved for entries the app writes itself.`;
  return null;
}

/** Why a password cannot be set, or null. */
export function passwordProblem(password: string, username?: string): string | null {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  if (password.trim() === "") return "A password of spaces only is not a password.";
  // From 4 characters: a 3-letter name ("ops") is too likely inside an unrelated passphrase.
  if (username && username.length >= 4 && password.toLowerCase().includes(username.toLowerCase())) {
    return "Do not put the username in the password.";
  }
  return null;
}

export const GROUP_MAX = 128;
export const GROUPS_MAX = 50;

/** Why a group name (as an OIDC issuer would send it, or an admin types it) cannot be used, or null. */
export function groupProblem(group: string): string | null {
  if (group.length === 0) return "A group needs a name.";
  if (group.length > GROUP_MAX) return `A group name has at most ${GROUP_MAX} characters.`;
  // Commas separate groups in the form; control characters would hide in lists.
  if (/[,\p{Cc}]/u.test(group)) return "A group name cannot contain commas or control characters.";
  return null;
}

/** "ops, sre ,ops" → ["ops", "sre"]: the form's comma-separated list, trimmed, blanks and repeats dropped. */
export function parseGroupList(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(",")) {
    const group = part.trim();
    if (group) seen.add(group);
  }
  return [...seen];
}

// ---------------------------------------------------------------------------------------
// The last-admin guard

export type UserChange = { kind: "role"; role: Role } | { kind: "disable" } | { kind: "enable" };

export interface UserBeforeChange {
  id: number;
  role: Role;
  disabled: boolean;
}

/**
 * Why an admin may not make this change, or null. Nobody removes their own admin role or
 * disables themselves (they would lose the page they are on, and no one could undo a
 * mistake made alone), and no change may leave zero enabled admins: with none, nobody could
 * ever manage users again without editing the database. `enabledAdminIds` are read under
 * the roster lock (lib/admin/users.ts), so two admins demoting each other at the same
 * instant cannot both succeed.
 */
export function userChangeProblem(args: {
  actorId: number;
  target: UserBeforeChange;
  change: UserChange;
  enabledAdminIds: readonly number[];
}): string | null {
  const { actorId, target, change, enabledAdminIds } = args;
  const self = target.id === actorId;
  if (self && change.kind === "role" && change.role !== "admin") {
    return "You cannot remove your own admin role: ask another admin to do it.";
  }
  if (self && change.kind === "disable") return "You cannot disable your own account: ask another admin to do it.";

  if (leavesNoEnabledAdmin({ target, change, enabledAdminIds })) {
    return "This would leave no enabled admin, and nobody could manage users any more. Make someone else an admin first.";
  }
  return null;
}

/** Whether the change leaves zero enabled admins; also guards the role an OIDC sign-in maps (lib/auth/oidc-users.ts). */
export function leavesNoEnabledAdmin(args: {
  target: UserBeforeChange;
  change: UserChange;
  enabledAdminIds: readonly number[];
}): boolean {
  const { target, change, enabledAdminIds } = args;
  const adminAfter =
    change.kind === "role"
      ? change.role === "admin" && !target.disabled
      : change.kind === "disable"
        ? false
        : target.role === "admin";
  const others = enabledAdminIds.filter((id) => id !== target.id).length;
  return others + (adminAfter ? 1 : 0) === 0;
}

// ---------------------------------------------------------------------------------------
// Reload targets

export const TARGET_URL_MAX = 2048;
export const TARGET_SECRET_MIN = 32;
export const TARGET_SECRET_MAX = 512;

/** Host names that never leave the machine, for which plain http is accepted. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Why plain http is refused elsewhere; the form says it beside the field. */
export const PLAIN_HTTP_REASON =
  "A reload request carries an HMAC signature that proves who sent it, but hides nothing: over plain http anyone on the " +
  "network path could read it, and replay a captured request. Plain http is accepted only for 127.0.0.1, localhost " +
  "and [::1], which never leave the machine (the demo's simulated endpoint, a local sidecar).";

export type TargetUrlCheck = { ok: true; url: string } | { ok: false; problem: string };

/** Checks a reload target URL and gives the normalised form that is stored and dispatched to. */
export function checkTargetUrl(raw: string): TargetUrlCheck {
  const text = raw.trim();
  if (text === "") return { ok: false, problem: "Enter the URL reloads are sent to." };
  if (text.length > TARGET_URL_MAX) return { ok: false, problem: `Use at most ${TARGET_URL_MAX} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: "Enter a full URL, such as https://checkout.internal/reload." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, problem: "Use an https:// URL." };
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    return { ok: false, problem: "Use https://: plain http is accepted only for 127.0.0.1, localhost and [::1]." };
  }
  if (url.username || url.password) {
    return {
      ok: false,
      problem:
        "Leave credentials out of the URL: the signature authenticates each request, and the URL is shown in lists.",
    };
  }
  if (url.hash) return { ok: false, problem: "Remove the #fragment: it is never sent to the server." };
  return { ok: true, url: url.href };
}

function isLoopback(hostname: string): boolean {
  // The URL parser has already normalised the host: lowercased, and IPv4 in any notation
  // (0x7f.1, 2130706433) written as dotted decimal, so these spellings cannot slip past.
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

// ---------------------------------------------------------------------------------------
// Approval policies

/** What a service without an approval_policy row needs (docs/adr/0015). */
export const DEFAULT_REQUIRED_APPROVALS = 1;
export const REQUIRED_APPROVAL_CHOICES = [0, 1, 2] as const;
