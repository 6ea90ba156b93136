import "server-only";
import { mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import { sql as pool, transaction, type Sql } from "@/lib/db/client";
import {
  compareWithAnchors,
  formatAnchorLine,
  parseAnchorLines,
  type AnchorProblem,
  type AuditAnchor,
} from "@/lib/domain/audit-anchor";
import { env } from "@/lib/env";
import { AUDIT_LOCK_KEY } from "./append-lock";

// Writes the audit log's head outside the database after appends, and checks the log against
// such lines (docs/adr/0020, lib/domain/audit-anchor.ts). appendAudit runs inside its caller's
// transaction, so it cannot know when (or whether) its entry commits; it asks for a write,
// and the writer takes the append lock, which the appending transaction holds until it ends,
// then reads the committed head. So a line only ever names a committed entry, a rolled-back
// append writes nothing, and the window in which a cut goes unseen is the moment between a
// commit and its line's fsync (plus a crash in between). Writes are queued one at a time per
// process; requests while one waits share it.

/** The anchor file: AUDIT_ANCHOR_FILE, else .data/audit-anchor in the embedded mode, else none. */
export function auditAnchorFile(): string | null {
  const config = env();
  if (config.AUDIT_ANCHOR_FILE) return path.resolve(config.AUDIT_ANCHOR_FILE);
  return config.RELOADSCOPE_EMBEDDED === "1" ? path.join(process.cwd(), ".data", "audit-anchor") : null;
}

interface WriterState {
  /** a write requested and not started yet, which further requests join */
  queued: Promise<void> | null;
  /** the last write requested: settles after every earlier one */
  tail: Promise<void>;
  /** the head this process wrote last, per file */
  written: Map<string, string>;
}

// On globalThis, so every route bundle of the process shares one queue.
function writer(): WriterState {
  const holder = globalThis as unknown as { reloadscopeAuditAnchor?: WriterState };
  holder.reloadscopeAuditAnchor ??= { queued: null, tail: Promise.resolve(), written: new Map() };
  return holder.reloadscopeAuditAnchor;
}

/** Asks for the committed head to be anchored; resolves once written (never rejects: a failure is logged). */
export function anchorAuditHead(): Promise<void> {
  const file = auditAnchorFile();
  if (!file) return Promise.resolve();
  const state = writer();
  if (state.queued) return state.queued;
  const run = state.tail.then(async () => {
    state.queued = null;
    try {
      await writeHead(file, state);
    } catch (error) {
      // The action has committed already; the next append's line covers this entry too.
      console.error(`[audit] could not write the audit anchor to ${file}: ${(error as Error).message}`);
    }
  });
  state.queued = run;
  state.tail = run;
  return run;
}

/** Settles once every anchor write asked for so far has finished (tests; shutdown). */
export function auditAnchorSettled(): Promise<void> {
  return writer().tail;
}

/** Forgets what this process wrote (tests switching files). */
export function resetAuditAnchor(): void {
  const state = writer();
  state.queued = null;
  state.written.clear();
}

async function writeHead(file: string, state: WriterState): Promise<void> {
  const head = await transaction(async (tx) => {
    // Waits for an appending transaction to end, so the head read is committed (or its append rolled back).
    await tx.query(`SELECT pg_advisory_xact_lock($1::bigint)`, AUDIT_LOCK_KEY.toString());
    const [row] = await tx.query<{ id: string; hash: string }[]>(
      `SELECT id::text AS id, hash FROM audit_log ORDER BY id DESC LIMIT 1`,
    );
    return row ?? null;
  });
  if (!head || state.written.get(file) === head.id) return;
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, "a", 0o600);
  try {
    await handle.appendFile(formatAnchorLine(head, new Date()), "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  state.written.set(file, head.id);
}

export interface AnchorCheck {
  /** anchor lines read */
  anchors: number;
  /** 1-based numbers of non-blank lines that are not anchors (a line cut by a crash mid-write) */
  unreadable: number[];
  newest: AuditAnchor | null;
  /** the log's newest entry when checked (null: empty) */
  headId: string | null;
  problems: AnchorProblem[];
}

const LOOKUP_PAGE = 5_000;

/** Checks the log against anchor lines (one or more files' text, or a log store's export). */
export async function checkAuditAnchors(sql: Sql, text: string): Promise<AnchorCheck> {
  const { anchors, unreadable } = parseAnchorLines(text);
  // The head is read after the lines, so each line names an entry committed before it.
  const [head] = await sql.query<{ id: string | null }[]>(`SELECT max(id)::text AS id FROM audit_log`);
  const headId = head?.id ?? null;
  const ids = [...new Set(anchors.map((a) => a.id))];
  const stored = new Map<string, string>();
  for (let i = 0; i < ids.length; i += LOOKUP_PAGE) {
    const rows = await sql.query<{ id: string; hash: string }[]>(
      `SELECT id::text AS id, hash FROM audit_log WHERE id = ANY($1::bigint[])`,
      ids.slice(i, i + LOOKUP_PAGE),
    );
    for (const row of rows) stored.set(row.id, row.hash);
  }
  const newest = anchors.reduce<AuditAnchor | null>(
    (max, a) => (max === null || BigInt(a.id) > BigInt(max.id) ? a : max),
    null,
  );
  return { anchors: anchors.length, unreadable, newest, headId, problems: compareWithAnchors(anchors, stored, headId) };
}

export type AnchorVerdict =
  { configured: false; message: string } | ({ configured: true; file: string; message: string } & AnchorCheck);

/** Checks the log against this process's anchor file (what "Verify chain" on /audit shows). */
export async function checkAuditAnchorFile(sql: Sql = pool()): Promise<AnchorVerdict> {
  const file = auditAnchorFile();
  if (!file)
    return {
      configured: false,
      message: "no audit anchor (AUDIT_ANCHOR_FILE is not set): deleted newest entries cannot be detected",
    };
  let text = "";
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const check = await checkAuditAnchors(sql, text);
  const message =
    check.anchors === 0
      ? `no anchor lines in ${file} yet`
      : check.problems.length > 0
        ? check.problems.map((p) => p.message).join("; ")
        : `${check.anchors} anchor lines in ${file} agree with the log (newest #${check.newest!.id})`;
  return { configured: true, file, message, ...check };
}
