import "server-only";
import { transaction, type Sql } from "@/lib/db/client";
import { column, sqlParams } from "@/lib/db/sql-params";
import { isReservedUsername, leavesNoEnabledAdmin } from "@/lib/domain/admin-rules";
import type { Role } from "@/lib/domain/permissions";
import { signInNameProblem } from "@/lib/domain/sign-in";
import { enabledAdminIds, lockUserRoster } from "./user-roster";

// OIDC users are app_user rows keyed by "<issuer>|<sub>" (the only identity an issuer
// promises to keep). Each sign-in stores the groups and the role they map to now, so the
// issuer decides OIDC users' roles; an admin can still disable the row. Only the last-admin
// guard of the admin pages overrides the issuer: see LastEnabledAdminError.

/**
 * The issuer no longer maps the last enabled admin to admin. The sign-in is refused and the
 * row keeps its role, rather than leaving nobody who can manage users: putting the person
 * back in the admin group, or making another admin first, ends it.
 */
export class LastEnabledAdminError extends Error {
  constructor(
    readonly userId: number,
    readonly username: string,
  ) {
    super("the last enabled admin cannot lose the admin role");
  }
}

export interface OidcSignIn {
  subject: string;
  /** preferred_username, else email, else sub */
  username: string;
  displayName: string;
  email: string | null;
  groups: string[];
  role: Role;
}

export async function upsertOidcUser(
  person: OidcSignIn,
): Promise<{ id: number; username: string; disabled: boolean; sessionEpoch: number }> {
  // The username is kept from the first sign-in. When it is taken by another user (a local
  // "admin", or a second issuer's "alice"), or reserved for the app's own audit entries
  // ("system"), the row gets "<username>@<issuer host>", and a short piece of the subject if
  // even that is taken: never someone else's row, never a name the audit log uses for itself.
  // A name no one could type at sign-in (control characters, no letters) is replaced whole.
  const host = hostOf(person.subject);
  const base = signInNameProblem(person.username) === null ? person.username : `user-${shortHash(person.subject)}`;
  const candidates = [
    isReservedUsername(base) ? null : base,
    `${base}@${host}`,
    `${base}@${host}#${shortHash(person.subject)}`,
  ];
  // The roster lock and guard of the admin pages (./user-roster.ts): two sign-ins, or a
  // sign-in and an admin's change, cannot together leave no enabled admin.
  return transaction(async (tx) => {
    await lockUserRoster(tx);
    const [existing] = await tx.query<{ id: number; username: string; role: string; disabled: boolean }[]>(
      `SELECT id, username, role, disabled_at IS NOT NULL AS disabled FROM app_user WHERE oidc_subject = $1 FOR UPDATE`,
      person.subject,
    );
    // Only a demotion of an enabled admin can empty the roster (a fleet with no admin at all
    // must still let its OIDC users in, so the guard asks nothing of anyone else).
    if (existing && existing.role === "admin" && !existing.disabled && person.role !== "admin") {
      const target = { id: existing.id, role: "admin" as const, disabled: false };
      if (
        leavesNoEnabledAdmin({
          target,
          change: { kind: "role", role: person.role },
          enabledAdminIds: await enabledAdminIds(tx),
        })
      ) {
        throw new LastEnabledAdminError(existing.id, existing.username);
      }
    }
    return upsertIn(tx, person, candidates);
  });
}

async function upsertIn(
  tx: Sql,
  person: OidcSignIn,
  candidates: (string | null)[],
): Promise<{ id: number; username: string; disabled: boolean; sessionEpoch: number }> {
  const q = sqlParams();
  const u = q.unnest({ c: column.text(candidates) });
  const [displayName, email, subject, groups, role] = [
    q.value(person.displayName),
    q.value(person.email),
    q.value(person.subject),
    q.value(person.groups, "text[]"),
    q.value(person.role),
  ];
  const [row] = await tx.query<{ id: number; username: string; disabled: boolean; session_epoch: number }[]>(
    `INSERT INTO app_user (username, display_name, email, oidc_subject, groups, role, last_sign_in_at)
     SELECT COALESCE(
              (SELECT c FROM ${u.as("u", { ordinality: "n" })}
                WHERE u.c IS NOT NULL AND NOT EXISTS (SELECT 1 FROM app_user WHERE username = u.c) ORDER BY n LIMIT 1),
              (${u.param("c")})[3]),
            ${displayName}, ${email}, ${subject}, ${groups}, ${role}, now()
     ON CONFLICT (oidc_subject) DO UPDATE
       SET display_name = EXCLUDED.display_name, email = EXCLUDED.email, groups = EXCLUDED.groups,
           role = EXCLUDED.role, last_sign_in_at = now()
     RETURNING id, username, disabled_at IS NOT NULL AS disabled, session_epoch`,
    ...q.values,
  );
  return { id: row!.id, username: row!.username, disabled: row!.disabled, sessionEpoch: row!.session_epoch };
}

function hostOf(subject: string): string {
  const issuer = subject.slice(0, subject.lastIndexOf("|"));
  try {
    return new URL(issuer).host;
  } catch {
    return "oidc";
  }
}

function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}
