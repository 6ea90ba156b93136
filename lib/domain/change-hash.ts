// The change an approval is bound to (docs/adr/0015): service, kind,
// resource, the version the fleet runs now (from), the target (to), the scope and the
// instances it names, hashed. An approval counts only while the hash of the fleet as it is
// now equals the hash stored with the request; anything that moves underneath (a newer
// reload, an instance gone or added) changes the hash and the request says why.
import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json";
import { sortInstanceKeys, type RequestScope } from "./canary";
export type { RequestScope } from "./canary";
import { compareCodePoints } from "./keys";

export interface ChangeSpec {
  serviceId: number;
  kind: string;
  resource: string;
  /** the version the fleet runs now (fromVersionOf); null when nothing reports one */
  from: string | null;
  to: string;
  scope: RequestScope;
  /** instance keys (service.instance.id) the request moves; order does not matter */
  targets: readonly string[];
}

/** sha256 of the canonical change; the same change always gives the same hash, whatever the targets' order. */
export function changeHash(change: ChangeSpec): string {
  const body = canonicalJson({
    serviceId: change.serviceId,
    kind: change.kind,
    resource: change.resource,
    from: change.from,
    to: change.to,
    scope: change.scope,
    targets: sortInstanceKeys(change.targets),
  });
  return createHash("sha256").update(body).digest("hex");
}

/**
 * The version a request moves the fleet away from: the desired version when there is one,
 * else the version most live instances run (ties to the first in code point order), else
 * null. Versions are opaque: never ordered by their text except to break a tie the same way
 * every time.
 */
export function fromVersionOf(desired: string | null, liveVersions: readonly (string | null)[]): string | null {
  if (desired !== null) return desired;
  const counts = new Map<string, number>();
  for (const v of liveVersions) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: [string, number] | null = null;
  for (const entry of counts) {
    if (!best || entry[1] > best[1] || (entry[1] === best[1] && compareCodePoints(entry[0], best[0]) < 0)) best = entry;
  }
  return best?.[0] ?? null;
}

/** Why two changes of the same request differ, in words for the request page; null when they do not. */
export function describeChangeMove(stored: ChangeSpec, now: ChangeSpec): string | null {
  const reasons: string[] = [];
  const what = `${stored.kind}/${stored.resource}`;
  if (stored.from !== now.from) {
    reasons.push(
      `the fleet's version of ${what} changed underneath: ${stored.from ?? "none"} when requested, ${now.from ?? "none"} now`,
    );
  }
  const before = new Set(stored.targets);
  const after = new Set(now.targets);
  const gone = sortInstanceKeys(stored.targets.filter((t) => !after.has(t)));
  const added = sortInstanceKeys(now.targets.filter((t) => !before.has(t)));
  if (gone.length > 0 || added.length > 0) {
    const parts = [];
    if (gone.length > 0) parts.push(`no longer live: ${listSome(gone)}`);
    if (added.length > 0) parts.push(`new: ${listSome(added)}`);
    reasons.push(`the instances in scope changed (${parts.join("; ")})`);
  }
  if (
    stored.to !== now.to ||
    canonicalJson(stored.scope) !== canonicalJson(now.scope) ||
    stored.serviceId !== now.serviceId ||
    what !== `${now.kind}/${now.resource}`
  ) {
    reasons.push("the requested change itself differs");
  }
  if (reasons.length === 0) return changeHash(stored) === changeHash(now) ? null : "the change differs";
  return reasons.join("; ");
}

function listSome(keys: string[], max = 5): string {
  return keys.length <= max ? keys.join(", ") : `${keys.slice(0, max).join(", ")} and ${keys.length - max} more`;
}
