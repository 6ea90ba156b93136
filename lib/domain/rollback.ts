// What a rollback proposes (DESIGN.md "Roles": request a rollback): the last version the fleet ran and acked before the
// current desired one, and a pre-flight of what it would do: which instances would move,
// and for each whether that version was ever acked there (a version an instance never
// confirmed is a version nobody knows it can run).

export interface ReloadHistoryEntry {
  reloadId: string;
  fromVersion: string | null;
  toVersion: string | null;
  /** instances that acked (or applied) this reload's toVersion */
  acked: number;
  /** when the reload began (its first event); history is ordered by it */
  at: Date;
}

export interface DesiredNow {
  version: string;
  /** the reload that set it */
  reloadId: string;
  setAt: Date;
}

export type RollbackProposal =
  | { version: string; basis: "acked"; reloadId: string; at: Date; explanation: string }
  | { version: string; basis: "previous"; reloadId: string; at: Date; explanation: string }
  | null;

/**
 * The version to propose, or null when there is nothing to go back to. `history` may come in
 * any order. The reload that set the desired version and every reload after it are not
 * "before"; of the earlier ones, the newest whose target some instance acked and which
 * differs from the desired version wins. When none was ever acked, the version the desired
 * reload moved from is proposed, said to be unconfirmed.
 */
export function proposeRollback(desired: DesiredNow | null, history: readonly ReloadHistoryEntry[]): RollbackProposal {
  if (!desired) return null;
  const newestFirst = [...history].sort(
    (a, b) => b.at.getTime() - a.at.getTime() || (a.reloadId < b.reloadId ? 1 : -1),
  );
  const setter = newestFirst.find((r) => r.reloadId === desired.reloadId);
  const cutoff = setter ? setter.at : desired.setAt;
  for (const r of newestFirst) {
    if (r.reloadId === desired.reloadId || r.at.getTime() > cutoff.getTime()) continue;
    if (r.acked > 0 && r.toVersion !== null && r.toVersion !== desired.version) {
      return {
        version: r.toVersion,
        basis: "acked",
        reloadId: r.reloadId,
        at: r.at,
        explanation: `the last version acked before ${desired.version} (reload ${r.reloadId}, ${r.acked} instance${r.acked === 1 ? "" : "s"} acked)`,
      };
    }
  }
  if (setter?.fromVersion && setter.fromVersion !== desired.version) {
    return {
      version: setter.fromVersion,
      basis: "previous",
      reloadId: setter.reloadId,
      at: setter.at,
      explanation: `the version reload ${setter.reloadId} moved from; no ack of it is on record`,
    };
  }
  return null;
}

export interface PreflightTarget {
  instance: string;
  /** the version it runs now (null: never reported one) */
  version: string | null;
}

export interface PreflightRow extends PreflightTarget {
  /** it runs something other than the rollback version, so the rollback would change it */
  moves: boolean;
  /**
   * it ran the rollback version at some point: acked or applied it, or reported running it in
   * a heartbeat (the version it ran that morning, before any reload, counts)
   */
  everAcked: boolean;
}

export interface Preflight {
  version: string;
  rows: PreflightRow[];
  moving: number;
  /** instances that would move to a version they never ran */
  movingUnconfirmed: number;
}

/** Which targets would move to `version`, and whether each ever ran it (`ranOn`); movers first, then by instance. */
export function rollbackPreflight(
  version: string,
  targets: readonly PreflightTarget[],
  ranOn: ReadonlySet<string>,
): Preflight {
  const rows = targets.map((t) => ({ ...t, moves: t.version !== version, everAcked: ranOn.has(t.instance) }));
  rows.sort(
    (a, b) => Number(b.moves) - Number(a.moves) || (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0),
  );
  const moving = rows.filter((r) => r.moves);
  return { version, rows, moving: moving.length, movingUnconfirmed: moving.filter((r) => !r.everAcked).length };
}

/**
 * Whether a past reload offers "roll back to this": it moved the resource to a version some
 * instance acked, and that version is not the desired one now (there is nothing to go back
 * to). The rollback action checks the version again on submit.
 */
export function offersRollbackTo(
  reload: { toVersion: string | null; acked: number },
  desired: string | null,
): reload is { toVersion: string; acked: number } {
  return reload.toVersion !== null && reload.acked > 0 && desired !== null && reload.toVersion !== desired;
}
