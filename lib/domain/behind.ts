// "Behind": an instance × resource pair heard from within INSTANCE_STALE_SECONDS whose known
// version is not the desired one (the off-desired half of the drift rule, lib/domain/drift.ts,
// seen pair by pair). The service page's "behind only" view lists these so the lagging
// instance is found without scanning the instance table. Pure.

export interface BehindPair {
  instanceKey: string;
  kind: string;
  resource: string;
  /** the version the pair runs now */
  version: string;
  desired: string;
  /** when the pair moved to `version` */
  since: Date | null;
  /** when the desired version was set */
  desiredSetAt: Date;
  lastReportAt: Date;
}

export interface BehindRow extends BehindPair {
  /** When the pair fell behind: the later of its move and the desired version's setting. */
  behindSince: Date;
  behindMs: number;
}

export const BEHIND_SORTS = ["behind", "instance", "version"] as const;
export type BehindSort = (typeof BEHIND_SORTS)[number];

/**
 * The same "since" the drift rule's off-desired age takes (assessDrift): a pair that already ran
 * an old version is behind from the moment another version became desired; one that moved off
 * it later is behind from its move.
 */
export function behindSince(since: Date | null, desiredSetAt: Date): Date {
  return since && since > desiredSetAt ? since : desiredSetAt;
}

export function parseBehindSort(raw: string | string[] | undefined): BehindSort {
  const value = Array.isArray(raw) ? raw[0] : raw;
  return (BEHIND_SORTS as readonly string[]).includes(value ?? "") ? (value as BehindSort) : "behind";
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Rows for the view, in the chosen order: "behind" longest behind first; "instance" by
 * service.instance.id then resource; "version" by the version run (instances on one old
 * version together), longest behind first within it. Ties always end on instance and resource,
 * so the order is stable across renders.
 */
export function behindRows(pairs: readonly BehindPair[], sort: BehindSort, now: Date): BehindRow[] {
  const rows = pairs.map((p) => {
    const at = behindSince(p.since, p.desiredSetAt);
    return { ...p, behindSince: at, behindMs: Math.max(0, now.getTime() - at.getTime()) };
  });
  const tail = (a: BehindRow, b: BehindRow) =>
    byText(a.instanceKey, b.instanceKey) || byText(`${a.kind}/${a.resource}`, `${b.kind}/${b.resource}`);
  const order: Record<BehindSort, (a: BehindRow, b: BehindRow) => number> = {
    behind: (a, b) => b.behindMs - a.behindMs || tail(a, b),
    instance: tail,
    version: (a, b) => byText(a.version, b.version) || b.behindMs - a.behindMs || tail(a, b),
  };
  return rows.sort(order[sort]);
}
