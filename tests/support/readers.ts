// Who a test's direct call of a query module reads as. Every query starts with
// requireReader() (docs/adr/0017); outside a request there is no session, so a test names its
// reader, as a route handler does with runAsReader().
import type { Actor } from "@/lib/auth/actor";
import { runAsReader } from "@/lib/auth/require-actor";
import type { Role } from "@/lib/domain/permissions";

export function testActor(role: Role, id = 0): Actor {
  return { id, username: `test-${role}`, displayName: `test ${role}`, role, groups: [] };
}

/** Runs `work` as a signed-in viewer: what every role may read. */
export function asViewer<T>(work: () => T): T {
  return runAsReader({ kind: "user", actor: testActor("viewer") }, work);
}

/** Runs `work` as a signed-in admin: the admin pages' reads. */
export function asAdmin<T>(work: () => T): T {
  return runAsReader({ kind: "user", actor: testActor("admin") }, work);
}
