import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { can, type Action } from "@/lib/domain/permissions";
import { currentActor, type Actor } from "./actor";
import { signInPath } from "./callback-url";
import { REQUESTED_PATH_HEADER } from "./gate";

// The one read gate of the data access layer (DESIGN.md "Roles", docs/adr/0017): every query
// module's exported read starts with `await requireReader()`, so data is never read for a
// caller nobody checked, whatever rendered the call (a page, a layout, a route handler, a
// server action). Pages get the signed-in user from the session cookie, as the database says
// now; route handlers that authenticated the caller themselves (a bearer token, or a session
// read off their Request) run their reads inside runAsReader().

/** Who reads: a signed-in user, or a bearer token with the read scope. */
export type Reader =
  | { kind: "user"; actor: Actor }
  | {
      kind: "token";
      tokenId: number;
      /** the token's environment/service patterns ("prod/*"); null = unrestricted */
      restrictions: string[] | null;
    }
  /** a script of this repository (the bench), never a request: what it reads is named */
  | { kind: "system"; purpose: string };

const established = new AsyncLocalStorage<Reader>();

/** Runs `work` with `reader` as the caller every read inside it sees. */
export function runAsReader<T>(reader: Reader, work: () => T): T {
  return established.run(reader, work);
}

// One session read per request, however many queries a page makes.
const sessionActor = cache(async (): Promise<Actor | null> => currentActor());

/**
 * The signed-in user of this page or action; a signed-out, disabled, reset or signed-off
 * session is sent to sign-in (a redirect thrown from wherever this runs, so nothing after
 * it renders).
 */
export async function requireActor(): Promise<Actor> {
  const reader = established.getStore();
  if (reader?.kind === "user") return reader.actor;
  const actor = await sessionActor();
  if (actor) return actor;
  let requested: string | null = null;
  try {
    requested = (await headers()).get(REQUESTED_PATH_HEADER);
  } catch {
    // outside a request (a script): no path to come back to
  }
  redirect(signInPath(requested ?? "/fleet"));
}

/** The caller of a read: the reader a route established, else the page's signed-in user (or a redirect to sign-in). */
export async function requireReader(): Promise<Reader> {
  const reader = established.getStore();
  if (reader) return reader;
  return { kind: "user", actor: await requireActor() };
}

/** A signed-in user's read that needs a permission (the admin lists): refused for tokens, scripts and other roles. */
export async function requireActorWith(action: Action): Promise<Actor> {
  const actor = await requireActor();
  if (!can(actor.role, action)) throw new ReadForbidden(action);
  return actor;
}

/** A read refused to a caller who is signed in but may not see it; pages check first and show "admins only". */
export class ReadForbidden extends Error {
  constructor(readonly action: Action) {
    super(`not allowed to read what ${action} needs`);
    this.name = "ReadForbidden";
  }
}
