import "server-only";
import type { Sql } from "@/lib/db/client";
import { canonicalJson } from "@/lib/domain/canonical-json";
import type { RequestScope } from "@/lib/domain/canary";
import { changeHash, describeChangeMove, type ChangeSpec } from "@/lib/domain/change-hash";
import { loadResourceNow } from "@/lib/requests/resource-now";

// The change a request is bound to, read from the fleet as it is now (docs/adr/0015,
// "Approvals bound to the change"). The request stores the hash when it is made; approving
// recomputes it here, and dispatch (lib/dispatch) calls currentChange right before it sends.
// The fleet "now", without the request's own reload, is lib/requests/resource-now.ts.

interface StoredRequestRow {
  service_id: number;
  reload_id: string;
  kind: string;
  resource: string;
  from_version: string | null;
  to_version: string;
  scope: RequestScope;
  targets: string[];
  change_hash: string;
}

/** The change as stored with a request, and the same change as the fleet would give it now. */
export async function changesOf(
  tx: Sql,
  requestId: string,
  now = new Date(),
): Promise<{ stored: ChangeSpec; current: ChangeSpec; storedHash: string } | null> {
  const [r] = await tx.query<StoredRequestRow[]>(
    `SELECT service_id, reload_id, kind, resource, from_version, to_version, scope, targets, change_hash FROM reload_request WHERE id = $1::bigint`,
    requestId,
  );
  if (!r) return null;
  const fleet = await loadResourceNow(
    tx,
    { serviceId: r.service_id, kind: r.kind, resource: r.resource },
    { now, excludeReloadId: r.reload_id },
  );
  const base = { serviceId: r.service_id, kind: r.kind, resource: r.resource, to: r.to_version, scope: r.scope };
  return {
    stored: { ...base, from: r.from_version, targets: r.targets },
    current: { ...base, from: fleet.from, targets: fleet.instances.map((i) => i.instance) },
    storedHash: r.change_hash,
  };
}

/**
 * Whether a request's change still holds: the hash of the fleet as it is now against the
 * stored one. Invalid carries the reason in words (the version underneath moved, instances
 * in scope changed). The caller holds the request row's lock.
 */
export async function currentChange(
  tx: Sql,
  requestId: string,
): Promise<{ valid: true } | { valid: false; reason: string }> {
  const changes = await changesOf(tx, requestId);
  if (!changes) return { valid: false, reason: "the request no longer exists" };
  if (changeHash(changes.current) === changes.storedHash) return { valid: true };
  // The stored hash is of the stored change; a mismatch there would be a bug or tampering.
  if (changeHash(changes.stored) !== changes.storedHash)
    return { valid: false, reason: "the stored change does not match its hash" };
  return {
    valid: false,
    reason:
      describeChangeMove(changes.stored, changes.current) ??
      `the change differs (${canonicalJson(changes.current.scope)})`,
  };
}
