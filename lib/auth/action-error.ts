// An expected refusal from inside an action (kept apart from define-action.ts so the domain
// code that throws it — lib/admin, lib/approvals — can be imported by tests and scripts
// without pulling in next-auth and the session).

import type { Sql } from "@/lib/db/client";

export type ActionErrorCode = "unauthenticated" | "forbidden" | "invalid" | "not_found" | "conflict" | "failed";

/**
 * Rolled back, audited as failed, its message (and field errors) shown to the person who acted.
 * `alsoCommit` records what the refusal itself found out (a request found expired, or its
 * change moved underneath) in the failed audit entry's transaction, after the action's own
 * work was rolled back; it must re-check what it changes, since the action's locks are gone.
 */
export class ActionError extends Error {
  constructor(
    readonly code: Exclude<ActionErrorCode, "unauthenticated" | "forbidden">,
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
    readonly alsoCommit?: (tx: Sql) => Promise<void>,
  ) {
    super(message);
    this.name = "ActionError";
  }
}

/**
 * A refusal on permission grounds found inside the action, once the subject is loaded and
 * locked (an approver outside the group a service's policy names): rolled back and audited as
 * denied, the unauthorized-attempt signal, exactly like a refusal by authorize().
 */
export class ActionDenied extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ActionDenied";
  }
}
