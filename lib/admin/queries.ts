import "server-only";
import { requireActor, requireActorWith, requireReader } from "@/lib/auth/require-actor";
import type { Actor } from "@/lib/auth/actor";
import { db, sql } from "@/lib/db/client";
import { can, isRole, type Action, type Role } from "@/lib/domain/permissions";

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
  const enabled = await db().appUser.findMany({ ...byName, where: { disabledAt: null }, take: LIST_LIMIT });
  const disabled =
    enabled.length < LIST_LIMIT
      ? await db().appUser.findMany({ ...byName, where: { disabledAt: { not: null } }, take: LIST_LIMIT - enabled.length })
      : [];
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

export async function listTokens(): Promise<Bounded<TokenRow>> {
  await requireActorWith("token.manage");
  const rows = await sql().query<
    {
      id: number;
      name: string;
      prefix: string;
      scopes: string[];
      restrictions: string[] | null;
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
      total: number;
    }[]
  >(
    `SELECT id, name, prefix, scopes, restrictions, created_at, last_used_at, revoked_at, count(*) OVER ()::int AS total
     FROM ingest_token ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC LIMIT $1`,
    LIST_LIMIT,
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      scopes: r.scopes,
      restrictions: r.restrictions,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
      configured: r.prefix.startsWith("(configured)"),
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

export async function listServiceOptions(): Promise<Bounded<ServiceOption>> {
  await requireReader();
  const rows = await sql().query<(ServiceOption & { total: number })[]>(
    `SELECT id, environment, namespace, name, count(*) OVER ()::int AS total
     FROM service ORDER BY environment, namespace, name LIMIT $1`,
    SERVICE_OPTIONS_LIMIT,
  );
  return { total: rows[0]?.total ?? 0, items: rows.map(({ total: _total, ...service }) => service) };
}

export interface ReloadTargetRow {
  service: ServiceOption;
  url: string;
  updatedAt: Date;
  /** username of who set it; null when that user is gone */
  updatedBy: string | null;
}

export async function listReloadTargets(): Promise<Bounded<ReloadTargetRow>> {
  await requireActorWith("target.manage");
  const rows = await sql().query<
    { id: number; environment: string; namespace: string; name: string; url: string; updated_at: Date; updated_by: string | null; total: number }[]
  >(
    `SELECT s.id, s.environment, s.namespace, s.name, t.url, t.updated_at, u.username AS updated_by, count(*) OVER ()::int AS total
     FROM reload_target t JOIN service s ON s.id = t.service_id LEFT JOIN app_user u ON u.id = t.updated_by
     ORDER BY s.environment, s.namespace, s.name LIMIT $1`,
    LIST_LIMIT,
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((r) => ({
      service: { id: r.id, environment: r.environment, namespace: r.namespace, name: r.name },
      url: r.url,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    })),
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
  const rows = await sql().query<
    {
      id: number;
      environment: string;
      namespace: string;
      name: string;
      required_approvals: number;
      required_group: string | null;
      updated_at: Date;
      updated_by: string | null;
      eligible: number;
      total: number;
    }[]
  >(
    `SELECT s.id, s.environment, s.namespace, s.name, p.required_approvals, p.required_group, p.updated_at,
            u.username AS updated_by,
            (SELECT count(*)::int FROM app_user a
              WHERE a.role IN ('approver', 'admin') AND a.disabled_at IS NULL
                AND (p.required_group IS NULL OR p.required_group = ANY (a.groups))) AS eligible,
            count(*) OVER ()::int AS total
     FROM approval_policy p JOIN service s ON s.id = p.service_id LEFT JOIN app_user u ON u.id = p.updated_by
     ORDER BY s.environment, s.namespace, s.name LIMIT $1`,
    LIST_LIMIT,
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((r) => ({
      service: { id: r.id, environment: r.environment, namespace: r.namespace, name: r.name },
      requiredApprovals: r.required_approvals,
      requiredGroup: r.required_group,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
      eligibleApprovers: r.eligible,
    })),
  };
}

/** Groups already in use (users' groups), offered as suggestions in the policy form. */
export async function knownGroups(): Promise<string[]> {
  await requireActorWith("policy.manage");
  const rows = await sql().query<{ group: string }[]>(
    `SELECT DISTINCT g AS "group" FROM app_user, unnest(groups) AS g ORDER BY 1 LIMIT 200`,
  );
  return rows.map((r) => r.group);
}
