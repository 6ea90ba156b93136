// The audit log's head is anchored outside the database, so deleting the
// newest entries (which leaves a chain that verifies) is found as surely as changing an old one
// (docs/adr/0020). With AUDIT_ANCHOR_FILE set, each committed append writes the head's
// (id, hash) as one JSON line, fsynced; verify reads the lines and checks that every anchored
// entry is still there with its hash and that the head is not before the newest anchor.
//
// How a deployment keeps its anchor, as these tests do: the file lives on a volume the
// database's administrators cannot rewrite (another host's disk, a write-once bucket mounted
// or synced from it), and/or a log shipper (Vector, Fluent Bit, Promtail) tails it into a log
// store, as any other log file. To verify, hand the lines back: the /audit page reads this
// replica's AUDIT_ANCHOR_FILE; lines pulled from the store (every replica's) go to
// checkAuditAnchors() as text. Each replica writes its own file (AUDIT_ANCHOR_FILE per
// replica); every line of every file is checked.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  anchorAuditHead,
  auditAnchorSettled,
  checkAuditAnchorFile,
  checkAuditAnchors,
  resetAuditAnchor,
} from "@/lib/audit-chain/anchor";
import { appendAudit, auditHash, verifyAuditChain, type AuditEntryInput } from "@/lib/audit-chain/audit-log";
import { sql, transaction } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { auditEntry } from "../support/audit-entries";
import { useTestDatabase } from "../support/use-database";

useTestDatabase();

let volume: string;

beforeAll(async () => {
  volume = await mkdtemp(path.join(tmpdir(), "reloadscope-anchor-"));
});

afterAll(async () => {
  await rm(volume, { recursive: true, force: true });
});

afterEach(async () => {
  await auditAnchorSettled();
  delete process.env.AUDIT_ANCHOR_FILE;
  delete process.env.RELOADSCOPE_EMBEDDED;
  resetEnvCache();
  resetAuditAnchor();
});

let files = 0;
/** This replica's anchor file, on the volume. */
function anchorTo(name = `replica-${++files}.anchor`): string {
  const file = path.join(volume, name);
  process.env.AUDIT_ANCHOR_FILE = file;
  resetEnvCache();
  resetAuditAnchor();
  return file;
}

async function append(input: AuditEntryInput = auditEntry()) {
  const made = await transaction((tx) => appendAudit(tx, input));
  await auditAnchorSettled();
  return made;
}

/** As a superuser could: the triggers off for one statement. */
async function tamper(statement: string, ...params: unknown[]): Promise<void> {
  await transaction(async (tx) => {
    await tx.execute(`SET LOCAL session_replication_role = replica`);
    await tx.execute(statement, ...params);
  });
}

async function lines(file: string): Promise<Record<string, unknown>[]> {
  return (await readFile(file, "utf8"))
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("the anchor file", () => {
  test("each committed append writes the head (id, hash, time) as a line; a rolled-back append writes none", async () => {
    const file = anchorTo();
    const a = await append();
    const b = await append(auditEntry({ details: { input: { reason: "password hunter2 must never be here" } } }));
    const written = await lines(file);
    expect(written.map(({ id, hash }) => ({ id, hash }))).toEqual([
      { id: a.id, hash: a.hash },
      { id: b.id, hash: b.hash },
    ]);
    for (const line of written) expect(Object.keys(line).sort()).toEqual(["at", "hash", "id"]);
    expect(await readFile(file, "utf8")).not.toContain("hunter2");

    await transaction(async (tx) => {
      await appendAudit(tx, auditEntry());
      throw new Error("the action failed after its append");
    }).catch(() => {});
    await auditAnchorSettled();
    expect(await lines(file)).toHaveLength(2);
  });

  test("unset: no anchor is written, and verify says the newest entries are not covered", async () => {
    await append();
    await anchorAuditHead();
    expect(await checkAuditAnchorFile(sql())).toEqual({
      configured: false,
      message: "no audit anchor (AUDIT_ANCHOR_FILE is not set): deleted newest entries cannot be detected",
    });
  });

  test("the embedded demo anchors to .data/audit-anchor unless AUDIT_ANCHOR_FILE says otherwise", async () => {
    const { auditAnchorFile } = await import("@/lib/audit-chain/anchor");
    process.env.RELOADSCOPE_EMBEDDED = "1";
    resetEnvCache();
    expect(auditAnchorFile()).toBe(path.join(process.cwd(), ".data", "audit-anchor"));
    process.env.AUDIT_ANCHOR_FILE = path.join(volume, "elsewhere");
    resetEnvCache();
    expect(auditAnchorFile()).toBe(path.join(volume, "elsewhere"));
  });
});

describe("verify with the anchor", () => {
  test("deleting the newest entries leaves a chain that verifies, and the anchor names the cut", async () => {
    anchorTo();
    const a = await append();
    const b = await append();
    const c = await append();
    const before = await checkAuditAnchorFile(sql());
    expect(before).toMatchObject({ configured: true, anchors: 3, headId: c.id, problems: [], unreadable: [] });

    await tamper(`DELETE FROM audit_log WHERE id >= $1::bigint`, b.id);
    expect(await verifyAuditChain(sql())).toMatchObject({ intact: true, entries: 1, lastId: a.id });
    const after = await checkAuditAnchorFile(sql());
    expect(after).toMatchObject({ configured: true, headId: a.id });
    expect(after.configured && after.problems).toEqual([
      {
        kind: "deleted",
        id: c.id,
        message: `entries after #${a.id} were deleted: the anchor records #${c.id} (${c.hash.slice(0, 12)}…)`,
      },
    ]);
  });

  test("the whole log deleted, or truncated, is found", async () => {
    anchorTo();
    const a = await append();
    await tamper(`TRUNCATE audit_log`);
    const after = await checkAuditAnchorFile(sql());
    expect(after.configured && after.problems).toEqual([
      {
        kind: "deleted",
        id: a.id,
        message: `every entry was deleted: the anchor records #${a.id} (${a.hash.slice(0, 12)}…)`,
      },
    ]);
  });

  test("rewriting an entry and recomputing every hash after it verifies as a chain, and not against the anchor", async () => {
    anchorTo();
    const a = await append();
    const b = await append(auditEntry({ outcome: "denied" }));
    const c = await append();
    const forgedB = auditHash(a.hash, { ...b, outcome: "allowed" });
    const forgedC = auditHash(forgedB, c);
    await tamper(`UPDATE audit_log SET outcome = 'allowed', hash = $2 WHERE id = $1::bigint`, b.id, forgedB);
    await tamper(`UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE id = $1::bigint`, c.id, forgedB, forgedC);
    expect(await verifyAuditChain(sql())).toMatchObject({ intact: true, entries: 3 });
    const after = await checkAuditAnchorFile(sql());
    expect(after.configured && after.problems.map((p) => [p.kind, p.id])).toEqual([
      ["rewritten", b.id],
      ["rewritten", c.id],
    ]);
  });

  test("two replicas each anchor their own appends; lines shipped to a log store and handed back are all checked", async () => {
    const logStore: string[] = [];
    const replicaA = anchorTo("replica-a.anchor");
    const first = await append(auditEntry({ actor: "on-a" }));
    logStore.push(await readFile(replicaA, "utf8"));
    const replicaB = anchorTo("replica-b.anchor");
    await append(auditEntry({ actor: "on-b" }));
    const newest = await append(auditEntry({ actor: "on-b" }));
    logStore.push(await readFile(replicaB, "utf8"));
    // a line cut short by a crash mid-write is reported, not fatal
    logStore.push('{"id":"99","hash":"ab');

    const intact = await checkAuditAnchors(sql(), logStore.join(""));
    expect(intact).toMatchObject({ anchors: 3, problems: [], unreadable: [4], headId: newest.id });

    await tamper(`DELETE FROM audit_log WHERE id > $1::bigint`, first.id);
    const cut = await checkAuditAnchors(sql(), logStore.join(""));
    expect(cut.problems).toEqual([
      {
        kind: "deleted",
        id: newest.id,
        message: `entries after #${first.id} were deleted: the anchor records #${newest.id} (${newest.hash.slice(0, 12)}…)`,
      },
    ]);
  });

  test("a configured anchor file with no lines yet says so", async () => {
    const file = anchorTo();
    const verdict = await checkAuditAnchorFile(sql());
    expect(verdict).toMatchObject({ configured: true, file, anchors: 0, problems: [] });
    expect(verdict.configured && verdict.message).toBe(`no anchor lines in ${file} yet`);
  });
});
