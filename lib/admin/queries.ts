import "server-only";
import { requireActor, requireActorWith, requireReader } from "@/lib/auth/require-actor";
import type { Actor } from "@/lib/auth/actor";
import { db, sql } from "@/lib/db/client";
import { approverRefusal } from "@/lib/domain/approval-state";
import { can, isRole, ROLES, type Action, type Role } from "@/lib/domain/permissions";

// Reads for the admin pages. None of them returns a password hash, a token hash or a
// sealed secret: the lists say that a secret is set, never what it is.

/** The signed-in person when they may do `action`; null shows the "admins only" page. */
export async function adminFor(action: Action): Promise<Actor | null> {
  const actor = await requireActor();
  return can(actor.role, action) ? actor : null;
}

// Lists are bounded: a page of thousands of rows helps nobody, and the count says when
// more exist.
const LIST_LIMIT = 500;

export interface Bounded<T> {
  items: T[];
  total: number;
}

export interface UserRow {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  source: "local" | "oidc";
  groups: string[];
  createdAt: Date;
  lastSignInAt: Date | null;
  disabledAt: Date | null;
}

const USER_COLUMNS = {
  id: true,
  username: true,
  displayName: true,
  role: true,
  oidcSubject: true,
  groups: true,
  createdAt: true,
  lastSignInAt: true,
  disabledAt: true,
} as const;

/** Enabled users first, then disabled ones, each by username. */
export async function listUsers(): Promise<Bounded<UserRow>> {
  await requireActorWith("user.manage");
  const byName = { orderBy: { username: "asc" }, select: USER_COLUMNS } as const;
  const users = (where: { disabledAt: null | { not: null } }, take: number) =>
    take > 0 ? db().appUser.findMany({ ...byName, where, take }) : Promise.resolve([]);
  const enabled = await users({ disabledAt: null }, LIST_LIMIT);
  const disabled = await users({ disabledAt: { not: null } }, LIST_LIMIT - enabled.length);
  return {
    total: await db().appUser.count(),
    items: [...enabled, ...disabled].map(({ oidcSubject, role, ...user }) => ({
      ...user,
      role: isRole(role) ? role : "viewer",
      source: oidcSubject === null ? "local" : "oidc",
    })),
  };
}

export interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  /** environment/service patterns; null = every service */
  restrictions: string[] | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  /** stored by a process (INGEST_TOKEN, the demo's run token) rather than made by a person */
  configured: boolean;
}

const TOKEN_COLUMNS = {
  id: true,
  name: true,
  prefix: true,
  scopes: true,
  restrictions: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

/** Live tokens first, then revoked ones, each newest first; never a token's hash. */
export async function listTokens(): Promise<Bounded<TokenRow>> {
  await requireActorWith("token.manage");
  const tokens = (where: { revokedAt: null | { not: null } }, take: number) =>
    take > 0
      ? db().ingestToken.findMany({
          where,
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          select: TOKEN_COLUMNS,
          take,
        })
      : Promise.resolve([]);
  const live = await tokens({ revokedAt: null }, LIST_LIMIT);
  const revoked = await tokens({ revokedAt: { not: null } }, LIST_LIMIT - live.length);
  return {
    total: await db().ingestToken.count(),
    items: [...live, ...revoked].map((t) => ({
      ...t,
      // The schema's check allows NULL (every service) or a non-empty list, so an empty list
      // read back is a NULL.
      restrictions: t.restrictions && t.restrictions.length > 0 ? t.restrictions : null,
      configured: t.prefix.startsWith("(configured)"),
    })),
  };
}

export interface ServiceOption {
  id: number;
  environment: string;
  namespace: string;
  name: string;
}

// The service pickers list every service up to this many; past it, the admin narrows by
// typing (the select is searchable by its first letters) — a fleet this large is the bench's.
const SERVICE_OPTIONS_LIMIT = 2000;

const SERVICE_OPTION = { id: true, environment: true, namespace: true, name: true } as const;
const BY_SERVICE_NAME = [{ environment: "asc" }, { namespace: "asc" }, { name: "asc" }] as const;

export async function listServiceOptions(): Promise<Bounded<ServiceOption>> {
  await requireReader();
  const items = await db().service.findMany({
    select: SERVICE_OPTION,
    orderBy: [...BY_SERVICE_NAME],
    take: SERVICE_OPTIONS_LIMIT,
  });
  return { total: await db().service.count(), items };
}

export interface ReloadTargetRow {
  service: ServiceOption;
  url: string;
  updatedAt: Date;
  /** username of who set it; null when that user is gone */
  updatedBy: string | null;
}

/** Targets and policies are listed by their service's name; who saved one last by username. */
const BY_SERVICE = BY_SERVICE_NAME.map((field) => ({ service: field }));
const SAVED = {
  service: { select: SERVICE_OPTION },
  updatedAt: true,
  updatedByUser: { select: { username: true } },
} as const;
const savedBy = (r: { updatedByUser: { username: string } | null }) => r.updatedByUser?.username ?? null;

export async function listReloadTargets(): Promise<Bounded<ReloadTargetRow>> {
  await requireActorWith("target.manage");
  const select = { ...SAVED, url: true };
  const rows = await db().reloadTarget.findMany({ select, orderBy: BY_SERVICE, take: LIST_LIMIT });
  return {
    total: await db().reloadTarget.count(),
    items: rows.map((r) => ({ service: r.service, url: r.url, updatedAt: r.updatedAt, updatedBy: savedBy(r) })),
  };
}

export interface ApprovalPolicyRow {
  service: ServiceOption;
  requiredApprovals: number;
  requiredGroup: string | null;
  updatedAt: Date;
  updatedBy: string | null;
  /** enabled approvers and admins who carry the required group (or all of them without one) */
  eligibleApprovers: number;
}

export async function listApprovalPolicies(): Promise<Bounded<ApprovalPolicyRow>> {
  await requireActorWith("policy.manage");
  const rows = await db().approvalPolicy.findMany({
    select: { ...SAVED, requiredApprovals: true, requiredGroup: true },
    orderBy: BY_SERVICE,
    take: LIST_LIMIT,
  });
  // Who may decide under each policy: enabled users whose role may approve (the permission
  // table), counted by the rule that keeps a decision from counting (approverRefusal); there is
  // no request here, so nobody is its requester.
  const approvers = await db().appUser.findMany({
    where: { disabledAt: null, role: { in: ROLES.filter((role) => can(role, "request.approve")) } },
    select: { id: true, groups: true },
  });
  const eligible = (group: string | null) =>
    approvers.filter((a) => approverRefusal({ required: 0, group }, NO_REQUESTER, a) === null).length;
  return {
    total: await db().approvalPolicy.count(),
    items: rows.map((r) => ({
      service: r.service,
      requiredApprovals: r.requiredApprovals,
      requiredGroup: r.requiredGroup,
      updatedAt: r.updatedAt,
      updatedBy: savedBy(r),
      eligibleApprovers: eligible(r.requiredGroup),
    })),
  };
}

/** An id no user has (ids start at 1). */
const NO_REQUESTER = 0;

/** Groups already in use (users' groups), offered as suggestions in the policy form. */
export async function knownGroups(): Promise<string[]> {
  await requireActorWith("policy.manage");
  const rows = await sql().query<{ group: string }[]>(
    `SELECT DISTINCT g AS "group" FROM app_user, unnest(groups) AS g ORDER BY 1 LIMIT 200`,
  );
  return rows.map((r) => r.group);
}
