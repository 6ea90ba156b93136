import "server-only";
import { sql } from "@/lib/db/client";
import type { Role } from "@/lib/domain/permissions";

// OIDC users are app_user rows keyed by "<issuer>|<sub>" (the only identity an issuer
// promises to keep). Each sign-in stores the groups and the role they map to now, so the
// issuer decides OIDC users' roles; an admin can still disable the row.

export interface OidcSignIn {
  subject: string;
  /** preferred_username, else email, else sub */
  username: string;
  displayName: string;
  email: string | null;
  groups: string[];
  role: Role;
}

export async function upsertOidcUser(person: OidcSignIn): Promise<{ id: number; username: string; disabled: boolean; sessionEpoch: number }> {
  // The username is kept from the first sign-in. When it is taken by another user (a local
  // "admin", or a second issuer's "alice"), the row gets "<username>@<issuer host>", and a
  // short piece of the subject if even that is taken: never someone else's row.
  const host = hostOf(person.subject);
  const candidates = [person.username, `${person.username}@${host}`, `${person.username}@${host}#${shortHash(person.subject)}`];
  const [row] = await sql().query<{ id: number; username: string; disabled: boolean; session_epoch: number }[]>(
    `INSERT INTO app_user (username, display_name, email, oidc_subject, groups, role, last_sign_in_at)
     SELECT COALESCE(
              (SELECT c FROM unnest($1::text[]) WITH ORDINALITY AS u(c, n)
                WHERE NOT EXISTS (SELECT 1 FROM app_user WHERE username = u.c) ORDER BY n LIMIT 1),
              $1[3]),
            $2, $3, $4, $5::text[], $6, now()
     ON CONFLICT (oidc_subject) DO UPDATE
       SET display_name = EXCLUDED.display_name, email = EXCLUDED.email, groups = EXCLUDED.groups,
           role = EXCLUDED.role, last_sign_in_at = now()
     RETURNING id, username, disabled_at IS NOT NULL AS disabled, session_epoch`,
    candidates,
    person.displayName,
    person.email,
    person.subject,
    person.groups,
    person.role,
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
