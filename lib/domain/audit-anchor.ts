// The audit log's anchor (docs/adr/0020): the chain's head (id, hash) written outside the
// database after appends, one JSON line each. A chain proves its entries agree with each
// other, not that none were cut off the end; an anchor the database's users cannot rewrite
// does: the anchored entry must still be there with the same hash, and the head must not be
// before it. Lines hold an id, a hash and a time, nothing of the entries themselves.

export interface AuditAnchor {
  id: string;
  hash: string;
  /** when the line was written (informational) */
  at?: string;
}

export interface AnchorProblem {
  kind: "deleted" | "missing" | "rewritten";
  /** the anchored entry's id */
  id: string;
  message: string;
}

const ID = /^[1-9][0-9]{0,18}$/;
const HASH = /^[0-9a-f]{64}$/;

export function formatAnchorLine(anchor: { id: string; hash: string }, at: Date): string {
  return `${JSON.stringify({ at: at.toISOString(), id: anchor.id, hash: anchor.hash })}\n`;
}

/** Anchors in `text` (lines of one or more anchor files, or of a log store's export); `unreadable` lists the 1-based numbers of other non-blank lines. */
export function parseAnchorLines(text: string): { anchors: AuditAnchor[]; unreadable: number[] } {
  const anchors: AuditAnchor[] = [];
  const unreadable: number[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      unreadable.push(index + 1);
      return;
    }
    const { id, hash, at } = (value ?? {}) as Record<string, unknown>;
    if (typeof id !== "string" || !ID.test(id) || typeof hash !== "string" || !HASH.test(hash)) {
      unreadable.push(index + 1);
      return;
    }
    anchors.push(typeof at === "string" ? { id, hash, at } : { id, hash });
  });
  return { anchors, unreadable };
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/**
 * What the anchors say about the log: `stored` maps the anchored ids still in the log to their
 * hashes, `headId` is the newest entry's id (null: the log is empty). Read the anchors before
 * the log, so every anchor names an entry that was committed before the log was read.
 */
export function compareWithAnchors(
  anchors: readonly AuditAnchor[],
  stored: ReadonlyMap<string, string>,
  headId: string | null,
): AnchorProblem[] {
  const head = headId === null ? 0n : BigInt(headId);
  const problems: AnchorProblem[] = [];
  let newestCut: AuditAnchor | null = null;
  const seen = new Set<string>();
  const ordered = [...anchors].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
  for (const anchor of ordered) {
    const key = `${anchor.id} ${anchor.hash}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (BigInt(anchor.id) > head) {
      newestCut = anchor;
      continue;
    }
    const hash = stored.get(anchor.id);
    if (hash === undefined)
      problems.push({ kind: "missing", id: anchor.id, message: `entry #${anchor.id} was anchored and is missing` });
    else if (hash !== anchor.hash) {
      problems.push({
        kind: "rewritten",
        id: anchor.id,
        message: `entry #${anchor.id} does not match its anchor: stored ${short(hash)}, anchored ${short(anchor.hash)}`,
      });
    }
  }
  if (newestCut) {
    const where = headId === null ? "every entry was deleted" : `entries after #${headId} were deleted`;
    problems.push({
      kind: "deleted",
      id: newestCut.id,
      message: `${where}: the anchor records #${newestCut.id} (${short(newestCut.hash)})`,
    });
  }
  return problems;
}
