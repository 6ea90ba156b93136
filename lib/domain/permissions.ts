// Who may do what: exactly the roles table of DESIGN.md ("Roles"). One pure function,
// `authorize`, decides every mutation; server actions call it first through
// lib/auth/define-action.ts (the routes that write are machine endpoints, which check a
// token's scope instead), and pages use `can` only to hide what a role cannot do (a
// courtesy: the server decides).

export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  "reload.request",
  "rollback.request",
  "request.approve",
  "request.reject",
  "alert.acknowledge",
  "alert.silence",
  "alert.configure",
  "user.manage",
  "token.manage",
  "target.manage",
  "policy.manage",
  "source.manage",
  "audit.verify",
] as const;
export type Action = (typeof ACTIONS)[number];

const ALLOWED: Record<Action, readonly Role[]> = {
  "reload.request": ["operator", "admin"],
  "rollback.request": ["operator", "admin"],
  "request.approve": ["approver", "admin"],
  "request.reject": ["approver", "admin"],
  "alert.acknowledge": ["operator", "approver", "admin"],
  "alert.silence": ["operator", "approver", "admin"],
  // Alert rules' thresholds and severities are configuration, like approval policies: admin only.
  "alert.configure": ["admin"],
  "user.manage": ["admin"],
  "token.manage": ["admin"],
  "target.manage": ["admin"],
  "policy.manage": ["admin"],
  "source.manage": ["admin"],
  // Verifying the chain only reads, but it is an action an auditor runs: everyone who may
  // see the audit log may run it, and it is recorded like the rest.
  "audit.verify": ["viewer", "operator", "approver", "admin"],
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role | null | undefined, action: Action): boolean {
  return role != null && ALLOWED[action].includes(role);
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

export interface Caller {
  id: number;
  role: Role;
}

/** What the request or decision acts on, when the rule needs it (never one's own request). */
export interface ActionSubject {
  requestedBy?: number;
}

/** The one authorization rule: role against the table, and never deciding on one's own request. */
export function authorize(caller: Caller | null, action: Action, subject: ActionSubject = {}): Decision {
  if (!caller) return { allowed: false, reason: "not signed in" };
  if (!can(caller.role, action)) {
    return { allowed: false, reason: `role ${caller.role} may not ${describeAction(action)}` };
  }
  if ((action === "request.approve" || action === "request.reject") && subject.requestedBy === caller.id) {
    return { allowed: false, reason: "nobody may decide on their own request" };
  }
  return { allowed: true };
}

const DESCRIPTIONS: Record<Action, string> = {
  "reload.request": "request a reload",
  "rollback.request": "request a rollback",
  "request.approve": "approve a request",
  "request.reject": "reject a request",
  "alert.acknowledge": "acknowledge an alert",
  "alert.silence": "silence an alert",
  "alert.configure": "configure alert rules",
  "user.manage": "manage users and roles",
  "token.manage": "manage ingest tokens",
  "target.manage": "manage reload targets",
  "policy.manage": "manage approval policies",
  "source.manage": "manage Prometheus sources",
  "audit.verify": "verify the audit chain",
};

export function describeAction(action: Action): string {
  return DESCRIPTIONS[action];
}

/** The roles that may perform an action, for "why is this disabled" hints. */
export function rolesAllowed(action: Action): readonly Role[] {
  return ALLOWED[action];
}
